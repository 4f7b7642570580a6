import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PolarCore } from "@polar-sh/sdk/core.js";
import { subscriptionsUpdate } from "@polar-sh/sdk/funcs/subscriptionsUpdate.js";
import type { SubscriptionUpdate } from "@polar-sh/sdk/models/components/subscriptionupdate";
import { AlreadyCanceledSubscription } from "@polar-sh/sdk/models/errors/alreadycanceledsubscription";
import { HTTPValidationError } from "@polar-sh/sdk/models/errors/httpvalidationerror";
import { PaymentFailed } from "@polar-sh/sdk/models/errors/paymentfailed";
import { ResourceNotFound } from "@polar-sh/sdk/models/errors/resourcenotfound";
import { coreClient, eventsOf as eventsAfter, expectParsable, getSubscription, refusedUpdate, types, updateSubscription } from "./subscription-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StateFileContent } from "../src/persistence";
import {
  admin,
  BUSINESS_MONTHLY_ID,
  BUSINESS_YEARLY_ID,
  PRO_ID,
  PRO_MONTHLY_ID,
  PRO_TRIAL_ID,
  PRO_YEARLY_ID,
  settled,
  startHarness,
  subscribe,
  TOKEN,
  type Harness,
} from "./harness";

/**
 * `PATCH /v1/subscriptions/{id}` with `product_id`, through the SDK's standalone
 * `subscriptionsUpdate` as an app calls it: each proration behavior, Polar's events in Polar's
 * order (every payload parsed by the SDK), the proration against a hand computation, the
 * refusals, and the decline switch. Polar's rules are in the README ("Changing a subscription").
 */

const DAY = 86_400_000;
const PRICE = { pro: 1299, business: 4900, proYearly: 12990 };
const priceId = (productId: string) => `${productId.slice(0, 8)}-0000-4000-8000-000000000001`;

let h: Harness;
let core: PolarCore;
beforeAll(async () => {
  h = await startHarness();
  core = coreClient(h);
});
afterAll(async () => {
  await h.stop();
});

const eventsOf = <T>(count: number, act: () => Promise<T>, harness = h) => eventsAfter(harness, count, act);
const update = (id: string, change: SubscriptionUpdate, polar = core) => updateSubscription(polar, id, change);
const refused = (id: string, change: SubscriptionUpdate) => refusedUpdate(core, id, change);
const get = (id: string, polar = core) => getSubscription(polar, id);

/** One proration line worked out by hand: amount x time left / period, rounded half to even. */
function byHand(amount: number, start: Date, end: Date, at: Date): number {
  const exact = (amount * (end.getTime() - at.getTime())) / (end.getTime() - start.getTime());
  const floor = Math.floor(exact);
  const rest = exact - floor;
  if (Math.abs(rest - 0.5) < 1e-9) return floor % 2 === 0 ? floor : floor + 1;
  return rest > 0.5 ? floor + 1 : floor;
}

/** A paid renewal of a subscription whose product grants two benefits: both cycled, then the state. */
const CYCLE_PAID = ["subscription.cycled", "subscription.updated", "order.created", "order.updated", "order.paid", "benefit_grant.cycled", "benefit_grant.cycled", "customer.state_changed"];

const day = (d: Date) => new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" }).format(d);

async function customerId(subscriptionId: string): Promise<string> {
  return (await get(subscriptionId)).customerId;
}

async function balance(subscriptionId: string): Promise<number> {
  const res = await admin(h.emulator.url, `/admin/customers/${await customerId(subscriptionId)}`);
  return ((await res.json()) as { balances: Record<string, number> }).balances.usd ?? 0;
}

