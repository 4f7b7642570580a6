import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { reconcileCandidates } from "@/lib/billing/reconcile";
import { planAt, RENEWAL_LEEWAY_MS } from "@/lib/billing/rules";
import { Payment } from "@/models/Payment";
import { Product } from "@/models/Product";
import { Subscription } from "@/models/Subscription";
import { User } from "@/models/User";
import { WebhookEvent } from "@/models/WebhookEvent";
import { clearCollections, setupTestDatabase } from "../helpers/db";
import {
  checkoutWire,
  customerStateWire,
  event,
  orderWire,
  proMonthlyProduct,
  proProduct,
  subscriptionWire,
  type ProductSpec,
  type SubscriptionSpec,
} from "../../scripts/lib/polar-payloads";
import { post } from "../helpers/webhooks";

/**
 * The subscription's life after the purchase, each event as Polar sends it, applied through the
 * route's path onto the real database: renewal, failed renewal within the grace period,
 * recovery, partial and full refunds, uncancel, subscription.cycled (which the SDK 0.47 cannot
 * parse) and customer.state_changed. Time is checked with explicit clocks (planAt), never sleeps.
 */

setupTestDatabase(import.meta.url);

const DAY = 86_400_000;
const bob = { id: "cus_bob", email: "bob@example.com" };
const user = () => User.findOne({ email: "bob@example.com" }).lean();
const now = Date.now();
/** Strictly increasing modified_at, like Polar's. */
let clock = 0;
const next = () => new Date(Date.UTC(2026, 10, 26, 10, 0, ++clock));
const sub = (s: Partial<SubscriptionSpec>): SubscriptionSpec => ({ id: "sub_1", product: proMonthlyProduct, customer: bob, status: "active", modifiedAt: next(), ...s });

beforeEach(clearCollections);
afterEach(() => {
  delete process.env.BILLING_GRACE_DAYS;
});

describe("renewal", () => {
  it("cycled -> updated -> order.created (pending) -> updated -> paid: a second payment keyed by the order, the period moved on, Pro past the old end", async () => {
    const oldEnd = new Date(now + DAY);
    const first = sub({ currentPeriodStart: new Date(now - 29 * DAY), currentPeriodEnd: oldEnd, checkoutId: "co_1" });
    await post(event("subscription.created", subscriptionWire(first)));
    await post(event("order.paid", orderWire({ id: "or_1", checkoutId: "co_1", product: proMonthlyProduct, customer: bob, subscriptionId: "sub_1" })));
    await post(event("subscription.active", subscriptionWire({ ...first, modifiedAt: next() })));
    expect(await user()).toMatchObject({ subscriptionStatus: "pro", planUntil: new Date(oldEnd.getTime() + RENEWAL_LEEWAY_MS) });

    const newEnd = new Date(oldEnd.getTime() + 30 * DAY);
    const renewed = (at: Date) => sub({ currentPeriodStart: oldEnd, currentPeriodEnd: newEnd, checkoutId: "co_1", modifiedAt: at });
    const renewal = { id: "or_2", checkoutId: null, product: proMonthlyProduct, customer: bob, subscriptionId: "sub_1", billingReason: "subscription_cycle" as const };
    const cycledAt = next();
    await post(event("subscription.cycled", subscriptionWire(renewed(cycledAt))), "wh_cycled");
    await post(event("subscription.updated", subscriptionWire(renewed(cycledAt))));
    await post(event("order.created", orderWire({ ...renewal, status: "pending", modifiedAt: next() })));
    expect((await Payment.findOne({ checkoutId: "order:or_2" }).lean())?.status).toBe("pending");
    await post(event("order.updated", orderWire({ ...renewal, modifiedAt: next() })));
    await post(event("order.paid", orderWire({ ...renewal, modifiedAt: next() })));

    // subscription.cycled was applied, not skipped, although the SDK's validateEvent refuses it.
    expect((await WebhookEvent.findOne({ _id: "wh_cycled" }).lean())?.status).toBe("processed");
    expect(await Payment.findOne({ checkoutId: "order:or_2" }).lean()).toMatchObject({ status: "completed", metadata: { order_id: "or_2" }, amount: 1299 });
    const u = await user();
    expect(u?.payments).toHaveLength(2);
    expect(await Subscription.findOne({ polarSubscriptionId: "sub_1" }).lean()).toMatchObject({ currentPeriodStart: oldEnd, currentPeriodEnd: newEnd });
    expect(u).toMatchObject({ subscriptionStatus: "pro", planUntil: new Date(newEnd.getTime() + RENEWAL_LEEWAY_MS) });
    // Past the old period's end (and its leeway), the plan still holds.
    expect(planAt({ plan: "pro", until: u?.planUntil }, new Date(oldEnd.getTime() + RENEWAL_LEEWAY_MS + 1))).toBe("pro");
  });

  it("subscription.cycled alone applies the moved period (its other events lost)", async () => {
    const end = new Date(now + 40 * DAY);
    await post(event("subscription.cycled", subscriptionWire(sub({ currentPeriodStart: new Date(now - DAY), currentPeriodEnd: end }))), "wh_cycled_alone");
    expect(await Subscription.findOne({ polarSubscriptionId: "sub_1" }).lean()).toMatchObject({ status: "active", currentPeriodEnd: end });
    expect((await user())?.subscriptionStatus).toBe("pro");
  });

  it("a subscription.cycled whose data is not a subscription is stored and skipped with the parser's message", async () => {
    const res = await post(event("subscription.cycled", { id: "sub_x" }), "wh_cycled_bad");
    expect(res.status).toBe(200);
    const stored = await WebhookEvent.findOne({ _id: "wh_cycled_bad" }).lean();
    expect(stored?.status).toBe("skipped");
    expect(await Subscription.countDocuments()).toBe(0);
  });
});

