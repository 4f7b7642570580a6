import { describe, expect, it } from "vitest";
import { subscriptionsDisagreeing, type HeldSubscription, type StateSubscription } from "@/lib/billing/facts";
import { subscriptionStanding, type AccessPolicy, type SubscriptionState } from "@/lib/billing/rules";

const DAY = 86_400_000;
const now = new Date(Date.UTC(2026, 10, 27, 12));
const at = (days: number) => new Date(now.getTime() + days * DAY);
const noGrace: AccessPolicy = { graceMs: 0, environment: "production" };
const grace3: AccessPolicy = { graceMs: 3 * DAY, environment: "production" };
const s = (x: Partial<SubscriptionState>): SubscriptionState => ({
  status: "active",
  cancelAtPeriodEnd: false,
  currentPeriodStart: at(-10),
  currentPeriodEnd: at(20),
  endedAt: null,
  ...x,
});

describe("subscriptionStanding", () => {
  it("active: renews at the period end", () => {
    expect(subscriptionStanding([s({})], now, noGrace)).toEqual({ kind: "renews", on: at(20) });
  });

  it("trialing: the trial ends at the period end (Polar's trial_end); canceled during the trial, it ends then", () => {
    expect(subscriptionStanding([s({ status: "trialing" })], now, noGrace)).toEqual({ kind: "trial-ends", on: at(20) });
    expect(subscriptionStanding([s({ status: "trialing", cancelAtPeriodEnd: true })], now, noGrace)).toEqual({ kind: "ends", on: at(20) });
  });

  it("canceled at period end, or canceled and not ended: ends at the period end", () => {
    expect(subscriptionStanding([s({ cancelAtPeriodEnd: true })], now, noGrace)).toEqual({ kind: "ends", on: at(20) });
    expect(subscriptionStanding([s({ status: "canceled" })], now, noGrace)).toEqual({ kind: "ends", on: at(20) });
  });

  it("past_due: in grace until the period start + grace; without grace or past it, payment failed", () => {
    expect(subscriptionStanding([s({ status: "past_due", currentPeriodStart: at(-1) })], now, grace3)).toEqual({ kind: "grace", until: at(2) });
    expect(subscriptionStanding([s({ status: "past_due", currentPeriodStart: at(-4) })], now, grace3)).toEqual({ kind: "payment-failed" });
    expect(subscriptionStanding([s({ status: "past_due" })], now, noGrace)).toEqual({ kind: "payment-failed" });
  });

  it("set to pause: pauses at the period end; paused: says when it resumes, if it does by itself", () => {
    expect(subscriptionStanding([s({ pauseAtPeriodEnd: true })], now, noGrace)).toEqual({ kind: "pauses", on: at(20) });
    expect(subscriptionStanding([s({ status: "paused", resumesAt: at(30) })], now, noGrace)).toEqual({ kind: "paused", resumesOn: at(30) });
    expect(subscriptionStanding([s({ status: "paused" })], now, noGrace)).toEqual({ kind: "paused", resumesOn: null });
  });

  it("revoked, or nothing: null; the latest granting subscription wins", () => {
    expect(subscriptionStanding([s({ status: "canceled", endedAt: at(-1) })], now, noGrace)).toBeNull();
    expect(subscriptionStanding([], now, noGrace)).toBeNull();
    expect(subscriptionStanding([s({ currentPeriodEnd: at(5) }), s({ currentPeriodEnd: at(40), cancelAtPeriodEnd: true })], now, noGrace)).toEqual({ kind: "ends", on: at(40) });
  });
});

describe("subscriptionsDisagreeing (customer.state_changed against ours)", () => {
  const theirs = (x: Partial<StateSubscription>): StateSubscription => ({
    id: "sub_1",
    productId: "prod_pro_monthly",
    modifiedAt: at(-1),
    status: "active",
    currentPeriodEnd: at(20),
    cancelAtPeriodEnd: false,
    ...x,
  });
  const ours = (x: Partial<HeldSubscription>): HeldSubscription => ({
    polarSubscriptionId: "sub_1",
    productId: "prod_pro_monthly",
    polarModifiedAt: at(-1),
    status: "active",
    currentPeriodEnd: at(20),
    cancelAtPeriodEnd: false,
    ...x,
  });

  it("the same: none", () => {
    expect(subscriptionsDisagreeing([theirs({})], [ours({})])).toEqual([]);
  });

  it("another period end, status or cancel flag; one we do not hold: that one", () => {
    expect(subscriptionsDisagreeing([theirs({ currentPeriodEnd: at(50) })], [ours({})])).toEqual(["sub_1"]);
    expect(subscriptionsDisagreeing([theirs({ cancelAtPeriodEnd: true })], [ours({})])).toEqual(["sub_1"]);
    expect(subscriptionsDisagreeing([theirs({ status: "trialing" })], [ours({})])).toEqual(["sub_1"]);
    expect(subscriptionsDisagreeing([theirs({ id: "sub_2" })], [ours({})])).toEqual(["sub_2", "sub_1"]);
  });

  it("another product (a switch whose events were lost), or a change newer than ours (a scheduled switch or pause the state does not show): that one", () => {
    expect(subscriptionsDisagreeing([theirs({ productId: "prod_business_monthly" })], [ours({})])).toEqual(["sub_1"]);
    expect(subscriptionsDisagreeing([theirs({ modifiedAt: at(0) })], [ours({})])).toEqual(["sub_1"]);
    // Ours newer than the state (Polar caches it): not a disagreement.
    expect(subscriptionsDisagreeing([theirs({ modifiedAt: at(-2) })], [ours({})])).toEqual([]);
  });

  it("ours active but not listed: that one; ours past_due or revoked not listed: as expected", () => {
    expect(subscriptionsDisagreeing([], [ours({})])).toEqual(["sub_1"]);
    expect(subscriptionsDisagreeing([], [ours({ status: "past_due" }), ours({ polarSubscriptionId: "sub_3", status: "canceled" })])).toEqual([]);
  });

  it("the reconciler's own rule for unlisted ones: a past_due one it holds is one to look at", () => {
    const pastDue = ours({ status: "past_due" });
    expect(subscriptionsDisagreeing([], [pastDue], (s) => s.status === "past_due")).toEqual(["sub_1"]);
    expect(subscriptionsDisagreeing([theirs({})], [ours({})], () => true)).toEqual([]);
  });
});
