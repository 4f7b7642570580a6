import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { admin, createCheckout, pay, sdkParse, PRO_MONTHLY_ID, startHarness, waitFor, type Harness, type Received } from "./harness";

/**
 * The subscription lifecycle after the purchase, in Polar's order and with Polar's payloads:
 * renewal, a failed renewal (past_due), its recovery, a partial refund, uncancel, and
 * customer.state_changed after each subscription change.
 */

let h: Harness;
let email: string;
let subId: string;
let firstOrderId: string;

beforeAll(async () => {
  h = await startHarness();
  email = "lifecycle@example.com";
  await pay((await createCheckout(h.polar, email, PRO_MONTHLY_ID)).url);
  const [sub] = (await h.polar.subscriptions.list({ externalCustomerId: email })).result.items;
  const [order] = (await h.polar.orders.list({ externalCustomerId: email })).result.items;
  if (!sub || !order) throw new Error("no subscription bought");
  subId = sub.id;
  firstOrderId = order.id;
  await waitFor("the purchase's events", () => h.receiver.received.some((r) => r.type === "customer.state_changed"));
});
afterAll(async () => {
  await h.stop();
});

/** Runs `act` and returns the events it emitted, once `count` of them have arrived. */
async function eventsOf(count: number, act: () => Promise<Response>): Promise<Received[]> {
  const from = h.receiver.received.length;
  const res = await act();
  expect(res.status, await res.clone().text()).toBe(200);
  await waitFor(`${count} events`, () => h.receiver.received.length >= from + count);
  await new Promise((r) => setTimeout(r, 50)); // nothing more than expected should follow
  return h.receiver.received.slice(from);
}

const types = (events: Received[]) => events.map((e) => e.type);

/** Each payload parses with the pinned SDK (harness.ts's sdkParse). */
function expectParsable(events: Received[]) {
  for (const e of events) expect(sdkParse(e).type).toBe(e.type);
}