describe("failed renewal, grace and recovery", () => {
  it("past_due keeps Pro until the period start + BILLING_GRACE_DAYS, then Free", async () => {
    process.env.BILLING_GRACE_DAYS = "3";
    const periodStart = new Date(now - 2 * DAY);
    await post(event("subscription.active", subscriptionWire(sub({ currentPeriodStart: new Date(now - 32 * DAY), currentPeriodEnd: periodStart }))));
    await post(event("subscription.cycled", subscriptionWire(sub({ currentPeriodStart: periodStart, currentPeriodEnd: new Date(now + 28 * DAY) }))));
    await post(event("order.created", orderWire({ id: "or_due", checkoutId: null, product: proMonthlyProduct, customer: bob, subscriptionId: "sub_1", billingReason: "subscription_cycle", status: "pending" })));
    const pastDue = sub({ status: "past_due", currentPeriodStart: periodStart, currentPeriodEnd: new Date(now + 28 * DAY) });
    await post(event("subscription.updated", subscriptionWire(pastDue)));
    await post(event("subscription.past_due", subscriptionWire({ ...pastDue, modifiedAt: next() })));

    const graceEnd = new Date(periodStart.getTime() + 3 * DAY);
    const u = await user();
    expect(u).toMatchObject({ subscriptionStatus: "pro", planUntil: graceEnd });
    expect((await Payment.findOne({ checkoutId: "order:or_due" }).lean())?.status).toBe("pending");
    // The clock, not a sleep: one millisecond before the grace ends Pro, at its end Free.
    expect(planAt({ plan: u?.subscriptionStatus ?? "free", until: u?.planUntil }, new Date(graceEnd.getTime() - 1))).toBe("pro");
    expect(planAt({ plan: u?.subscriptionStatus ?? "free", until: u?.planUntil }, graceEnd)).toBe("free");

    // The same past_due with its grace over (the period started 4 days ago): Free now.
    await post(event("subscription.updated", subscriptionWire(sub({ status: "past_due", currentPeriodStart: new Date(now - 4 * DAY), currentPeriodEnd: new Date(now + 26 * DAY) }))));
    expect(await user()).toMatchObject({ subscriptionStatus: "free", planUntil: null });
  });

  it("without a grace period (Polar's default) past_due ends Pro at once", async () => {
    await post(event("subscription.past_due", subscriptionWire(sub({ status: "past_due", currentPeriodStart: new Date(now - DAY) }))));
    expect((await user())?.subscriptionStatus).toBe("free");
  });

  it("the end of dunning: Polar revokes a past_due subscription in grace, and Pro ends at once", async () => {
    process.env.BILLING_GRACE_DAYS = "30";
    const periodStart = new Date(now - 21 * DAY);
    const end = new Date(now + 9 * DAY);
    await post(event("order.created", orderWire({ id: "or_dun", checkoutId: null, product: proMonthlyProduct, customer: bob, subscriptionId: "sub_1", billingReason: "subscription_cycle", status: "pending" })));
    await post(event("subscription.past_due", subscriptionWire(sub({ status: "past_due", currentPeriodStart: periodStart, currentPeriodEnd: end }))));
    expect((await user())?.subscriptionStatus).toBe("pro"); // 21 days into a 30-day grace
    // Polar's fourth retry declined (21 days after the first failure): revoked, in this order.
    const revoked = sub({ status: "canceled", currentPeriodStart: periodStart, currentPeriodEnd: end, endedAt: new Date(now) });
    await post(event("subscription.updated", subscriptionWire(revoked)));
    await post(event("subscription.revoked", subscriptionWire({ ...revoked, modifiedAt: next() })));
    expect(await user()).toMatchObject({ subscriptionStatus: "free", planUntil: null });
    expect((await Payment.findOne({ checkoutId: "order:or_dun" }).lean())?.status).toBe("pending");
  });

  it("recovery: the retried payment completes the renewal order and the subscription is active again", async () => {
    const end = new Date(now + 29 * DAY);
    const renewal = { id: "or_rec", checkoutId: null, product: proMonthlyProduct, customer: bob, subscriptionId: "sub_1", billingReason: "subscription_cycle" as const };
    await post(event("order.created", orderWire({ ...renewal, status: "pending" })));
    await post(event("subscription.past_due", subscriptionWire(sub({ status: "past_due", currentPeriodStart: new Date(now - DAY), currentPeriodEnd: end }))));
    expect((await user())?.subscriptionStatus).toBe("free");
    await post(event("order.updated", orderWire({ ...renewal, modifiedAt: next() })));
    await post(event("order.paid", orderWire({ ...renewal, modifiedAt: next() })));
    await post(event("subscription.updated", subscriptionWire(sub({ status: "active", currentPeriodStart: new Date(now - DAY), currentPeriodEnd: end }))));
    await post(event("subscription.active", subscriptionWire(sub({ status: "active", currentPeriodStart: new Date(now - DAY), currentPeriodEnd: end }))));
    expect(await user()).toMatchObject({ subscriptionStatus: "pro", planUntil: new Date(end.getTime() + RENEWAL_LEEWAY_MS) });
    expect((await Payment.findOne({ checkoutId: "order:or_rec" }).lean())?.status).toBe("completed");
  });
});

