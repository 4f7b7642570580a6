import { describe, expect, it } from "vitest";
import { formatCents, meteredCharge, nonNegativeRunningSum, polarRound, rolloverUnits, unitAmountText } from "../src/meter-billing";
import { aggregate, clauseMatches, filterMatches, meterSelects } from "../src/meter-filter";
import { meterQuantities, truncate, underLimits } from "../src/meter-quantities";
import type { EventRecord, FilterClause, MeterAggregation, MeterRecord } from "../src/usage-records";

/**
 * The pure rules of usage billing, against Polar's server: meter filters and aggregations
 * (server/polar/meter/filter.py, aggregation.py, the SQL side), credits and metered prices
 * (kit/math.py, customer_meter/service.py, models/product_price.py), quantities
 * (meter/service.py get_quantities).
 */

let n = 0;
function event(name: string, metadata: Record<string, unknown> = {}, timestamp = "2026-03-10T12:00:00.000Z"): EventRecord {
  n += 1;
  const at = new Date(Date.UTC(2026, 2, 10, 12, 0, 0, n)).toISOString();
  return { id: `e${n}`, name, source: "user", timestamp, ingestedAt: at, customerId: null, externalCustomerId: "a@example.com", externalId: null, metadata };
}

const clause = (property: string, operator: FilterClause["operator"], value: FilterClause["value"]): FilterClause => ({ property, operator, value });

function meter(aggregation: MeterAggregation, clauses: FilterClause[] = [clause("name", "eq", "report.generated")]): MeterRecord {
  return { id: "m", name: "Reports", filter: { conjunction: "and", clauses }, aggregation, metadata: {}, createdAt: "2026-01-01T00:00:00.000Z", modifiedAt: null, archivedAt: null };
}

describe("meter filters (Polar's SQL clause)", () => {
  const report = event("report.generated", { pages: 12, kind: "pdf", draft: false, tier: "5", nested: { size: 3 } });

  it("name, source and timestamp are columns: a value of another type never matches", () => {
    expect(clauseMatches(clause("name", "eq", "report.generated"), report)).toBe(true);
    expect(clauseMatches(clause("name", "ne", "report.generated"), report)).toBe(false);
    expect(clauseMatches(clause("name", "like", "report"), report)).toBe(true);
    expect(clauseMatches(clause("name", "not_like", "export"), report)).toBe(true);
    expect(clauseMatches(clause("source", "eq", "user"), report)).toBe(true);
    expect(clauseMatches(clause("name", "eq", 5), report)).toBe(false);
    const epoch = Date.parse(report.timestamp) / 1000;
    expect(clauseMatches(clause("timestamp", "gte", epoch), report)).toBe(true);
    expect(clauseMatches(clause("timestamp", "gt", epoch), report)).toBe(false);
    expect(clauseMatches(clause("timestamp", "eq", String(epoch)), report)).toBe(false);
  });

  it("metadata: numbers compare as numbers, strings as text, booleans with booleans; `metadata.` is optional", () => {
    expect(clauseMatches(clause("pages", "gt", 10), report)).toBe(true);
    expect(clauseMatches(clause("metadata.pages", "lte", 12), report)).toBe(true);
    expect(clauseMatches(clause("pages", "eq", "12"), report)).toBe(false); // a number is never equal to text
    expect(clauseMatches(clause("tier", "eq", 5), report)).toBe(true); // text compared with the value as text
    expect(clauseMatches(clause("kind", "eq", "pdf"), report)).toBe(true);
    expect(clauseMatches(clause("draft", "eq", false), report)).toBe(true);
    expect(clauseMatches(clause("draft", "eq", "false"), report)).toBe(false);
    expect(clauseMatches(clause("nested.size", "eq", 3), report)).toBe(true);
    expect(clauseMatches(clause("pages", "like", "1"), report)).toBe(true);
  });

  it("an absent property matches nothing, `ne` and `not_like` included (NULL is not true)", () => {
    for (const op of ["eq", "ne", "like", "not_like", "gt", "lt"] as const) expect(clauseMatches(clause("missing", op, "x"), report)).toBe(false);
  });

  it("and / or, nested; an empty filter selects every event", () => {
    const other = event("export.generated", { pages: 2 });
    const either = { conjunction: "or" as const, clauses: [clause("name", "eq", "report.generated"), { conjunction: "and" as const, clauses: [clause("name", "like", "export"), clause("pages", "lt", 5)] }] };
    expect(filterMatches(either, report)).toBe(true);
    expect(filterMatches(either, other)).toBe(true);
    expect(filterMatches({ conjunction: "and", clauses: [clause("name", "eq", "report.generated"), clause("pages", "lt", 5)] }, report)).toBe(false);
    expect(filterMatches({ conjunction: "and", clauses: [] }, other)).toBe(true);
    expect(filterMatches({ conjunction: "or", clauses: [] }, other)).toBe(true);
  });
});

describe("meter aggregations", () => {
  const events = [event("report.generated", { pages: 3, user: "ann" }), event("report.generated", { pages: 5, user: "bob" }), event("report.generated", { pages: "7", user: "ann" }), event("report.generated", {})];

  it("count counts every selected event; sum, max, min and avg take only numeric values", () => {
    expect(aggregate({ func: "count" }, events)).toBe(4);
    expect(aggregate({ func: "sum", property: "pages" }, events)).toBe(8);
    expect(aggregate({ func: "max", property: "pages" }, events)).toBe(5);
    expect(aggregate({ func: "min", property: "metadata.pages" }, events)).toBe(3);
    expect(aggregate({ func: "avg", property: "pages" }, events)).toBe(4);
    expect(aggregate({ func: "unique", property: "user" }, events)).toBe(2);
    expect(aggregate({ func: "sum", property: "pages" }, [])).toBe(0);
  });

  it("a property aggregation's meter does not select events without a number there", () => {
    const sum = meter({ func: "sum", property: "pages" });
    expect(events.map((e) => meterSelects(sum, e))).toEqual([true, true, false, false]);
    expect(events.map((e) => meterSelects(meter({ func: "count" }), e))).toEqual([true, true, true, true]);
  });
});

