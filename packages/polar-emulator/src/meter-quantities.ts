import { aggregate, isSummable, meterSelects } from "./meter-filter";
import { addUnits } from "./period";
import type { EventRecord, MeterRecord } from "./usage-records";

/**
 * `GET /v1/meters/{id}/quantities` as Polar's `MeterService.get_quantities` computes it
 * (server/polar/meter/service.py, kit/time_queries.py), in UTC: a series from the start to the
 * end by the interval (each step added to the previous, as Postgres' generate_series), each
 * point's quantity the meter's aggregation over the selected events whose timestamp falls in
 * the same `date_trunc` bucket; the total adds the points up for count and sum, takes the max
 * or min of them for max and min, and for avg and unique aggregates every selected event (not
 * only the series'), as Polar's query does.
 */

export type TimeInterval = "year" | "month" | "week" | "day" | "hour";
export type AggregationFunction = "count" | "sum" | "max" | "min" | "avg" | "unique";

/** Polar's limits on a series' length in days (kit/time_queries.py MAX_INTERVAL_DAYS). */
export const MAX_INTERVAL_DAYS: Record<TimeInterval, number> = { hour: 7, day: 366, week: 7 * 53, month: 365 * 4, year: 365 * 10 };

/** Postgres' `date_trunc` in UTC; a week starts on Monday. */
export function truncate(d: Date, interval: TimeInterval): Date {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours()));
  if (interval === "hour") return t;
  t.setUTCHours(0);
  if (interval === "day") return t;
  if (interval === "week") {
    t.setUTCDate(t.getUTCDate() - ((t.getUTCDay() + 6) % 7));
    return t;
  }
  t.setUTCDate(1);
  if (interval === "month") return t;
  t.setUTCMonth(0);
  return t;
}

function step(d: Date, interval: TimeInterval): Date {
  return interval === "hour" ? new Date(d.getTime() + 3_600_000) : addUnits(d, interval, 1);
}

/** Whether the range fits the interval's limit (Polar's `is_under_limits`, on calendar days). */
export function underLimits(start: Date, end: Date, interval: TimeInterval): boolean {
  const day = (d: Date) => Math.floor(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) / 86_400_000);
  return day(start) <= day(end) && day(end) - day(start) <= MAX_INTERVAL_DAYS[interval];
}

/** The customer an event belongs to for `customer_aggregation_function`: its id, else its external id. */
const resolvedCustomer = (e: EventRecord): string => e.customerId ?? e.externalCustomerId ?? "";

function combine(fn: AggregationFunction, values: number[]): number | null {
  if (!values.length) return fn === "count" || fn === "unique" ? 0 : null;
  switch (fn) {
    case "count":
      return values.length;
    case "unique":
      return new Set(values).size;
    case "sum":
      return values.reduce((a, b) => a + b, 0);
    case "max":
      return values.reduce((a, b) => (b > a ? b : a));
    case "min":
      return values.reduce((a, b) => (b < a ? b : a));
    case "avg":
      return values.reduce((a, b) => a + b, 0) / values.length;
  }
}

export interface QuantitiesQuery {
  start: Date;
  end: Date;
  interval: TimeInterval;
  customerAggregation: AggregationFunction | null;
}

export function meterQuantities(meter: MeterRecord, events: readonly EventRecord[], q: QuantitiesQuery): { quantities: Array<{ timestamp: string; quantity: number }>; total: number } {
  const selected = events.filter((e) => meterSelects(meter, e));
  const buckets = new Map<number, EventRecord[]>();
  for (const e of selected) {
    const key = truncate(new Date(e.timestamp), q.interval).getTime();
    buckets.set(key, [...(buckets.get(key) ?? []), e]);
  }
  const bucketQuantity = (group: EventRecord[] | undefined): number | null => {
    if (!group?.length) return null;
    if (!q.customerAggregation) return aggregate(meter.aggregation, group);
    const perCustomer = new Map<string, EventRecord[]>();
    for (const e of group) perCustomer.set(resolvedCustomer(e), [...(perCustomer.get(resolvedCustomer(e)) ?? []), e]);
    return combine(q.customerAggregation, [...perCustomer.values()].map((g) => aggregate(meter.aggregation, g)));
  };
  const points: Array<{ timestamp: string; quantity: number | null }> = [];
  for (let t = q.start; t.getTime() <= q.end.getTime(); t = step(t, q.interval)) {
    points.push({ timestamp: t.toISOString(), quantity: bucketQuantity(buckets.get(truncate(t, q.interval).getTime())) });
  }
  const present = points.map((p) => p.quantity).filter((v): v is number => v !== null);
  let total: number;
  if (isSummable(meter.aggregation)) total = present.reduce((a, b) => a + b, 0);
  else if (meter.aggregation.func === "max" || meter.aggregation.func === "min") total = combine(meter.aggregation.func, present) ?? 0;
  else total = aggregate(meter.aggregation, selected);
  return { quantities: points.map((p) => ({ timestamp: p.timestamp, quantity: p.quantity ?? 0 })), total };
}
