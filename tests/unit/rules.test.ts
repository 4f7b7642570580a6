import { describe, expect, it } from "vitest";
import { derivePlan, paymentStatusCanChangePlan, paymentStatusesBelow, planAt, planLabel, RENEWAL_LEEWAY_MS, subscriptionAccessUntil, subscriptionStatusRank, tierRanks, type AccessPolicy } from "@/lib/billing/rules";
import { PAYMENT_STATUSES } from "@/models/Payment";

const now = new Date("2026-11-26T12:00:00Z");
const later = new Date("2026-12-26T12:00:00Z");
const earlier = new Date("2026-10-26T12:00:00Z");
const noGrace: AccessPolicy = { graceMs: 0, environment: "production" };
const week: AccessPolicy = { graceMs: 7 * 86_400_000, environment: "production" };
const ranks = tierRanks([{ plan: "pro", rank: 1 }, { plan: "business", rank: 2 }]);
const grants = (sub: Parameters<typeof subscriptionAccessUntil>[0], policy = noGrace) => subscriptionAccessUntil(sub, now, policy) !== undefined;

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
      const plan = (status: typeof from) => derivePlan({ payments: [{ status, plan: "pro" }], subscriptions: [] }, now, noGrace, ranks).plan;
      expect(plan(next)).toBe(plan(from));
    }
  });
});

describe("subscriptionAccessUntil", () => {
  const base = { cancelAtPeriodEnd: false, currentPeriodStart: earlier, currentPeriodEnd: later, endedAt: null };
  it.each([
    ["active", true],
    ["trialing", true],
    ["incomplete", false],
    ["unpaid", false],
  ])("%s grants: %s", (status, expected) => {
    expect(grants({ ...base, status })).toBe(expected);
  });

  it("an active subscription holds to its period end plus the renewal leeway, then stops unless a renewal arrives", () => {
    expect(subscriptionAccessUntil({ ...base, status: "active" }, now, noGrace)).toEqual(new Date(later.getTime() + RENEWAL_LEEWAY_MS));
    const lapsed = { ...base, status: "active", currentPeriodEnd: new Date(now.getTime() - RENEWAL_LEEWAY_MS - 1) };
    expect(grants(lapsed)).toBe(false);
  });

  it("past_due keeps access for the grace period from the period start, none without grace (Polar's default)", () => {
    const pastDue = { ...base, status: "past_due", currentPeriodStart: new Date(now.getTime() - 86_400_000) };
    expect(grants(pastDue, noGrace)).toBe(false);
    expect(subscriptionAccessUntil(pastDue, now, week)).toEqual(new Date(now.getTime() + 6 * 86_400_000));
    expect(grants({ ...pastDue, currentPeriodStart: new Date(now.getTime() - 8 * 86_400_000) }, week)).toBe(false);
  });

  it("a canceled (at period end) subscription keeps access until the period ends, with no leeway", () => {
    expect(subscriptionAccessUntil({ ...base, status: "active", cancelAtPeriodEnd: true }, now, noGrace)).toEqual(later);
    expect(subscriptionAccessUntil({ ...base, status: "canceled" }, now, noGrace)).toEqual(later);
    expect(grants({ ...base, status: "canceled", currentPeriodEnd: earlier })).toBe(false);
  });

  it("a revoked subscription (ended) never grants", () => {
    expect(grants({ ...base, status: "canceled", endedAt: now })).toBe(false);
    expect(grants({ ...base, status: "active", endedAt: earlier })).toBe(false);
  });

  it("ranks a revocation above activity for events sharing one modified_at", () => {
    expect(subscriptionStatusRank("canceled")).toBeGreaterThan(subscriptionStatusRank("active"));
    expect(subscriptionStatusRank("active")).toBeGreaterThan(subscriptionStatusRank("incomplete"));
  });
});