describe("credits and metered prices", () => {
  it("credits are a running sum that never goes below zero", () => {
    expect(nonNegativeRunningSum([100, -100, 100])).toBe(100);
    expect(nonNegativeRunningSum([-100, 100])).toBe(100);
    expect(nonNegativeRunningSum([100, -250, 30])).toBe(30);
  });

  it("rollover: the unused balance, within what rollover grants gave", () => {
    expect(rolloverUnits([{ units: 100, rollover: true }], 30)).toBe(70);
    expect(rolloverUnits([{ units: 100, rollover: false }], 30)).toBe(0);
    expect(rolloverUnits([{ units: 100, rollover: false }, { units: 50, rollover: true }], 30)).toBe(50);
    expect(rolloverUnits([{ units: 100, rollover: true }], 130)).toBe(0);
  });

  it("rounds half away from zero (Polar's polar_round), not to even", () => {
    expect([0.5, 1.5, 2.5, -2.5, 2.4].map(polarRound)).toEqual([1, 2, 3, -3, 2]);
  });

  it("bills the units above the credits, with Polar's label; nothing below them", () => {
    const price = { unitAmount: "5", capAmount: 5000, currency: "usd" };
    expect(meteredCharge(price, 1030, 1000)).toEqual({ amount: 150, label: "(30 consumed units) × $0.05" });
    expect(meteredCharge(price, 800, 1000)).toEqual({ amount: 0, label: "(0 consumed units) × $0.05" });
    expect(meteredCharge({ ...price, capAmount: null }, 1_201_000, 0)).toEqual({ amount: 6_005_000, label: "(1,201,000 consumed units) × $0.05" });
  });

  it("caps the amount at cap_amount and says so", () => {
    expect(meteredCharge({ unitAmount: "5", capAmount: 5000, currency: "usd" }, 3000, 1000)).toEqual({
      amount: 5000,
      label: "(2,000 consumed units) × $0.05 — Capped at $50.00",
    });
  });

  it("a fraction of a cent per unit, exactly, rounded half away from zero", () => {
    const price = { unitAmount: "0.5", capAmount: null, currency: "usd" };
    expect(meteredCharge(price, 3, 0)).toEqual({ amount: 2, label: "(3 consumed units) × $0.005" });
    expect(meteredCharge({ ...price, unitAmount: "0.000001" }, 2_500_000, 0).amount).toBe(3);
    expect(unitAmountText("5")).toBe("5.000000000000");
    expect(unitAmountText("0.5")).toBe("0.500000000000");
    expect(formatCents(123456, "usd")).toBe("$1,234.56");
  });
});

describe("meter quantities", () => {
  it("buckets by Postgres' date_trunc (weeks start on Monday) and checks the range's length", () => {
    expect(truncate(new Date("2026-03-11T15:30:00Z"), "week").toISOString()).toBe("2026-03-09T00:00:00.000Z");
    expect(truncate(new Date("2026-03-11T15:30:00Z"), "month").toISOString()).toBe("2026-03-01T00:00:00.000Z");
    expect(truncate(new Date("2026-03-11T15:30:00Z"), "hour").toISOString()).toBe("2026-03-11T15:00:00.000Z");
    expect(underLimits(new Date("2026-01-01T00:00:00Z"), new Date("2026-01-09T00:00:00Z"), "hour")).toBe(false);
    expect(underLimits(new Date("2026-01-01T00:00:00Z"), new Date("2026-01-08T00:00:00Z"), "hour")).toBe(true);
    expect(underLimits(new Date("2026-01-02T00:00:00Z"), new Date("2026-01-01T00:00:00Z"), "day")).toBe(false);
  });

  it("per day, and a total: the sum for count, the max of the days for max", () => {
    const events = [
      event("report.generated", { pages: 2 }, "2026-03-10T01:00:00.000Z"),
      event("report.generated", { pages: 9 }, "2026-03-10T23:00:00.000Z"),
      event("report.generated", { pages: 4 }, "2026-03-12T08:00:00.000Z"),
      event("report.generated", { pages: 100 }, "2026-04-12T08:00:00.000Z"), // outside the series
      event("export.generated", { pages: 50 }, "2026-03-10T08:00:00.000Z"), // not selected
    ];
    const q = { start: new Date("2026-03-10T00:00:00Z"), end: new Date("2026-03-12T00:00:00Z"), interval: "day" as const, customerAggregation: null };
    expect(meterQuantities(meter({ func: "count" }), events, q)).toEqual({
      quantities: [
        { timestamp: "2026-03-10T00:00:00.000Z", quantity: 2 },
        { timestamp: "2026-03-11T00:00:00.000Z", quantity: 0 },
        { timestamp: "2026-03-12T00:00:00.000Z", quantity: 1 },
      ],
      total: 3,
    });
    expect(meterQuantities(meter({ func: "max", property: "pages" }), events, q).total).toBe(9);
    // avg is not computed from the days: Polar aggregates every selected event for it.
    expect(meterQuantities(meter({ func: "avg", property: "pages" }), events, q).total).toBe(115 / 4);
  });
});
