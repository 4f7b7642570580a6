import { describe, expect, it } from "vitest";
import { refundable, settle } from "../src/balance";
import { periodAfterChange, productChangeLines, prorated } from "../src/proration";
import type { ProductRecord } from "../src/store";

/**
 * The arithmetic of a plan change, against numbers worked out by hand: Polar's per-second
 * proration (server/polar/subscription/update.py, and the worked example of
 * docs/features/subscriptions/proration.mdx) and its balance rules (server/polar/order/amounts.py).
 */

const DAY = 86_400_000;
const at = (iso: string) => new Date(iso);

function product(id: string, name: string, priceAmount: number, recurringInterval: ProductRecord["recurringInterval"]): ProductRecord {
  return {
    id,
    priceId: `${id.slice(0, 8)}-0000-4000-8000-000000000001`,
    name,
    description: null,
    priceAmount,
    seatTiers: null,
    priceCurrency: "usd",
    recurringInterval,
    trialInterval: null,
    trialIntervalCount: null,
    metadata: {},
    visibility: "public",
    isArchived: false,
    benefitIds: [],
    meteredPrices: [],
    createdAt: "2026-01-01T00:00:00.000Z",
    modifiedAt: null,
  };
}

const basic = product("11111111-1111-4111-8111-111111111111", "Basic", 500, "month");
const premium = product("22222222-2222-4222-8222-222222222222", "Premium", 2000, "month");
const premiumYearly = product("33333333-3333-4333-8333-333333333333", "Premium Yearly", 20000, "year");

// A 30-day period: 2,592,000 seconds, as in Polar's docs.
const april = { start: at("2026-04-01T00:00:00.000Z"), end: at("2026-05-01T00:00:00.000Z") };
const dayTwo = at("2026-04-02T00:00:00.000Z"); // 86,400 s in, 2,505,600 s left

describe("proration (Polar's per-second rule)", () => {
  it("Polar's documented upgrade: $5 -> $20 a day into a 30-day month credits $4.83, charges $19.33, difference $14.50", () => {
    // 500 * 2505600 / 2592000 = 483.33 -> 483; 2000 * 2505600 / 2592000 = 1933.33 -> 1933.
    const lines = productChangeLines({ from: basic, paidAmount: 500, to: premium, current: april, next: april, at: dayTwo });
    expect(lines).toEqual([
      { label: "Remaining time on Basic — From Apr 2, 2026 to May 1, 2026", amount: -483, proration: true, productPriceId: basic.priceId },
      { label: "Premium — From Apr 2, 2026 to May 1, 2026", amount: 1933, proration: true, productPriceId: premium.priceId },
    ]);
    expect(lines.reduce((sum, l) => sum + l.amount, 0)).toBe(1450);
  });

  it("the documented downgrade is the same difference, negative: a credit of $14.50", () => {
    const lines = productChangeLines({ from: premium, paidAmount: 2000, to: basic, current: april, next: april, at: dayTwo });
    expect(lines.map((l) => l.amount)).toEqual([-1933, 483]);
  });

  it("rounds each line half to even, as Python's round() on a Decimal", () => {
    const period = { start: at("2026-04-01T00:00:00.000Z"), end: at("2026-04-01T00:00:00.004Z") };
    const half = at("2026-04-01T00:00:00.002Z");
    expect(prorated(1, period, half)).toBe(0); // 0.5 -> 0
    expect(prorated(3, period, half)).toBe(2); // 1.5 -> 2
    expect(prorated(5, period, half)).toBe(2); // 2.5 -> 2
    expect(prorated(3, period, at("2026-04-01T00:00:00.001Z"))).toBe(2); // 2.25 -> 2
    expect(prorated(3, period, at("2026-04-01T00:00:00.003Z"))).toBe(1); // 0.75 -> 1
  });

  it("is nothing once the period is over, the whole price at its start", () => {
    expect(prorated(1299, april, april.end)).toBe(0);
    expect(prorated(1299, april, at("2026-05-02T00:00:00.000Z"))).toBe(0);
    expect(prorated(1299, april, april.start)).toBe(1299);
    // A period that starts later (a renewal brought forward in the emulator) is whole, never more.
    expect(prorated(1299, april, at("2026-03-20T00:00:00.000Z"))).toBe(1299);
  });

  it("a change of interval starts a new period now, anchored on today: the new price is charged in full", () => {
    const next = periodAfterChange(april, "year", "month", dayTwo);
    expect(next).toEqual({ start: dayTwo, end: at("2027-04-02T00:00:00.000Z") });
    expect(periodAfterChange(april, "month", "month", dayTwo)).toBe(april);
    const lines = productChangeLines({ from: premium, paidAmount: 2000, to: premiumYearly, current: april, next, at: dayTwo });
    expect(lines.map((l) => [l.label, l.amount])).toEqual([
      ["Remaining time on Premium — From Apr 2, 2026 to May 1, 2026", -1933],
      ["Premium Yearly — From Apr 2, 2026 to Apr 2, 2027", 20000],
    ]);
  });

  it("a free price has no line", () => {
    const free = product("44444444-4444-4444-8444-444444444444", "Free", 0, "month");
    expect(productChangeLines({ from: free, paidAmount: 0, to: premium, current: april, next: april, at: dayTwo }).map((l) => l.amount)).toEqual([1933]);
  });

  it("uses the real length of the period: February's share differs from March's", () => {
    const february = { start: at("2026-02-01T00:00:00.000Z"), end: at("2026-03-01T00:00:00.000Z") };
    const march = { start: at("2026-03-01T00:00:00.000Z"), end: at("2026-04-01T00:00:00.000Z") };
    // 14 days left of 28, and of 31: 1299 * 14/28 = 649.5 -> 650 (half to even); 1299 * 14/31 = 586.6 -> 587.
    expect(prorated(1299, february, new Date(february.end.getTime() - 14 * DAY))).toBe(650);
    expect(prorated(1299, march, new Date(march.end.getTime() - 14 * DAY))).toBe(587);
  });
});

describe("the customer's balance (Polar's billing wallet)", () => {
  it("a charge with no credit is charged in full", () => {
    expect(settle(1450, 0, "usd")).toEqual({ applied: 0, charge: 1450, balanceAfter: 0 });
  });

  it("a credit order adds to the balance and charges nothing", () => {
    expect(settle(-1450, 0, "usd")).toEqual({ applied: 0, charge: 0, balanceAfter: 1450 });
  });

  it("the next charge uses the credit first", () => {
    expect(settle(1299, 1450, "usd")).toEqual({ applied: -1299, charge: 0, balanceAfter: 151 });
    expect(settle(1299, 151, "usd")).toEqual({ applied: -151, charge: 1148, balanceAfter: 0 });
  });

  it("under the minimum charge (50 cents in USD) nothing is charged: the amount is owed, and added to the next charge", () => {
    expect(settle(49, 0, "usd")).toEqual({ applied: 0, charge: 0, balanceAfter: -49 });
    expect(settle(1299, -49, "usd")).toEqual({ applied: 49, charge: 1348, balanceAfter: 0 });
  });

  it("what a refund can give back is what the card paid", () => {
    expect(refundable({ amount: 1299, appliedBalanceAmount: -151, refundedAmount: 0 })).toBe(1148);
    expect(refundable({ amount: -1450, appliedBalanceAmount: 0, refundedAmount: 0 })).toBe(0);
  });
});