describe("refunds", () => {
  const order = { id: "or_p", checkoutId: "co_p", product: proProduct, customer: bob };

  it("a partial refund keeps Pro and records the refunded amount; the full refund takes Pro away", async () => {
    await post(event("order.paid", orderWire(order)));
    expect((await user())?.subscriptionStatus).toBe("pro");
    // Polar: refund.created (not mapped), order.updated and order.refunded, both partially_refunded.
    await post(event("order.updated", orderWire({ ...order, status: "partially_refunded", refundedAmount: 300, modifiedAt: next() })));
    await post(event("order.refunded", orderWire({ ...order, status: "partially_refunded", refundedAmount: 300, modifiedAt: next() })));
    expect(await Payment.findOne({ checkoutId: "co_p" }).lean()).toMatchObject({ status: "completed", refundedAmount: 300 });
    expect((await user())?.subscriptionStatus).toBe("pro");

    await post(event("order.updated", orderWire({ ...order, status: "refunded", modifiedAt: next() })));
    await post(event("order.refunded", orderWire({ ...order, status: "refunded", modifiedAt: next() })));
    // A late partial event changes nothing: the amount only grows, the status only moves forward.
    await post(event("order.refunded", orderWire({ ...order, status: "partially_refunded", refundedAmount: 300 })));
    expect(await Payment.findOne({ checkoutId: "co_p" }).lean()).toMatchObject({ status: "refunded", refundedAmount: 999 });
    expect((await user())?.subscriptionStatus).toBe("free");
  });

  it("a partial refund of a renewal order keeps the subscription's Pro", async () => {
    await post(event("subscription.active", subscriptionWire(sub({}))));
    const renewal = { id: "or_rp", checkoutId: null, product: proMonthlyProduct, customer: bob, subscriptionId: "sub_1", billingReason: "subscription_cycle" as const };
    await post(event("order.paid", orderWire(renewal)));
    await post(event("order.refunded", orderWire({ ...renewal, status: "partially_refunded", refundedAmount: 649, modifiedAt: next() })));
    expect(await Payment.findOne({ checkoutId: "order:or_rp" }).lean()).toMatchObject({ status: "completed", refundedAmount: 649 });
    expect((await user())?.subscriptionStatus).toBe("pro");
  });
});

