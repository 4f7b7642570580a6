import { describe, expect, it } from "vitest";
import { allowanceOf, flushBackoffMs, type GrantFacts } from "@/lib/usage/rules";

const flag: GrantFacts = { benefitType: "feature_flag", feature: "reports", meterId: null, granted: true };
const credits: GrantFacts = { benefitType: "meter_credit", feature: "reports", meterId: "m1", granted: true };
const meter = (consumedUnits: number, creditedUnits = 100) => ({ meterId: "m1", consumedUnits, creditedUnits });
const none = new Set<string>();

describe("allowanceOf: what a customer may use, from Polar's benefits and meters", () => {
  it("nothing without a granted feature flag (Free, or a revoked grant)", () => {
    expect(allowanceOf({ feature: "reports", grants: [], meters: [], pending: 0, overageMeters: none })).toEqual({ kind: "not-entitled" });
    expect(allowanceOf({ feature: "reports", grants: [{ ...flag, granted: false }, credits], meters: [meter(0)], pending: 0, overageMeters: none }).kind).toBe("not-entitled");
  });

  it("unlimited when no credit benefit limits the feature", () => {
    expect(allowanceOf({ feature: "reports", grants: [flag], meters: [], pending: 0, overageMeters: none })).toEqual({ kind: "unlimited" });
  });

  it("the credits left, counting the events Polar does not show yet, and refused at none", () => {
    expect(allowanceOf({ feature: "reports", grants: [flag, credits], meters: [meter(97)], pending: 2, overageMeters: none })).toMatchObject({
      credited: 100,
      used: 99,
      remaining: 1,
      allowed: true,
    });
    expect(allowanceOf({ feature: "reports", grants: [flag, credits], meters: [meter(97)], pending: 3, overageMeters: none })).toMatchObject({ remaining: 0, allowed: false });
    // No meter yet: the credits are not known to be granted, nothing is allowed.
    expect(allowanceOf({ feature: "reports", grants: [flag, credits], meters: [], pending: 0, overageMeters: none })).toMatchObject({ credited: 0, allowed: false });
  });

  it("a credit grant whose meter is not known yet limits, and credits nothing (never unlimited)", () => {
    expect(allowanceOf({ feature: "reports", grants: [flag, { ...credits, meterId: null }], meters: [meter(0)], pending: 0, overageMeters: none })).toMatchObject({
      kind: "metered",
      credited: 0,
      allowed: false,
    });
  });

  it("past the credits with a metered price: allowed, the overage counted", () => {
    expect(allowanceOf({ feature: "reports", grants: [flag, credits], meters: [meter(1_030, 1_000)], pending: 0, overageMeters: new Set(["m1"]) })).toMatchObject({
      remaining: 0,
      overage: true,
      overageUnits: 30,
      allowed: true,
    });
  });
});

describe("flushBackoffMs", () => {
  it("doubles from 2 s and stops at 10 minutes", () => {
    expect([1, 2, 3, 10, 30].map(flushBackoffMs)).toEqual([2_000, 4_000, 8_000, 600_000, 600_000]);
  });
});
