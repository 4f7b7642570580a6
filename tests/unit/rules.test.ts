import { describe, expect, it } from "vitest";
import { derivePlan, paymentStatusCanChangePlan, paymentStatusesBelow, subscriptionGrants, subscriptionStatusRank } from "@/lib/billing/rules";
import { PAYMENT_STATUSES } from "@/models/Payment";

const now = new Date("2026-11-26T12:00:00Z");
const later = new Date("2026-12-26T12:00:00Z");
const earlier = new Date("2026-10-26T12:00:00Z");

describe("payment status order", () => {
  it("only moves forward: pending < failed / expired < completed < refunded", () => {
    expect(paymentStatusesBelow("pending")).toEqual([]);
    expect(paymentStatusesBelow("failed")).toEqual(["pending"]);
    expect(paymentStatusesBelow("expired")).toEqual(["pending"]);
    expect(paymentStatusesBelow("completed").sort()).toEqual(["expired", "failed", "pending"]);
    expect(paymentStatusesBelow("refunded").sort()).toEqual(["completed", "expired", "failed", "pending"]);
  });
});

describe("paymentStatusCanChangePlan", () => {
  it("is true exactly for the statuses that enter or leave completed", () => {
    expect(PAYMENT_STATUSES.filter(paymentStatusCanChangePlan)).toEqual(["completed", "refunded"]);
  });

  // The reason the skip is safe: a status that cannot change a plan only ever replaces statuses
  // that grant nothing, whatever the plan of the product.
  it.each(PAYMENT_STATUSES.filter((s) => !paymentStatusCanChangePlan(s)))("writing %s never moves a payment out of completed", (next) => {
    for (const from of paymentStatusesBelow(next)) {
      const plan = (status: typeof from) => derivePlan({ payments: [{ status, plan: "pro" }], subscriptions: [] }, now);
      expect(plan(next)).toBe(plan(from));
    }
  });
});

describe("subscriptionGrants", () => {
  const base = { cancelAtPeriodEnd: false, currentPeriodEnd: later, endedAt: null };
  it.each([
    ["active", true],
    ["trialing", true],
    ["past_due", true],
    ["incomplete", false],
    ["unpaid", false],
  ])("%s grants: %s", (status, grants) => {
    expect(subscriptionGrants({ ...base, status }, now)).toBe(grants);
  });

  it("a canceled (at period end) subscription keeps access until the period ends", () => {
    expect(subscriptionGrants({ ...base, status: "active", cancelAtPeriodEnd: true }, now)).toBe(true);
    expect(subscriptionGrants({ ...base, status: "canceled", currentPeriodEnd: later }, now)).toBe(true);
    expect(subscriptionGrants({ ...base, status: "canceled", currentPeriodEnd: earlier }, now)).toBe(false);
  });

  it("a revoked subscription (ended) never grants", () => {
    expect(subscriptionGrants({ ...base, status: "canceled", endedAt: now }, now)).toBe(false);
    expect(subscriptionGrants({ ...base, status: "active", endedAt: earlier }, now)).toBe(false);
  });

  it("ranks a revocation above activity for events sharing one modified_at", () => {
    expect(subscriptionStatusRank("canceled")).toBeGreaterThan(subscriptionStatusRank("active"));
    expect(subscriptionStatusRank("active")).toBeGreaterThan(subscriptionStatusRank("incomplete"));
  });
});

describe("derivePlan", () => {
  it("is free without facts", () => {
    expect(derivePlan({ payments: [], subscriptions: [] }, now)).toBe("free");
  });

  it("is pro with a completed payment for a pro product, not for pending, failed or refunded ones", () => {
    expect(derivePlan({ payments: [{ status: "completed", plan: "pro" }], subscriptions: [] }, now)).toBe("pro");
    for (const status of ["pending", "failed", "expired", "refunded"] as const) {
      expect(derivePlan({ payments: [{ status, plan: "pro" }], subscriptions: [] }, now)).toBe("free");
    }
  });

  it("ignores payments for products that grant no plan", () => {
    expect(derivePlan({ payments: [{ status: "completed", plan: null }], subscriptions: [] }, now)).toBe("free");
  });

  it("is pro while a pro subscription grants, free once it is revoked", () => {
    const sub = { status: "active", cancelAtPeriodEnd: false, currentPeriodEnd: later, endedAt: null, plan: "pro" };
    expect(derivePlan({ payments: [], subscriptions: [sub] }, now)).toBe("pro");
    expect(derivePlan({ payments: [], subscriptions: [{ ...sub, status: "canceled", endedAt: now }] }, now)).toBe("free");
  });

  it("ignores plans it does not know", () => {
    expect(derivePlan({ payments: [{ status: "completed", plan: "enterprise" }], subscriptions: [] }, now)).toBe("free");
  });
});