describe("uncancel and trials", () => {
  it("uncanceled: access continues past the old cancel date", async () => {
    const end = new Date(now + DAY);
    await post(event("subscription.active", subscriptionWire(sub({ currentPeriodEnd: end }))));
    await post(event("subscription.canceled", subscriptionWire(sub({ cancelAtPeriodEnd: true, currentPeriodEnd: end }))));
    expect(await user()).toMatchObject({ subscriptionStatus: "pro", planUntil: end });
    expect(planAt({ plan: "pro", until: end }, end)).toBe("free");
    const resumed = sub({ cancelAtPeriodEnd: false, currentPeriodEnd: end });
    await post(event("subscription.updated", subscriptionWire(resumed)));
    await post(event("subscription.uncanceled", subscriptionWire({ ...resumed, modifiedAt: next() })));
    const u = await user();
    expect(u).toMatchObject({ subscriptionStatus: "pro", planUntil: new Date(end.getTime() + RENEWAL_LEEWAY_MS) });
    expect(planAt({ plan: "pro", until: u?.planUntil }, new Date(end.getTime() + 1))).toBe("pro");
  });

  it("trialing grants Pro until the trial's period end", async () => {
    const end = new Date(now + 7 * DAY);
    await post(event("subscription.created", subscriptionWire(sub({ status: "trialing", currentPeriodEnd: end }))));
    expect(await user()).toMatchObject({ subscriptionStatus: "pro", planUntil: new Date(end.getTime() + RENEWAL_LEEWAY_MS) });
  });

  it("a trial from its checkout to its first paid period, in Polar's order: a $0 payment, 'Trial ends on', then a paid renewal and 'Renews on'", async () => {
    const { accountSubscription } = await import("@/lib/account/payments");
    const subscriptionStandingOf = async (email: string) => (await accountSubscription(email)).standing;
    const { listPlanOffers } = await import("@/lib/plans/catalogue");
    const trialProduct: ProductSpec = { ...proMonthlyProduct, id: "4d3b2a19-8c7e-4f60-9a5b-3c2d1e0f9a8b", name: "Pro Trial", trial: { interval: "day", count: 14 } };
    const start = new Date(now - DAY);
    const trialEnd = new Date(start.getTime() + 14 * DAY);
    const checkout = { id: "9b1f4c2e-0000-4000-8000-00000000c0de", product: trialProduct, email: bob.email, customerId: bob.id, trialEnd };
    await post(event("checkout.created", checkoutWire(checkout)));
    await post(event("checkout.updated", checkoutWire({ ...checkout, status: "confirmed", modifiedAt: next() })));
    const trialing = sub({ product: trialProduct, status: "trialing", checkoutId: checkout.id, currentPeriodStart: start, currentPeriodEnd: trialEnd, trialStart: start, trialEnd });
    for (const type of ["subscription.created", "subscription.active", "subscription.updated"]) await post(event(type, subscriptionWire(trialing)));
    const first = { id: "or_trial", checkoutId: checkout.id, product: trialProduct, customer: bob, subscriptionId: "sub_1", amount: 0 };
    for (const type of ["order.created", "order.updated", "order.paid"]) await post(event(type, orderWire({ ...first, modifiedAt: next() })));
    // The checkout's own amounts are the price: its last event must not turn the $0 into a charge.
    await post(event("checkout.updated", checkoutWire({ ...checkout, status: "succeeded", modifiedAt: next() })));

    expect(await Payment.findOne({ checkoutId: checkout.id }).lean()).toMatchObject({ status: "completed", amount: 0, plan: "none" });
    expect(await user()).toMatchObject({ subscriptionStatus: "pro", planUntil: new Date(trialEnd.getTime() + RENEWAL_LEEWAY_MS) });
    expect(await subscriptionStandingOf(bob.email)).toEqual({ kind: "trial-ends", on: trialEnd });
    expect(await Product.findOne({ polarProductId: trialProduct.id }).lean()).toMatchObject({ trialInterval: "day", trialIntervalCount: 14 });
    expect((await listPlanOffers()).find((o) => o.productId === trialProduct.id)).toMatchObject({ trial: "14 days free", price: "$12.99", interval: "month" });

    // The trial ends: Polar cycles it (no subscription.active: trialing already counted as active).
    const periodEnd = new Date(trialEnd.getTime() + 31 * DAY);
    const cycledAt = next();
    const converted = { ...trialing, status: "active" as const, currentPeriodStart: trialEnd, currentPeriodEnd: periodEnd, modifiedAt: cycledAt };
    await post(event("subscription.cycled", subscriptionWire(converted)));
    await post(event("subscription.updated", subscriptionWire(converted)));
    const renewal = { id: "or_after_trial", checkoutId: null, product: trialProduct, customer: bob, subscriptionId: "sub_1", billingReason: "subscription_cycle" as const };
    await post(event("order.created", orderWire({ ...renewal, status: "pending", modifiedAt: next() })));
    await post(event("order.paid", orderWire({ ...renewal, modifiedAt: next() })));

    expect(await Payment.findOne({ checkoutId: "order:or_after_trial" }).lean()).toMatchObject({ status: "completed", amount: 1299 });
    const u = await user();
    expect(u?.payments).toHaveLength(2);
    expect(u).toMatchObject({ subscriptionStatus: "pro", planUntil: new Date(periodEnd.getTime() + RENEWAL_LEEWAY_MS) });
    expect(await subscriptionStandingOf(bob.email)).toEqual({ kind: "renews", on: periodEnd });
  });
});

