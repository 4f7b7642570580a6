import { describe, expect, it } from "vitest";
import { cachedPlanAt, derivePlan, subscriptionAccessUntil, subscriptionStanding, tierRanks, type AccessPolicy } from "@/lib/billing/rules";
import { mayTakeOver, ofEnvironment, otherEnvironments, polarEnvironment } from "@/lib/polar/environment";

// Issue 22, item 3: a fact of another Polar environment than the deployment's grants nothing.
const DAY = 86_400_000;
const now = new Date(Date.UTC(2026, 11, 2, 12));
const at = (days: number) => new Date(now.getTime() + days * DAY);
const production: AccessPolicy = { graceMs: 0, environment: "production" };
const ranks = tierRanks([{ plan: "pro", rank: 1 }]);
const activeSub = { status: "active", cancelAtPeriodEnd: false, currentPeriodStart: at(-10), currentPeriodEnd: at(20), endedAt: null, plan: "pro" };

describe("polarEnvironment", () => {
  it("is local when POLAR_API_URL points at the emulator, else POLAR_SERVER", () => {
    expect(polarEnvironment({ POLAR_API_URL: "http://127.0.0.1:7100", POLAR_SERVER: "production" })).toBe("local");
    expect(polarEnvironment({ POLAR_SERVER: "sandbox" })).toBe("sandbox");
    expect(polarEnvironment({ POLAR_API_URL: undefined, POLAR_SERVER: "production" })).toBe("production");
  });

  it("untagged counts as the deployment's own; another tag does not", () => {
    expect(ofEnvironment(null, "production")).toBe(true);
    expect(ofEnvironment(undefined, "production")).toBe(true);
    expect(ofEnvironment("production", "production")).toBe(true);
    expect(ofEnvironment("sandbox", "production")).toBe(false);
    expect(ofEnvironment("local", "sandbox")).toBe(false);
    expect(otherEnvironments("production")).toEqual(["local", "sandbox"]);
  });

  it("production takes over any user; nothing else takes over production's", () => {
    expect(mayTakeOver("production", "sandbox")).toBe(true);
    expect(mayTakeOver("production", "local")).toBe(true);
    expect(mayTakeOver("sandbox", "production")).toBe(false);
    expect(mayTakeOver("local", "production")).toBe(false);
    expect(mayTakeOver("sandbox", "local")).toBe(true);
  });
});

describe("the rules on a production deployment", () => {
  it("a sandbox payment, completed, grants nothing; the same payment of production grants Pro", () => {
    const payment = { status: "completed" as const, plan: "pro" };
    expect(derivePlan({ payments: [{ ...payment, environment: "sandbox" }], subscriptions: [] }, now, production, ranks).plan).toBe("free");
    expect(derivePlan({ payments: [{ ...payment, environment: "production" }], subscriptions: [] }, now, production, ranks).plan).toBe("pro");
    expect(derivePlan({ payments: [payment], subscriptions: [] }, now, production, ranks).plan).toBe("pro");
  });

  it("an active sandbox subscription grants nothing and is not the account's standing", () => {
    const sandbox = { ...activeSub, environment: "sandbox" };
    expect(subscriptionAccessUntil(sandbox, now, production)).toBeUndefined();
    expect(derivePlan({ payments: [], subscriptions: [sandbox] }, now, production, ranks)).toEqual({ plan: "free", rank: 0, until: null });
    expect(subscriptionStanding([sandbox], now, production)).toBeNull();
    expect(subscriptionStanding([{ ...sandbox, status: "past_due" }], now, production)).toBeNull();
    // Beside a production subscription, only that one speaks.
    const mine = { ...activeSub, environment: "production", cancelAtPeriodEnd: true, currentPeriodEnd: at(5) };
    expect(subscriptionStanding([{ ...sandbox, currentPeriodEnd: at(40) }, mine], now, production)).toEqual({ kind: "ends", on: at(5) });
    expect(derivePlan({ payments: [], subscriptions: [sandbox, mine] }, now, production, ranks)).toEqual({ plan: "pro", rank: 1, until: at(5) });
  });

  it("a plan cache another environment wrote is Free; ours (or untagged) holds until its date", () => {
    const cache = { plan: "pro", until: at(3) };
    expect(cachedPlanAt({ ...cache, environment: "sandbox" }, now, "production")).toBe("free");
    expect(cachedPlanAt({ ...cache, environment: "production" }, now, "production")).toBe("pro");
    expect(cachedPlanAt({ ...cache, environment: null }, now, "production")).toBe("pro");
    expect(cachedPlanAt({ ...cache, environment: "production" }, at(3), "production")).toBe("free");
  });
});