describe("subscription lifecycle", () => {
  it("the purchase ends with customer.state_changed listing the active subscription", () => {
    const state = h.receiver.received.find((r) => r.type === "customer.state_changed");
    expect(state?.data).toMatchObject({ external_id: email, active_subscriptions: [{ id: subId, status: "active" }] });
  });

  it("renewal: cycled, updated (period moved on), order created pending, updated, paid; then the state", async () => {
    const before = (await h.polar.subscriptions.get({ id: subId })).currentPeriodEnd;
    const events = await eventsOf(8, () => admin(h.emulator.url, `/admin/subscriptions/${subId}/renew`, {}));
    // The paid renewal cycles the subscription's grants (the flag and the credits) before the state.
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
    expectParsable(events);
    const [cycled, updated, created, , paid] = events.map((e) => e.data);
    expect(cycled).toMatchObject({ id: subId, status: "active", current_period_start: before?.toISOString() });
    expect(updated?.current_period_start).toBe(before?.toISOString());
    expect(Date.parse(String(updated?.current_period_end))).toBeGreaterThan(before?.getTime() ?? Infinity);
    expect(created).toMatchObject({ status: "pending", paid: false, billing_reason: "subscription_cycle", checkout_id: null, subscription_id: subId });
    expect(paid).toMatchObject({ id: created?.id, status: "paid", paid: true });
  });

  it("failed renewal: the order stays pending, the subscription becomes past_due", async () => {
    const events = await eventsOf(8, () => admin(h.emulator.url, `/admin/subscriptions/${subId}/renew-failing`, {}));
    // past_due is not active: Polar revokes the benefits (the organization has no grace period).
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
    expectParsable(events);
    expect(events[2]?.data).toMatchObject({ status: "pending", billing_reason: "subscription_cycle" });
    expect(events[4]?.data).toMatchObject({ id: subId, status: "past_due" });
    // past_due is not active: the customer's state lists no subscription.
    expect(events[7]?.data).toMatchObject({ active_subscriptions: [], granted_benefits: [] });
    // Only a past_due subscription can be retried; renewing it again is refused.
    expect((await admin(h.emulator.url, `/admin/subscriptions/${subId}/renew`, {})).status).toBe(409);
  });

  it("recovery: the retried payment pays the renewal order, the subscription is active again", async () => {
    const unpaid = h.receiver.received.filter((r) => r.type === "order.created").at(-1)?.data.id;
    const events = await eventsOf(7, () => admin(h.emulator.url, `/admin/subscriptions/${subId}/retry`, {}));
    // Active again: the benefits are granted again (benefit_grant.created, not cycled).
    expect(types(events)).toEqual([
      "order.updated",
      "order.paid",
      "subscription.updated",
      "subscription.active",
      "benefit_grant.created",
      "benefit_grant.created",
      "customer.state_changed",
    ]);
    expectParsable(events);
    expect(events[1]?.data).toMatchObject({ id: unpaid, status: "paid" });
    expect(events[3]?.data).toMatchObject({ id: subId, status: "active" });
    expect(events[6]?.data).toMatchObject({ active_subscriptions: [{ id: subId }], granted_benefits: [{}, {}] });
  });

  it("partial refund: refund.created, order.updated and order.refunded, partially_refunded with refunded_amount", async () => {
    const events = await eventsOf(3, () => admin(h.emulator.url, `/admin/orders/${firstOrderId}/refund-part`, { amount: 300 }));
    expect(types(events)).toEqual(["refund.created", "order.updated", "order.refunded"]);
    expectParsable(events);
    expect(events[0]?.data).toMatchObject({ amount: 300, order_id: firstOrderId });
    expect(events[2]?.data).toMatchObject({ id: firstOrderId, status: "partially_refunded", refunded_amount: 300, paid: true });
    // The rest, refunded: the order is then refunded in full.
    const rest = await eventsOf(3, () => admin(h.emulator.url, `/admin/orders/${firstOrderId}/refund-part`, {}));
    expect(rest[2]?.data).toMatchObject({ status: "partially_refunded" });
    const order = await h.polar.orders.get({ id: firstOrderId });
    const last = await eventsOf(3, () => admin(h.emulator.url, `/admin/orders/${firstOrderId}/refund-part`, { amount: order.totalAmount - order.refundedAmount }));
    expect(last[2]?.data).toMatchObject({ status: "refunded", refunded_amount: order.totalAmount });
    expect((await admin(h.emulator.url, `/admin/orders/${firstOrderId}/refund-part`, {})).status).toBe(409);
  });

  it("uncancel: a subscription canceling at period end resumed sends updated + uncanceled", async () => {
    const session = await h.polar.customerSessions.create({ externalCustomerId: email });
    const token = new URL(session.customerPortalUrl).searchParams.get("customer_session_token") ?? "";
    const form = (action: string) =>
      fetch(`${h.emulator.url}/portal/subscriptions/${subId}/${action}`, { method: "POST", body: new URLSearchParams({ customer_session_token: token }), redirect: "manual" });
    const from = h.receiver.received.length;
    expect((await form("cancel")).status).toBe(303);
    await waitFor("cancel events", () => h.receiver.received.length >= from + 3);
    expect(types(h.receiver.received.slice(from))).toEqual(["subscription.updated", "subscription.canceled", "customer.state_changed"]);
    const portal = await (await fetch(session.customerPortalUrl)).text();
    expect(portal).toContain(">Resume</button>");
    expect(portal).not.toContain(">Renew now</button>");

    const at = h.receiver.received.length;
    const res = await form("uncancel");
    expect(res.headers.get("location")).toContain("notice=uncanceled");
    await waitFor("uncancel events", () => h.receiver.received.length >= at + 3);
    const events = h.receiver.received.slice(at);
    expect(types(events)).toEqual(["subscription.updated", "subscription.uncanceled", "customer.state_changed"]);
    expectParsable(events);
    expect(events[1]?.data).toMatchObject({ status: "active", cancel_at_period_end: false, canceled_at: null, ends_at: null });
  });

  it("the portal's buttons run the same flows", async () => {
    const session = await h.polar.customerSessions.create({ externalCustomerId: email });
    const token = new URL(session.customerPortalUrl).searchParams.get("customer_session_token") ?? "";
    const html = await (await fetch(session.customerPortalUrl)).text();
    for (const label of ["Renew now", "Renew with a failing card", "Refund part"]) expect(html).toContain(`>${label}</button>`);
    const post = (path: string) => fetch(`${h.emulator.url}${path}`, { method: "POST", body: new URLSearchParams({ customer_session_token: token }), redirect: "manual" });
    expect((await post(`/portal/subscriptions/${subId}/renew-failing`)).headers.get("location")).toContain("notice=renewal-failed");
    expect(await (await fetch(session.customerPortalUrl)).text()).toContain(">Retry payment</button>");
    expect((await post(`/portal/subscriptions/${subId}/retry`)).headers.get("location")).toContain("notice=recovered");
    expect((await post(`/portal/subscriptions/${subId}/renew`)).headers.get("location")).toContain("notice=renewed");
    const renewal = (await h.polar.orders.list({ externalCustomerId: email })).result.items.find((o) => o.billingReason === "subscription_cycle" && o.status === "paid");
    expect((await post(`/portal/orders/${renewal?.id}/refund-part`)).headers.get("location")).toContain("notice=partially-refunded");
    expect((await h.polar.orders.get({ id: renewal?.id ?? "" })).status).toBe("partially_refunded");
  });
});