describe("customer.state_changed", () => {
  const held = () => sub({ currentPeriodStart: new Date(Date.UTC(2026, 10, 1)), currentPeriodEnd: new Date(Date.UTC(2026, 11, 1)) });

  it("agreeing with our subscriptions: nothing to reconcile", async () => {
    const s = held();
    await post(event("subscription.active", subscriptionWire(s)));
    const checked = new Date(Date.UTC(2026, 10, 27));
    await User.updateOne({ email: bob.email }, { $set: { reconciledAt: checked } });
    const res = await post(event("customer.state_changed", customerStateWire(bob, [s])), "wh_state_ok");
    expect(res.status).toBe(200);
    expect((await WebhookEvent.findOne({ _id: "wh_state_ok" }).lean())?.status).toBe("processed");
    expect(await user()).toMatchObject({ reconciledAt: checked, reconcileRequestedAt: null });
  });

  it("disagreeing (a renewal we never heard of): the user becomes the reconciler's first pick", async () => {
    const s = held();
    await post(event("subscription.active", subscriptionWire(s)));
    await User.updateOne({ email: bob.email }, { $set: { reconciledAt: new Date(Date.UTC(2026, 10, 27)) } });
    const later = { ...s, currentPeriodStart: new Date(Date.UTC(2026, 11, 1)), currentPeriodEnd: new Date(Date.UTC(2027, 0, 1)) };
    await post(event("customer.state_changed", customerStateWire(bob, [later])));
    const u = await user();
    expect(u?.reconcileRequestedAt?.getTime()).toBeGreaterThan(now - 60_000);
    expect(u?.factsChangedAt?.getTime()).toBeGreaterThan(now - 60_000);
    // A hint only: our facts are not changed by it.
    expect((await Subscription.findOne({ polarSubscriptionId: "sub_1" }).lean())?.currentPeriodEnd).toEqual(s.currentPeriodEnd);
  });

  it("the flagged user comes first in the reconciler's pick, before users checked long ago", async () => {
    const alice = { id: "cus_alice", email: "alice@example.com" };
    await post(event("subscription.active", subscriptionWire({ ...held(), id: "sub_a", customer: alice })));
    await post(event("subscription.active", subscriptionWire(held())));
    await User.updateMany({}, { $set: { reconciledAt: new Date(Date.UTC(2020, 0, 1)) } });
    await User.updateOne({ email: bob.email }, { $set: { reconciledAt: new Date(Date.UTC(2026, 10, 27)) } });
    expect((await reconcileCandidates(1, new Date())).map((u) => u.email)).toEqual(["alice@example.com"]);
    await post(event("customer.state_changed", customerStateWire(bob, [])));
    expect((await reconcileCandidates(1, new Date())).map((u) => u.email)).toEqual(["bob@example.com"]);
  });

  it("an active subscription of ours missing from the state is a disagreement too", async () => {
    await post(event("subscription.active", subscriptionWire(held())));
    await User.updateOne({ email: bob.email }, { $set: { reconciledAt: new Date(Date.UTC(2026, 10, 27)) } });
    await post(event("customer.state_changed", customerStateWire(bob, [])));
    expect((await user())?.reconcileRequestedAt).toEqual(expect.any(Date));
  });
});