describe("derivePlan", () => {
  const sub = { status: "active", cancelAtPeriodEnd: true, currentPeriodStart: earlier, currentPeriodEnd: later, endedAt: null, plan: "pro" };
  const derive = (facts: Partial<Parameters<typeof derivePlan>[0]>) => {
    const { plan, until } = derivePlan({ payments: [], subscriptions: [], ...facts }, now, noGrace, ranks);
    return { plan, until };
  };

  it("is free without facts", () => {
    expect(derive({})).toEqual({ plan: "free", until: null });
  });

  it("is pro with no end for a completed one-time payment, not for pending, failed or refunded ones", () => {
    expect(derive({ payments: [{ status: "completed", plan: "pro" }] })).toEqual({ plan: "pro", until: null });
    for (const status of ["pending", "failed", "expired", "refunded"] as const) {
      expect(derive({ payments: [{ status, plan: "pro" }] }).plan).toBe("free");
    }
  });

  it("ignores payments that grant no plan", () => {
    expect(derive({ payments: [{ status: "completed", plan: null }] }).plan).toBe("free");
  });

  it("is pro until the subscription's end while it grants, free once it is revoked", () => {
    expect(derive({ subscriptions: [sub] })).toEqual({ plan: "pro", until: later });
    expect(derive({ subscriptions: [{ ...sub, status: "canceled", endedAt: now }] }).plan).toBe("free");
  });

  it("takes the latest end among the facts granting the plan; a purchase outlasts any subscription", () => {
    const longer = { ...sub, currentPeriodEnd: new Date(later.getTime() + 86_400_000) };
    expect(derive({ subscriptions: [sub, longer] }).until).toEqual(longer.currentPeriodEnd);
    expect(derive({ subscriptions: [sub], payments: [{ status: "completed", plan: "pro" }] }).until).toBeNull();
  });

  it("a product whose plan is \"free\" grants nothing beyond Free", () => {
    expect(derive({ payments: [{ status: "completed", plan: "free" }] })).toEqual({ plan: "free", until: null });
  });
});

describe("planAt: the stored plan is a cache, its end date decides", () => {
  it("holds before the end, is free from the end on, and holds for ever without an end", () => {
    expect(planAt({ plan: "pro", until: later }, now)).toBe("pro");
    expect(planAt({ plan: "pro", until: now }, now)).toBe("free");
    expect(planAt({ plan: "pro", until: null }, now)).toBe("pro");
  });
});

describe("tiers as data", () => {
  const active = { status: "active", cancelAtPeriodEnd: false, currentPeriodStart: earlier, currentPeriodEnd: later, endedAt: null };

  it("tierRanks: a plan sold by several products ranks as the highest; a product without a rank ranks 1", () => {
    expect([...tierRanks([{ plan: "pro", rank: 1 }, { plan: "pro", rank: 3 }, { plan: "team" }, { plan: null, rank: 9 }])]).toEqual([["pro", 3], ["team", 1]]);
  });

  it("derivePlan: the highest-ranked granted tier wins, whatever the order of the facts", () => {
    const business = { ...active, plan: "business" };
    const pro = { ...active, plan: "pro", currentPeriodEnd: new Date("2027-12-26T12:00:00Z") };
    for (const subscriptions of [[business, pro], [pro, business]]) {
      expect(derivePlan({ payments: [], subscriptions }, now, noGrace, ranks)).toMatchObject({ plan: "business", rank: 2 });
    }
    // A one-time Pro bought before a Business subscription ended: Pro again, for ever.
    expect(derivePlan({ payments: [{ status: "completed", plan: "pro" }], subscriptions: [{ ...business, endedAt: earlier, status: "canceled" }] }, now, noGrace, ranks)).toEqual({ plan: "pro", rank: 1, until: null });
  });

  it("derivePlan: a tier the catalogue does not rank still grants (rank 1), and Free is rank 0", () => {
    expect(derivePlan({ payments: [{ status: "completed", plan: "legacy" }], subscriptions: [] }, now, noGrace, ranks)).toEqual({ plan: "legacy", rank: 1, until: null });
    expect(derivePlan({ payments: [], subscriptions: [] }, now, noGrace, ranks)).toEqual({ plan: "free", rank: 0, until: null });
  });

  it("pause: set to pause at the period end grants to the period end only (no renewal leeway); paused grants nothing", () => {
    expect(subscriptionAccessUntil({ ...active, pauseAtPeriodEnd: true }, now, noGrace)).toEqual(later);
    expect(subscriptionAccessUntil({ ...active }, now, noGrace)).toEqual(new Date(later.getTime() + RENEWAL_LEEWAY_MS));
    expect(subscriptionAccessUntil({ ...active, status: "paused" }, now, noGrace)).toBeUndefined();
  });

  it("planLabel capitalizes the tier key", () => {
    expect(planLabel("business")).toBe("Business");
    expect(planLabel("free")).toBe("Free");
  });
});
