import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CustomerStateIndividual$inboundSchema } from "@polar-sh/sdk/models/components/customerstateindividual";
import { HTTPValidationError } from "@polar-sh/sdk/models/errors/httpvalidationerror";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { admin, BUSINESS_MONTHLY_ID, createCheckout, pay, PRO_ID, PRO_MONTHLY_ID, sdkParse, settled, startHarness, subscribe, TOKEN, type Harness, type Received } from "./harness";
import { eventsOf as eventsAfter, types } from "./subscription-api";

/**
 * Benefits and credits through a subscription's life, as Polar's server runs them
 * (benefit/grant/service.py, benefit/strategies/{feature_flag,meter_credit}, subscription/
 * service.py cycle and reset_meters, billing_entry/service.py for the metered line): granted
 * with the purchase, cycled by each paid renewal with the meter reset, the usage above the
 * credits billed, revoked with the subscription, and a product's benefits changed through the
 * API. Every webhook parses with the SDK (sdkParse), every REST answer through its methods.
 */

const METER_ID = "0d4b2e6a-3f1c-4a8e-9b57-2c6e8f1a3d90";
const FLAG_ID = "6a2f9c4e-1b7d-4e3a-8c5f-0d9e2b4a6c71";
const PRO_CREDITS_ID = "8e3c5a7b-2d1f-4b6e-9a0c-4f7d1e3b5a82";
const BUSINESS_CREDITS_ID = "3b7e1d9f-5c2a-4f8b-a6d0-9e1c3a5b7d93";
const BUSINESS_MONTHLY_METERED_PRICE = "c4e8a2d7-0000-4000-8000-000000000002";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

const eventsOf = <T>(count: number, act: () => Promise<T>) => eventsAfter(h, count, act);

function parsed(events: Received[]): Received[] {
  for (const e of events) expect(sdkParse(e).type).toBe(e.type);
  return events;
}

/** Sends `count` reports for the customer, in batches as an app would. */
async function reports(email: string, count: number, prefix: string): Promise<void> {
  for (let i = 0; i < count; i += 500) {
    const events = Array.from({ length: Math.min(500, count - i) }, (_, j) => ({ name: "report.generated", externalCustomerId: email, externalId: `${prefix}-${i + j}` }));
    await h.polar.events.ingest({ events });
  }
}

const meterOf = async (email: string) => (await h.polar.customers.getStateExternal({ externalId: email })).activeMeters.find((m) => m.meterId === METER_ID);