describe("a plan change invoiced now (invoice, the organization's default)", () => {
  it("upgrade: changes now, an order for the prorated difference, then the events in Polar's order", async () => {
    const id = await subscribe(h, "upgrade@example.com", PRO_MONTHLY_ID);
    const before = await get(id);
    // No proration_behavior: the organization's (invoice).
    const { result, events } = await eventsOf(7, () => update(id, { productId: BUSINESS_MONTHLY_ID }));
    // order.created in the request; subscription.updated, the grants job (Pro's credits revoked,
    // Business's granted; the flag both have stays) and the state job after it; the charge
    // confirmed by Stripe's webhook last (order/service.py _create_order, PaymentMode.sync).
    expect(types(events)).toEqual([
      "order.created",
      "subscription.updated",
      "benefit_grant.revoked",
      "benefit_grant.created",
      "customer.state_changed",
      "order.updated",
      "order.paid",
    ]);
    expectParsable(events);
    expect(result).toMatchObject({
      id,
      productId: BUSINESS_MONTHLY_ID,
      amount: PRICE.business,
      recurringInterval: "month",
      status: "active",
      pendingUpdate: null,
      currentPeriodStart: before.currentPeriodStart,
      currentPeriodEnd: before.currentPeriodEnd,
    });
    expect(result.product.id).toBe(BUSINESS_MONTHLY_ID);

    const [created, updated, revokedGrant, grantedGrant, state, , paid] = events.map((e) => e.data);
    expect(revokedGrant).toMatchObject({ benefit: { type: "meter_credit", properties: { units: 100 } }, is_revoked: true });
    expect(grantedGrant).toMatchObject({ benefit: { type: "meter_credit", properties: { units: 1000 } }, is_granted: true, subscription_id: id });
    const at = new Date(String(created?.created_at));
    const credit = byHand(PRICE.pro, before.currentPeriodStart, before.currentPeriodEnd, at);
    const charge = byHand(PRICE.business, before.currentPeriodStart, before.currentPeriodEnd, at);
    expect(created).toMatchObject({
      status: "pending",
      paid: false,
      billing_reason: "subscription_update",
      subscription_id: id,
      product_id: BUSINESS_MONTHLY_ID,
      checkout_id: null,
      total_amount: charge - credit,
      items: [
        { label: `Remaining time on Pro Monthly — From ${day(at)} to ${day(before.currentPeriodEnd)}`, amount: -credit, proration: true, product_price_id: priceId(PRO_MONTHLY_ID) },
        { label: `Business Monthly — From ${day(at)} to ${day(before.currentPeriodEnd)}`, amount: charge, proration: true, product_price_id: priceId(BUSINESS_MONTHLY_ID) },
      ],
    });
    expect(updated).toMatchObject({ id, product_id: BUSINESS_MONTHLY_ID, amount: PRICE.business });
    expect(state).toMatchObject({ active_subscriptions: [{ id, product_id: BUSINESS_MONTHLY_ID, amount: PRICE.business }], active_meters: [{ credited_units: 1000 }] });
    expect(paid).toMatchObject({ id: created?.id, status: "paid", paid: true, total_amount: charge - credit, due_amount: 0 });
  });

  it("at a known instant ten days into the period: the amounts worked out by hand (Polar's rule, rounded half to even)", async () => {
    // The emulator's clock does not run: a state file ten days older stands in for ten days passing.
    const dir = mkdtempSync(join(tmpdir(), "polar-emulator-proration-"));
    const stateFile = join(dir, "state.json");
    try {
      const first = await startHarness({ stateFile });
      const id = await subscribe(first, "ten-days@example.com", PRO_MONTHLY_ID);
      await first.stop();
      const state = JSON.parse(readFileSync(stateFile, "utf8")) as StateFileContent;
      for (const s of state.store.subscriptions) {
        const back = (iso: string | null) => (iso ? new Date(Date.parse(iso) - 10 * DAY).toISOString() : iso);
        Object.assign(s, { currentPeriodStart: back(s.currentPeriodStart), currentPeriodEnd: back(s.currentPeriodEnd), startedAt: back(s.startedAt), createdAt: back(s.createdAt) });
      }
      writeFileSync(stateFile, JSON.stringify(state));

      const second = await startHarness({ stateFile });
      try {
        const polar = new PolarCore({ accessToken: TOKEN, serverURL: second.emulator.url });
        const before = await get(id, polar);
        const { events } = await eventsOf(5, () => update(id, { productId: BUSINESS_MONTHLY_ID, prorationBehavior: "invoice" }, polar), second);
        const order = events[0]?.data as { created_at: string; total_amount: number; items: Array<{ amount: number }> };
        const at = new Date(order.created_at);
        const share = (before.currentPeriodEnd.getTime() - at.getTime()) / (before.currentPeriodEnd.getTime() - before.currentPeriodStart.getTime());
        expect(share).toBeGreaterThan(0.6);
        expect(share).toBeLessThan(0.7);
        const credit = byHand(PRICE.pro, before.currentPeriodStart, before.currentPeriodEnd, at);
        const charge = byHand(PRICE.business, before.currentPeriodStart, before.currentPeriodEnd, at);
        expect(order.items.map((i) => i.amount)).toEqual([-credit, charge]);
        expect(order.total_amount).toBe(charge - credit);
        // About two thirds of $49.00 - $12.99.
        expect(Math.abs(order.total_amount - Math.round((PRICE.business - PRICE.pro) * share))).toBeLessThanOrEqual(1);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("downgrade: a credit order (negative total) paid at once, the credit kept on the customer's balance and used by the next renewal", async () => {
    const id = await subscribe(h, "downgrade@example.com", BUSINESS_MONTHLY_ID);
    const { result, events } = await eventsOf(7, () => update(id, { productId: PRO_MONTHLY_ID, prorationBehavior: "invoice" }));
    // Nothing to charge: Polar marks the order paid inside the request, before the subscription's events.
    expect(types(events)).toEqual([
      "order.created",
      "order.updated",
      "order.paid",
      "subscription.updated",
      "benefit_grant.revoked",
      "benefit_grant.created",
      "customer.state_changed",
    ]);
    expectParsable(events);
    expect(result).toMatchObject({ productId: PRO_MONTHLY_ID, amount: PRICE.pro });
    const credit = events[2]?.data as { total_amount: number; status: string; due_amount: number; refundable_amount: number; platform_fee_amount: number };
    expect(credit.total_amount).toBeLessThan(-(PRICE.business - PRICE.pro) + 5);
    expect(credit).toMatchObject({ status: "paid", due_amount: 0, refundable_amount: 0, platform_fee_amount: 0 });
    expect(await balance(id)).toBe(-credit.total_amount);

    // The renewal uses the credit first ($12.99 out of about $36): nothing is charged.
    const renewal = await eventsOf(8, () => admin(h.emulator.url, `/admin/subscriptions/${id}/renew`, {}));
    expect(types(renewal.events)).toEqual(CYCLE_PAID);
    expect(renewal.events[4]?.data).toMatchObject({ total_amount: PRICE.pro, applied_balance_amount: -PRICE.pro, refundable_amount: 0, billing_reason: "subscription_cycle" });
    expect(await balance(id)).toBe(-credit.total_amount - PRICE.pro);
  });

  it("monthly to yearly: the period restarts now for a year, the yearly price charged in full less the unused month", async () => {
    const id = await subscribe(h, "to-yearly@example.com", PRO_MONTHLY_ID);
    const before = await get(id);
    const { result, events } = await eventsOf(5, () => update(id, { productId: PRO_YEARLY_ID, prorationBehavior: "invoice" }));
    expect(types(events)).toEqual(["order.created", "subscription.updated", "customer.state_changed", "order.updated", "order.paid"]);
    expectParsable(events);
    const order = events[0]?.data as { created_at: string; total_amount: number; items: Array<{ label: string; amount: number }> };
    const at = new Date(order.created_at);
    const yearLater = new Date(at);
    yearLater.setUTCFullYear(at.getUTCFullYear() + 1);
    expect(result).toMatchObject({ productId: PRO_YEARLY_ID, recurringInterval: "year", amount: PRICE.proYearly });
    expect(result.currentPeriodStart).toEqual(at);
    expect(result.currentPeriodEnd).toEqual(yearLater);
    const credit = byHand(PRICE.pro, before.currentPeriodStart, before.currentPeriodEnd, at);
    expect(order.items).toEqual([
      expect.objectContaining({ amount: -credit }),
      expect.objectContaining({ label: `Pro Yearly — From ${day(at)} to ${day(yearLater)}`, amount: PRICE.proYearly }),
    ]);
  });

  it("prorate across intervals is invoiced now, as Polar promotes it (update_product: is_immediate() or interval_changed)", async () => {
    const id = await subscribe(h, "prorate-yearly@example.com", PRO_MONTHLY_ID);
    const { events } = await eventsOf(5, () => update(id, { productId: BUSINESS_YEARLY_ID, prorationBehavior: "prorate" }));
    expect(types(events)[0]).toBe("order.created");
    expect(events[0]?.data).toMatchObject({ billing_reason: "subscription_update", product_id: BUSINESS_YEARLY_ID });
  });

  it("the current product again: Polar does not refuse it; the two lines cancel out in a $0 order", async () => {
    const id = await subscribe(h, "same-product@example.com", PRO_MONTHLY_ID);
    const { events } = await eventsOf(5, () => update(id, { productId: PRO_MONTHLY_ID }));
    expect(types(events)).toEqual(["order.created", "order.updated", "order.paid", "subscription.updated", "customer.state_changed"]);
    const order = events[0]?.data as { total_amount: number; items: Array<{ amount: number }> };
    expect(order.total_amount).toBe(0);
    expect(order.items.map((i) => i.amount)).toEqual([-PRICE.pro, PRICE.pro]);
  });
});

describe("prorate: the change now, the difference on the next renewal", () => {
  it("no order now; the renewal order carries the two proration lines and the new price", async () => {
    const id = await subscribe(h, "prorate@example.com", PRO_MONTHLY_ID);
    const before = await get(id);
    const { result, events } = await eventsOf(4, () => update(id, { productId: BUSINESS_MONTHLY_ID, prorationBehavior: "prorate" }));
    expect(types(events)).toEqual(["subscription.updated", "benefit_grant.revoked", "benefit_grant.created", "customer.state_changed"]);
    expectParsable(events);
    expect(result).toMatchObject({ productId: BUSINESS_MONTHLY_ID, amount: PRICE.business, currentPeriodEnd: before.currentPeriodEnd });
    expect((await h.polar.orders.list({ subscriptionId: id })).result.items).toHaveLength(1);

    const renewal = await eventsOf(8, () => admin(h.emulator.url, `/admin/subscriptions/${id}/renew`, {}));
    expect(types(renewal.events)).toEqual(CYCLE_PAID);
    expectParsable(renewal.events);
    const order = renewal.events[2]?.data as { total_amount: number; billing_reason: string; items: Array<{ label: string; amount: number; proration: boolean }> };
    expect(order.billing_reason).toBe("subscription_cycle");
    // Business Monthly's metered price adds its line: no report yet, within the credits, $0.
    const [unused, rest, price, metered] = order.items;
    expect(metered).toMatchObject({ proration: false, label: "Reports — (0 consumed units) × $0.05", amount: 0 });
    expect(unused).toMatchObject({ proration: true, label: expect.stringMatching(/^Remaining time on Pro Monthly — /) });
    expect(rest).toMatchObject({ proration: true, label: expect.stringMatching(/^Business Monthly — /) });
    expect(price).toMatchObject({ proration: false, label: "Business Monthly", amount: PRICE.business });
    expect(order.total_amount).toBe((unused?.amount ?? 0) + (rest?.amount ?? 0) + PRICE.business);
    // Billed once: the next renewal is the price alone.
    const next = await eventsOf(6, () => admin(h.emulator.url, `/admin/subscriptions/${id}/renew`, {}));
    expect(next.events[2]?.data).toMatchObject({ total_amount: PRICE.business });
  });

  it("a later change invoiced now bills the lines a prorate change left pending (every pending line goes on the order)", async () => {
    const id = await subscribe(h, "prorate-then-invoice@example.com", PRO_MONTHLY_ID);
    await update(id, { productId: BUSINESS_MONTHLY_ID, prorationBehavior: "prorate" });
    const { events } = await eventsOf(5, () => update(id, { productId: BUSINESS_YEARLY_ID, prorationBehavior: "invoice" }));
    const order = events[0]?.data as { total_amount: number; items: Array<{ label: string; amount: number }> };
    expect(order.items.map((i) => i.label.split(" — ")[0])).toEqual(["Remaining time on Pro Monthly", "Business Monthly", "Remaining time on Business Monthly", "Business Yearly"]);
    expect(order.total_amount).toBe(order.items.reduce((sum, i) => sum + i.amount, 0));
    const renewal = await eventsOf(6, () => admin(h.emulator.url, `/admin/subscriptions/${id}/renew`, {}));
    expect(renewal.events[2]?.data).toMatchObject({ total_amount: 49000 });
  });
});

describe("next_period: a pending update, applied at the renewal", () => {
  it("nothing changes now but pending_update; a second one replaces it; the renewal switches the product and bills its price", async () => {
    const id = await subscribe(h, "next-period@example.com", PRO_MONTHLY_ID);
    const before = await get(id);
    const { result, events } = await eventsOf(2, () => update(id, { productId: BUSINESS_YEARLY_ID, prorationBehavior: "next_period" }));
    // Nothing changes now, the benefits included.
    expect(types(events)).toEqual(["subscription.updated", "customer.state_changed"]);
    expectParsable(events);
    expect(result).toMatchObject({ productId: PRO_MONTHLY_ID, amount: PRICE.pro, currentPeriodEnd: before.currentPeriodEnd });
    expect(result.pendingUpdate).toMatchObject({ appliesAt: before.currentPeriodEnd, productId: BUSINESS_YEARLY_ID, seats: null, modifiedAt: null });
    expect(events[0]?.data).toMatchObject({ pending_update: { product_id: BUSINESS_YEARLY_ID, applies_at: before.currentPeriodEnd.toISOString() } });
    expect(events[1]?.data).toMatchObject({ active_subscriptions: [{ id, product_id: PRO_MONTHLY_ID }] });

    const replaced = await update(id, { productId: BUSINESS_MONTHLY_ID, prorationBehavior: "next_period" });
    expect(replaced.pendingUpdate).toMatchObject({ id: result.pendingUpdate?.id, productId: BUSINESS_MONTHLY_ID });
    expect(replaced.pendingUpdate?.modifiedAt).toBeInstanceOf(Date);

    const renewal = await eventsOf(10, () => admin(h.emulator.url, `/admin/subscriptions/${id}/renew`, {}));
    // The switch's grants job (Pro's credits out, Business's in), then the paid order's cycle job.
    expect(types(renewal.events)).toEqual([
      "subscription.cycled",
      "subscription.updated",
      "order.created",
      "order.updated",
      "order.paid",
      "benefit_grant.revoked",
      "benefit_grant.created",
      "benefit_grant.cycled",
      "benefit_grant.cycled",
      "customer.state_changed",
    ]);
    expectParsable(renewal.events);
    expect(renewal.events[9]?.data).toMatchObject({ active_meters: [{ credited_units: 1000, consumed_units: 0 }] });
    expect(renewal.events[0]?.data).toMatchObject({ product_id: BUSINESS_MONTHLY_ID, amount: PRICE.business, pending_update: null, current_period_start: before.currentPeriodEnd.toISOString() });
    expect(renewal.events[2]?.data).toMatchObject({ product_id: BUSINESS_MONTHLY_ID, total_amount: PRICE.business, billing_reason: "subscription_cycle" });
    expect(await get(id)).toMatchObject({ productId: BUSINESS_MONTHLY_ID, pendingUpdate: null });
  });

  it("to another interval: the new period runs one year from the old period's end", async () => {
    const id = await subscribe(h, "next-period-yearly@example.com", PRO_MONTHLY_ID);
    const before = await get(id);
    await update(id, { productId: PRO_YEARLY_ID, prorationBehavior: "next_period" });
    const renewal = await eventsOf(6, () => admin(h.emulator.url, `/admin/subscriptions/${id}/renew`, {}));
    const yearLater = new Date(before.currentPeriodEnd);
    yearLater.setUTCFullYear(yearLater.getUTCFullYear() + 1);
    expect(renewal.events[1]?.data).toMatchObject({
      product_id: PRO_YEARLY_ID,
      recurring_interval: "year",
      current_period_start: before.currentPeriodEnd.toISOString(),
      current_period_end: yearLater.toISOString(),
    });
    expect(renewal.events[2]?.data).toMatchObject({ total_amount: PRICE.proYearly });
  });

  it("{pending_update: null} clears it (updated, state), a second clear is Polar's 422; a change applied now discards a pending one", async () => {
    const id = await subscribe(h, "clear-pending@example.com", PRO_MONTHLY_ID);
    await update(id, { productId: BUSINESS_MONTHLY_ID, prorationBehavior: "next_period" });
    const { result, events } = await eventsOf(2, () => update(id, { pendingUpdate: null }));
    expect(types(events)).toEqual(["subscription.updated", "customer.state_changed"]);
    expect(result.pendingUpdate).toBeNull();
    const again = await refused(id, { pendingUpdate: null });
    expect(again).toBeInstanceOf(HTTPValidationError);
    expect((again as HTTPValidationError).detail).toEqual([
      expect.objectContaining({ loc: ["body", "pending_update"], msg: "This subscription has no pending update to clear." }),
    ]);

    await update(id, { productId: BUSINESS_MONTHLY_ID, prorationBehavior: "next_period" });
    const now = await update(id, { productId: PRO_YEARLY_ID, prorationBehavior: "invoice" });
    expect(now).toMatchObject({ productId: PRO_YEARLY_ID, pendingUpdate: null });
  });
});

describe("a trialing subscription (update_product: no proration, the trial recomputed)", () => {
  it("to a product without a trial: the trial ends now and the subscription renews at once on the new price", async () => {
    const id = await subscribe(h, "trial-upgrade@example.com", PRO_TRIAL_ID);
    expect((await get(id)).status).toBe("trialing");
    const { result, events } = await eventsOf(10, () => update(id, { productId: BUSINESS_MONTHLY_ID, prorationBehavior: "invoice" }));
    expect(types(events)).toEqual([
      "subscription.cycled",
      "subscription.updated",
      "order.created",
      "order.updated",
      "order.paid",
      "benefit_grant.revoked",
      "benefit_grant.created",
      "benefit_grant.cycled",
      "benefit_grant.cycled",
      "customer.state_changed",
    ]);
    expectParsable(events);
    expect(result).toMatchObject({ status: "active", productId: BUSINESS_MONTHLY_ID, amount: PRICE.business });
    expect(result.trialEnd?.getTime()).toBe(result.currentPeriodStart.getTime());
    expect(events[2]?.data).toMatchObject({ billing_reason: "subscription_cycle", total_amount: PRICE.business, product_id: BUSINESS_MONTHLY_ID });
  });

  it("to a product with its own trial: the trial runs from its start by the new product's length; nothing is billed", async () => {
    const created = await admin(h.emulator.url, "/admin/products", { name: "Business Trial", priceAmount: 4900, recurringInterval: "month", trialInterval: "day", trialIntervalCount: 30 });
    const businessTrial = ((await created.json()) as { id: string }).id;
    const id = await subscribe(h, "trial-switch@example.com", PRO_TRIAL_ID);
    const before = await get(id);
    const { result, events } = await eventsOf(4, () => update(id, { productId: businessTrial }));
    // The new product grants nothing: Pro Trial's two grants are revoked (outdated grants).
    expect(types(events)).toEqual(["subscription.updated", "benefit_grant.revoked", "benefit_grant.revoked", "customer.state_changed"]);
    const trialEnd = new Date(before.trialStart!.getTime() + 30 * DAY);
    expect(result).toMatchObject({ status: "trialing", productId: businessTrial, trialEnd, currentPeriodEnd: trialEnd });
    expect((await h.polar.orders.list({ subscriptionId: id })).result.items).toHaveLength(1); // the trial's $0 order only
  });
});

describe("refusals, as Polar answers them", () => {
  let id: string;
  beforeAll(async () => {
    id = await subscribe(h, "refusals@example.com", PRO_MONTHLY_ID);
  });

  const validation = async (change: SubscriptionUpdate) => {
    const error = await refused(id, change);
    expect(error).toBeInstanceOf(HTTPValidationError);
    return (error as HTTPValidationError).detail;
  };

  it("a product that does not exist, is archived, is one-time, or is priced in another currency: 422 on product_id", async () => {
    const unknown = "00000000-0000-4000-8000-000000000000";
    expect(await validation({ productId: unknown })).toEqual([{ type: "value_error", loc: ["body", "product_id"], msg: "Product does not exist.", input: unknown }]);
    const archived = ((await (await admin(h.emulator.url, "/admin/products", { name: "Old Plan", priceAmount: 900, recurringInterval: "month", isArchived: true })).json()) as { id: string }).id;
    expect(await validation({ productId: archived })).toEqual([expect.objectContaining({ loc: ["body", "product_id"], msg: "Product is archived." })]);
    expect(await validation({ productId: PRO_ID })).toEqual([expect.objectContaining({ msg: "Product is not recurring." })]);
    const euro = ((await (await admin(h.emulator.url, "/admin/products", { name: "Pro Euro", priceAmount: 1199, priceCurrency: "eur", recurringInterval: "month" })).json()) as { id: string }).id;
    expect(await validation({ productId: euro })).toEqual([expect.objectContaining({ msg: "This product doesn't have a price for the subscription currency." })]);
  });

  it("the preview-only `reset` behavior is not enabled for the organization: 422", async () => {
    expect(await validation({ productId: BUSINESS_MONTHLY_ID, prorationBehavior: "reset" })).toEqual([
      expect.objectContaining({ loc: ["body", "proration_behavior"], msg: "The 'reset' proration behavior is not enabled for this organization." }),
    ]);
  });

  it("one kind of change per call: a body mixing two is a 422 naming the extra field", async () => {
    const res = await fetch(`${h.emulator.url}/v1/subscriptions/${id}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ product_id: BUSINESS_MONTHLY_ID, cancel_at_period_end: true }),
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({ detail: [{ type: "extra_forbidden", loc: ["body", "product_id"], msg: "Extra inputs are not permitted", input: BUSINESS_MONTHLY_ID }] });
  });

  it("an unknown subscription is Polar's 404", async () => {
    expect(await refusedFor("00000000-0000-4000-8000-000000000000")).toBeInstanceOf(ResourceNotFound);
  });

  it("a subscription canceling at period end, or revoked: 403 AlreadyCanceledSubscription, nothing changes", async () => {
    const canceling = await subscribe(h, "refusal-canceling@example.com", PRO_MONTHLY_ID);
    await update(canceling, { cancelAtPeriodEnd: true });
    const error = await refusedFor(canceling, { productId: BUSINESS_MONTHLY_ID });
    expect(error).toBeInstanceOf(AlreadyCanceledSubscription);
    expect((error as AlreadyCanceledSubscription).detail).toBe("This subscription is already canceled or will be at the end of the period.");
    expect((error as AlreadyCanceledSubscription).statusCode).toBe(403);
    expect((await get(canceling)).productId).toBe(PRO_MONTHLY_ID);
    await admin(h.emulator.url, `/admin/subscriptions/${canceling}/uncancel`, {});
    await fetch(`${h.emulator.url}/v1/subscriptions/${canceling}`, { method: "DELETE", headers: { authorization: `Bearer ${TOKEN}` } });
    expect(await refusedFor(canceling, { productId: BUSINESS_MONTHLY_ID })).toBeInstanceOf(AlreadyCanceledSubscription);
  });
});

async function refusedFor(subscriptionId: string, change: SubscriptionUpdate = { productId: BUSINESS_MONTHLY_ID }): Promise<unknown> {
  const result = await subscriptionsUpdate(core, { id: subscriptionId, subscriptionUpdate: change });
  if (result.ok) throw new Error("expected a refusal");
  return result.error;
}

describe("a declined charge (the emulator's decline switch)", () => {
  it("an upgrade invoiced now is refused with 402 PaymentFailed and nothing changes: no order, no event", async () => {
    const id = await subscribe(h, "declined-upgrade@example.com", PRO_MONTHLY_ID);
    const before = await get(id);
    const customer = before.customerId;
    const switched = await admin(h.emulator.url, `/admin/customers/${customer}/decline-next-charge`, {});
    expect(await switched.json()).toMatchObject({ id: customer, declineNextCharge: true });

    await settled(h);
    const from = h.receiver.received.length;
    const error = await refused(id, { productId: BUSINESS_MONTHLY_ID, prorationBehavior: "invoice" });
    expect(error).toBeInstanceOf(PaymentFailed);
    expect((error as PaymentFailed).statusCode).toBe(402);
    expect((error as PaymentFailed).detail).toBe("Payment failed with reason: card_error.");
    await new Promise((r) => setTimeout(r, 150));
    expect(h.receiver.received.length).toBe(from);
    expect(await get(id)).toEqual(before);
    expect((await h.polar.orders.list({ subscriptionId: id })).result.items).toHaveLength(1);

    // The switch declined one charge; the next attempt goes through.
    expect(await (await admin(h.emulator.url, `/admin/customers/${customer}`)).json()).toMatchObject({ declineNextCharge: false });
    expect((await update(id, { productId: BUSINESS_MONTHLY_ID })).productId).toBe(BUSINESS_MONTHLY_ID);
  });

  it("a change with nothing to charge (a downgrade's credit) is not declined, and leaves the switch on", async () => {
    const id = await subscribe(h, "declined-downgrade@example.com", BUSINESS_MONTHLY_ID);
    const customer = await customerId(id);
    await admin(h.emulator.url, `/admin/customers/${customer}/decline-next-charge`, { decline: true });
    expect((await update(id, { productId: PRO_MONTHLY_ID })).productId).toBe(PRO_MONTHLY_ID);
    expect(await (await admin(h.emulator.url, `/admin/customers/${customer}`)).json()).toMatchObject({ declineNextCharge: true });
    await admin(h.emulator.url, `/admin/customers/${customer}/decline-next-charge`, { decline: false });
  });

  it("a renewal with the switch on is declined: past_due, as a failing card", async () => {
    const id = await subscribe(h, "declined-renewal@example.com", PRO_MONTHLY_ID);
    await admin(h.emulator.url, `/admin/customers/${await customerId(id)}/decline-next-charge`, {});
    const { events } = await eventsOf(8, () => admin(h.emulator.url, `/admin/subscriptions/${id}/renew`, {}));
    expect(types(events)).toEqual([
      "subscription.cycled",
      "subscription.updated",
      "order.created",
      "subscription.updated",
      "subscription.past_due",
      "benefit_grant.revoked",
      "benefit_grant.revoked",
      "customer.state_changed",
    ]);
    expect((await get(id)).status).toBe("past_due");
  });
});
