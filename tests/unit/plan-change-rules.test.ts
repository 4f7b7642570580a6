import { describe, expect, it } from "vitest";
import { prorationPreview, roundHalfEven, switchDirection, type RecurringPrice } from "@/lib/plan-changes/rules";

const proMonthly: RecurringPrice = { amount: 1299, currency: "USD", interval: "month", rank: 1 };
const proYearly: RecurringPrice = { amount: 12990, currency: "USD", interval: "year", rank: 1 };
const businessMonthly: RecurringPrice = { amount: 4900, currency: "USD", interval: "month", rank: 2 };
const businessYearly: RecurringPrice = { amount: 49000, currency: "USD", interval: "year", rank: 2 };

describe("switchDirection", () => {
  it("a higher price at the same interval is an upgrade; the reverse a downgrade", () => {
    expect(switchDirection(proMonthly, businessMonthly)).toBe("upgrade");
    expect(switchDirection(businessMonthly, proMonthly)).toBe("downgrade");
  });

  it("a longer interval is an upgrade (paid now), a shorter one a downgrade, whatever the tier", () => {
    expect(switchDirection(proMonthly, proYearly)).toBe("upgrade");
    expect(switchDirection(businessMonthly, proYearly)).toBe("upgrade");
    expect(switchDirection(proYearly, businessMonthly)).toBe("downgrade");
    expect(switchDirection(businessYearly, businessMonthly)).toBe("downgrade");
  });

  it("the same price and interval: the higher tier is the upgrade", () => {
    expect(switchDirection(proMonthly, { ...proMonthly, rank: 2 })).toBe("upgrade");
    expect(switchDirection({ ...proMonthly, rank: 2 }, proMonthly)).toBe("downgrade");
  });
});

describe("roundHalfEven (Python's round, as Polar's server rounds)", () => {
  it("halves go to the even neighbour; the rest to the nearest", () => {
    expect([0.5, 1.5, 2.5, 3.5, 2.4999, 2.5001, 7].map(roundHalfEven)).toEqual([0, 2, 2, 4, 2, 3, 7]);
  });
});

describe("prorationPreview (Polar's per-second rule)", () => {
  const start = new Date("2026-12-01T00:00:00Z");
  const end = new Date("2026-12-31T00:00:00Z"); // 30 days
  const period = { periodStart: start, periodEnd: end };

  it("a third of the period left: a third of the new price less a third of the old", () => {
    const now = new Date("2026-12-21T00:00:00Z");
    // 4900 / 3 = 1633.33 -> 1633; 1299 / 3 = 433 exactly.
    expect(prorationPreview({ amount: 1299, interval: "month", ...period }, { amount: 4900, interval: "month" }, now)).toEqual({
      credit: 433,
      debit: 1633,
      total: 1200,
      periodRestarts: false,
    });
  });

  it("counts to the second: one second less left is a smaller charge", () => {
    const at = new Date("2026-12-16T00:00:00Z");
    const a = prorationPreview({ amount: 1299, interval: "month", ...period }, { amount: 4900, interval: "month" }, at);
    const b = prorationPreview({ amount: 1299, interval: "month", ...period }, { amount: 4900, interval: "month" }, new Date(at.getTime() + 3600_000));
    expect(a.total).toBe(2450 - 650); // half of each: 2450 and 649.5 -> 650 (half to even)
    expect(b.total).toBeLessThan(a.total);
  });

  it("an interval change restarts the period: the whole new price, less the unused old part", () => {
    const now = new Date("2026-12-16T00:00:00Z");
    expect(prorationPreview({ amount: 1299, interval: "month", ...period }, { amount: 12990, interval: "year" }, now)).toEqual({
      credit: 650,
      debit: 12990,
      total: 12340,
      periodRestarts: true,
    });
  });

  it("a downgrade's difference is negative (a credit); past the period end nothing is left to prorate", () => {
    const now = new Date("2026-12-16T00:00:00Z");
    expect(prorationPreview({ amount: 4900, interval: "month", ...period }, { amount: 1299, interval: "month" }, now).total).toBe(650 - 2450);
    expect(prorationPreview({ amount: 4900, interval: "month", ...period }, { amount: 1299, interval: "month" }, new Date("2027-01-02T00:00:00Z")).total).toBe(0);
  });
});