describe("granted with the purchase", () => {
  it("Business Monthly: the flag and 1,000 credits after subscription.active, then the state; the payloads as Polar writes them", async () => {
    const email = "grants@example.com";
    const checkout = await createCheckout(h.polar, email, BUSINESS_MONTHLY_ID);
    await settled(h);
    const from = h.receiver.received.length;
    expect((await pay(checkout.url)).status).toBe(303);
    const events = parsed(h.receiver.received.slice(from));
    expect(types(events)).toEqual([
      "checkout.updated",
      "member.created",
      "customer.created",
      "subscription.created",
      "order.created",
      "order.updated",
      "order.paid",
      "subscription.active",
      "benefit_grant.created",
      "benefit_grant.created",
      "customer.state_changed",
      "checkout.updated",
    ]);
    const owner = events[1]?.data;
    const sub = events[3]?.data;
    const [flag, credits] = [events[8]?.data, events[9]?.data];
    expect(flag).toMatchObject({
      subscription_id: sub?.id,
      order_id: null,
      is_granted: true,
      is_revoked: false,
      granted_at: expect.any(String),
      benefit_id: FLAG_ID,
      benefit: { type: "feature_flag", description: "Reports", metadata: { feature: "reports" }, visibility: "private", properties: {} },
      properties: {},
      previous_properties: {},
      customer: { email, external_id: email },
      // Polar's member model: a product without seats grants to the customer's owner.
      member_id: owner?.id,
      member: { id: owner?.id, role: "owner", email, customer_id: events[2]?.data.id },
    });
    expect(credits).toMatchObject({
      benefit_id: BUSINESS_CREDITS_ID,
      benefit: { type: "meter_credit", properties: { meter_id: METER_ID, units: 1000, rollover: false } },
      properties: { last_credited_meter_id: METER_ID, last_credited_units: 1000, last_credited_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/) },
      previous_properties: {},
    });
    // The state the grants leave, as the webhook and the API both give it.
    const state = events[10]?.data;
    expect(state).toMatchObject({
      granted_benefits: [
        { benefit_id: FLAG_ID, benefit_type: "feature_flag", benefit_metadata: { feature: "reports" }, properties: {} },
        { benefit_id: BUSINESS_CREDITS_ID, benefit_type: "meter_credit", properties: { last_credited_units: 1000 } },
      ],
      active_meters: [{ meter_id: METER_ID, consumed_units: 0, credited_units: 1000, balance: 1000 }],
      active_subscriptions: [{ id: sub?.id, meters: [{ meter_id: METER_ID, consumed_units: 0, credited_units: 1000, amount: 0 }] }],
    });
    const viaApi = await h.polar.customers.getStateExternal({ externalId: email });
    expect(viaApi.grantedBenefits.map((g) => [g.benefitType, g.benefitMetadata])).toEqual([
      ["feature_flag", { feature: "reports" }],
      // The seed's credit benefits say which feature they limit: the app reads it (README, Usage).
      ["meter_credit", { feature: "reports" }],
    ]);
    expect(await h.polar.customers.getState({ id: viaApi.id })).toEqual(viaApi);
    const raw = await (await fetch(`${h.emulator.url}/v1/customers/${viaApi.id}/state`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
    expect(CustomerStateIndividual$inboundSchema.parse(raw).activeMeters[0]).toMatchObject({ creditedUnits: 1000, balance: 1000 });

    // The subscription carries its metered price and its meter.
    const subscription = await h.polar.subscriptions.get({ id: String(sub?.id) });
    expect(subscription.prices.map((p) => p.amountType)).toEqual(["fixed", "metered_unit"]);
    expect(subscription.prices[1]).toMatchObject({ id: BUSINESS_MONTHLY_METERED_PRICE, unitAmount: "5.000000000000", capAmount: 5000, meterId: METER_ID, meter: { name: "Reports" } });
    expect(subscription.meters).toEqual([expect.objectContaining({ meterId: METER_ID, consumedUnits: 0, creditedUnits: 1000, amount: 0, meter: expect.objectContaining({ name: "Reports" }) })]);
    // Its reset at creation is one of Polar's system events.
    const system = (await h.polar.events.list({ externalCustomerId: email, source: "system", limit: 100 })).items.map((e) => e.name).sort();
    expect(system).toEqual(["benefit.granted", "benefit.granted", "meter.credited", "meter.reset"]);
  });

  it("the one-time Pro grants its benefits once, to the order; a renewal has nothing to cycle there", async () => {
    const email = "one-time-grants@example.com";
    await pay((await createCheckout(h.polar, email, PRO_ID)).url);
    const [order] = (await h.polar.orders.list({ externalCustomerId: email })).result.items;
    const grants = (await h.polar.benefitGrants.list({ externalCustomerId: email })).result.items;
    expect(grants.map((g) => [g.benefitId, g.orderId, g.subscriptionId, g.isGranted]).sort()).toEqual(
      [
        [FLAG_ID, order?.id, null, true],
        [PRO_CREDITS_ID, order?.id, null, true],
      ].sort(),
    );
    expect(await meterOf(email)).toMatchObject({ creditedUnits: 100, consumedUnits: 0 });
  });

  it("lists the benefits and their grants as the SDK reads them", async () => {
    const benefits = (await h.polar.benefits.list({})).result.items;
    expect(benefits.map((b) => b.description).sort()).toEqual(["1,000 reports each period", "100 reports each period", "Reports"]);
    expect(await h.polar.benefits.get({ id: FLAG_ID })).toMatchObject({ type: "feature_flag", metadata: { feature: "reports" } });
    const grants = (await h.polar.benefits.grants({ id: FLAG_ID })).result.items;
    expect(grants.length).toBeGreaterThanOrEqual(2);
    for (const g of grants) expect(g).toMatchObject({ benefitId: FLAG_ID, benefit: { type: "feature_flag" } });
    const product = await h.polar.products.get({ id: BUSINESS_MONTHLY_ID });
    expect(product.benefits.map((b) => b.id)).toEqual([FLAG_ID, BUSINESS_CREDITS_ID]);
  });
});

describe("the renewal: the usage above the credits billed, the meter reset, the credits granted again", () => {
  it("Business Monthly: 1,030 reports bill 30 at $0.05 on the renewal order; after it the balance is 1,000 again", async () => {
    const email = "overage@example.com";
    const id = await subscribe(h, email, BUSINESS_MONTHLY_ID);
    await reports(email, 1030, "ov");
    expect(await meterOf(email)).toMatchObject({ consumedUnits: 1030, creditedUnits: 1000, balance: -30 });
    expect((await h.polar.subscriptions.get({ id })).meters[0]).toMatchObject({ consumedUnits: 1030, creditedUnits: 1000, amount: 150 });

    const { events } = await eventsOf(8, () => admin(h.emulator.url, `/admin/subscriptions/${id}/renew`, {}));
    parsed(events);
    expect(types(events)).toEqual([
      "subscription.cycled",
      "subscription.updated",
      "order.created",
      "order.updated",
      "order.paid",
      "benefit_grant.cycled",
      "benefit_grant.cycled",
      "customer.state_changed",
    ]);
    const order = events[2]?.data as { total_amount: number; items: Array<Record<string, unknown>> };
    expect(order.items).toEqual([
      expect.objectContaining({ label: "Business Monthly", amount: 4900, proration: false }),
      expect.objectContaining({ label: "Reports — (30 consumed units) × $0.05", amount: 150, proration: false, product_price_id: BUSINESS_MONTHLY_METERED_PRICE }),
    ]);
    expect(order.total_amount).toBe(5050);
    const cycledCredits = events.slice(5, 7).map((e) => e.data).find((d) => d.benefit_id === BUSINESS_CREDITS_ID);
    expect(cycledCredits).toMatchObject({ properties: { last_credited_units: 1000 }, previous_properties: { last_credited_units: 1000 } });
    expect((cycledCredits?.properties as { last_credited_at: string }).last_credited_at > (cycledCredits?.previous_properties as { last_credited_at: string }).last_credited_at).toBe(true);
    expect(events[7]?.data).toMatchObject({ active_meters: [{ consumed_units: 0, credited_units: 1000, balance: 1000 }] });

    // Reports after the renewal count in the new period only.
    await reports(email, 5, "ov-next");
    expect(await meterOf(email)).toMatchObject({ consumedUnits: 5, creditedUnits: 1000, balance: 995 });
    const next = await eventsOf(8, () => admin(h.emulator.url, `/admin/subscriptions/${id}/renew`, {}));
    expect((next.events[2]?.data.items as Array<Record<string, unknown>>)[1]).toMatchObject({ label: "Reports — (0 consumed units) × $0.05", amount: 0 });
  });

  it("the price's cap_amount caps the line, and the label says so", async () => {
    const created = await admin(h.emulator.url, "/admin/products", {
      name: "Business Capped",
      priceAmount: 4900,
      recurringInterval: "month",
      benefits: [FLAG_ID, BUSINESS_CREDITS_ID],
      meteredPrices: [{ meterId: METER_ID, unitAmount: "5", capAmount: 100 }],
    });
    expect(created.status).toBe(201);
    const capped = ((await created.json()) as { id: string }).id;
    const email = "capped@example.com";
    const id = await subscribe(h, email, capped);
    await reports(email, 1100, "cap");
    const { events } = await eventsOf(8, () => admin(h.emulator.url, `/admin/subscriptions/${id}/renew`, {}));
    const order = events[2]?.data as { total_amount: number; items: Array<Record<string, unknown>> };
    expect(order.items[1]).toMatchObject({ label: "Reports — (100 consumed units) × $0.05 — Capped at $1.00", amount: 100 });
    expect(order.total_amount).toBe(5000);
  });

  it("Pro Monthly (credits, no metered price): nothing billed, the meter reset by the credits' cycle, 100 credits again", async () => {
    const email = "pro-cycle@example.com";
    const id = await subscribe(h, email, PRO_MONTHLY_ID);
    await reports(email, 130, "pro");
    expect(await meterOf(email)).toMatchObject({ consumedUnits: 130, creditedUnits: 100, balance: -30 });
    const { events } = await eventsOf(8, () => admin(h.emulator.url, `/admin/subscriptions/${id}/renew`, {}));
    parsed(events);
    expect((events[2]?.data.items as unknown[]).length).toBe(1);
    expect(events[2]?.data).toMatchObject({ total_amount: 1299 });
    expect(await meterOf(email)).toMatchObject({ consumedUnits: 0, creditedUnits: 100, balance: 100 });
  });

  it("a declined renewal revokes the benefits (past_due), a recovered payment grants them again", async () => {
    const email = "past-due-grants@example.com";
    const id = await subscribe(h, email, PRO_MONTHLY_ID);
    const failed = await eventsOf(8, () => admin(h.emulator.url, `/admin/subscriptions/${id}/renew-failing`, {}));
    expect(types(parsed(failed.events)).slice(5)).toEqual(["benefit_grant.revoked", "benefit_grant.revoked", "customer.state_changed"]);
    expect(await meterOf(email)).toMatchObject({ creditedUnits: 0 });
    expect((await h.polar.customers.getStateExternal({ externalId: email })).grantedBenefits).toEqual([]);
    const recovered = await eventsOf(7, () => admin(h.emulator.url, `/admin/subscriptions/${id}/retry`, {}));
    expect(types(parsed(recovered.events)).slice(4)).toEqual(["benefit_grant.created", "benefit_grant.created", "customer.state_changed"]);
    expect(await meterOf(email)).toMatchObject({ creditedUnits: 100 });
  });
});

describe("revoked with the subscription", () => {
  it("DELETE /v1/subscriptions/{id}: benefit_grant.revoked for each grant, the credits taken back, then the state", async () => {
    const email = "revoke-grants@example.com";
    const id = await subscribe(h, email, BUSINESS_MONTHLY_ID);
    await reports(email, 10, "rv");
    const { events } = await eventsOf(6, () => h.polar.subscriptions.revoke({ id }));
    parsed(events);
    expect(types(events)).toEqual(["subscription.updated", "subscription.canceled", "subscription.revoked", "benefit_grant.revoked", "benefit_grant.revoked", "customer.state_changed"]);
    for (const e of events.slice(3, 5)) expect(e.data).toMatchObject({ subscription_id: id, is_granted: false, is_revoked: true, granted_at: null, revoked_at: expect.any(String) });
    const credits = events.slice(3, 5).find((e) => e.data.benefit_id === BUSINESS_CREDITS_ID)?.data;
    // The strategy takes back what it last credited and remembers it.
    expect(credits).toMatchObject({ properties: { last_credited_units: -1000 }, previous_properties: { last_credited_units: 1000 } });
    expect(events[5]?.data).toMatchObject({ active_subscriptions: [], granted_benefits: [], active_meters: [{ consumed_units: 10, credited_units: 0, balance: -10 }] });
    const grants = (await h.polar.benefitGrants.list({ externalCustomerId: email })).result.items;
    expect(grants.map((g) => [g.isGranted, g.isRevoked])).toEqual([
      [false, true],
      [false, true],
    ]);
  });
});

describe("a product's benefits changed through the API (POST /v1/products/{id}/benefits)", () => {
  it("product.updated; the product's subscribers follow (grants revoked or granted); a new subscriber gets the new set", async () => {
    // A plan of its own, so that no other test's subscriber is on it.
    const created = await admin(h.emulator.url, "/admin/products", { name: "Team Monthly", priceAmount: 1999, recurringInterval: "month", benefits: [FLAG_ID, PRO_CREDITS_ID] });
    const team = ((await created.json()) as { id: string }).id;
    const before = "before-change@example.com";
    const id = await subscribe(h, before, team);
    // The plan now gives the Business credits instead of Pro's.
    const { result, events } = await eventsOf(4, () => h.polar.products.updateBenefits({ id: team, productBenefitsUpdate: { benefits: [FLAG_ID, BUSINESS_CREDITS_ID] } }));
    parsed(events);
    expect(result.benefits.map((b) => b.id)).toEqual([FLAG_ID, BUSINESS_CREDITS_ID]);
    expect(types(events)).toEqual(["product.updated", "benefit_grant.revoked", "benefit_grant.created", "customer.state_changed"]);
    expect(events[0]?.data).toMatchObject({ id: team, benefits: [{ id: FLAG_ID }, { id: BUSINESS_CREDITS_ID }] });
    expect(events[1]?.data).toMatchObject({ subscription_id: id, benefit_id: PRO_CREDITS_ID });
    expect(events[2]?.data).toMatchObject({ subscription_id: id, benefit_id: BUSINESS_CREDITS_ID });
    expect(await meterOf(before)).toMatchObject({ creditedUnits: 1000 });

    const after = "after-change@example.com";
    await subscribe(h, after, team);
    const state = await h.polar.customers.getStateExternal({ externalId: after });
    expect(state.grantedBenefits.map((g) => g.benefitId)).toEqual([FLAG_ID, BUSINESS_CREDITS_ID]);
    expect(await meterOf(after)).toMatchObject({ creditedUnits: 1000 });

    // Only the feature flag: the credits go from every subscriber of the product, each customer's state after.
    const flagOnly = await eventsOf(5, () => h.polar.products.updateBenefits({ id: team, productBenefitsUpdate: { benefits: [FLAG_ID] } }));
    expect(types(parsed(flagOnly.events))).toEqual(["product.updated", "benefit_grant.revoked", "benefit_grant.revoked", "customer.state_changed", "customer.state_changed"]);
    expect((await h.polar.customers.getStateExternal({ externalId: after })).grantedBenefits.map((g) => g.benefitId)).toEqual([FLAG_ID]);
    // A reorder changes no grant: product.updated alone.
    const same = await eventsOf(1, () => h.polar.products.updateBenefits({ id: team, productBenefitsUpdate: { benefits: [FLAG_ID] } }));
    expect(types(same.events)).toEqual(["product.updated"]);
  });

  it("an unknown benefit is Polar's 422 on that benefit; an unknown product 404", async () => {
    const unknown = "6f9619ff-8b86-4011-b42d-00c04fc964ff";
    const error = await h.polar.products.updateBenefits({ id: PRO_MONTHLY_ID, productBenefitsUpdate: { benefits: [FLAG_ID, unknown] } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPValidationError);
    expect((error as HTTPValidationError).detail).toEqual([{ type: "value_error", loc: ["body", "benefits", 1], msg: "Benefit does not exist.", input: unknown }]);
    await expect(h.polar.products.updateBenefits({ id: unknown, productBenefitsUpdate: { benefits: [] } })).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe("across a restart (the state file)", () => {
  it("keeps the events, the grants, the meters and a changed product's benefits; the external_id dedupe too", async () => {
    const dir = mkdtempSync(join(tmpdir(), "polar-emulator-usage-"));
    const stateFile = join(dir, "state.json");
    try {
      const first = await startHarness({ stateFile });
      const email = "restart-usage@example.com";
      await subscribe(first, email, BUSINESS_MONTHLY_ID);
      await first.polar.events.ingest({ events: [{ name: "report.generated", externalCustomerId: email, externalId: "kept" }] });
      await first.polar.products.updateBenefits({ id: PRO_ID, productBenefitsUpdate: { benefits: [FLAG_ID] } });
      const before = await first.polar.customers.getStateExternal({ externalId: email });
      await first.stop();

      const second = await startHarness({ stateFile });
      try {
        expect(await second.polar.customers.getStateExternal({ externalId: email })).toEqual(before);
        expect(before.activeMeters[0]).toMatchObject({ consumedUnits: 1, creditedUnits: 1000 });
        expect(await second.polar.events.ingest({ events: [{ name: "report.generated", externalCustomerId: email, externalId: "kept" }] })).toEqual({ inserted: 0, duplicates: 1 });
        expect((await second.polar.products.get({ id: PRO_ID })).benefits.map((b) => b.id)).toEqual([FLAG_ID]);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
