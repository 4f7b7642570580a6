import { aggregate, meterSelects } from "./meter-filter";
import { nonNegativeRunningSum, rolloverUnits } from "./meter-billing";
import type { CustomerRecord, Store } from "./store";
import type { EventRecord, MeterRecord } from "./usage-records";

/**
 * Balances read from the events, as Polar's customer meters compute them
 * (server/polar/customer_meter/service.py, `update_customer_meter`, `get_rollover_units`):
 *
 * - the window is every event ingested since the customer's latest `meter.reset` on the meter;
 * - consumed units: the meter's aggregation over the customer's `user` events in the window it
 *   selects, found by the customer's id or by its external id (events ingested before the
 *   customer existed count once it has that external id);
 * - credited units: the `meter.credited` system events in the window, a running sum that never
 *   goes below zero; balance = credited - consumed.
 *
 * Polar stores the result in a job a few seconds after the events; the emulator computes it
 * when asked, so it is never behind.
 */

export interface Balance {
  consumed: number;
  credited: number;
  balance: number;
}

const metaString = (e: EventRecord, key: string): unknown => e.metadata[key];

/** The customer's `user` events: by id, or by external id once the customer has one. */
export function isCustomersEvent(e: EventRecord, customer: Pick<CustomerRecord, "id" | "externalId">): boolean {
  return e.customerId === customer.id || (customer.externalId !== null && e.externalCustomerId === customer.externalId);
}

/** Polar's `get_latest_meter_reset`: the newest `meter.reset` of this customer on this meter. */
export function latestReset(store: Store, customerId: string, meterId: string): EventRecord | undefined {
  let latest: EventRecord | undefined;
  for (const e of store.events.values()) {
    if (!isMeterEvent(e, "meter.reset", customerId, meterId)) continue;
    if (!latest || e.timestamp > latest.timestamp) latest = e;
  }
  return latest;
}

const isMeterEvent = (e: EventRecord, name: "meter.credited" | "meter.reset", customerId: string, meterId: string): boolean =>
  e.source === "system" && e.name === name && e.customerId === customerId && metaString(e, "meter_id") === meterId;
const isCredit = (e: EventRecord, customerId: string, meterId: string): boolean => isMeterEvent(e, "meter.credited", customerId, meterId);

const byTimestamp = (a: EventRecord, b: EventRecord): number => a.timestamp.localeCompare(b.timestamp) || a.ingestedAt.localeCompare(b.ingestedAt);

/** The events of a window: ingested after `from` (inclusive) and, when given, before `until` (exclusive). */
function windowEvents(store: Store, from: string | undefined, until?: string): EventRecord[] {
  const out: EventRecord[] = [];
  for (const e of store.events.values()) {
    if (from !== undefined && e.ingestedAt < from) continue;
    if (until !== undefined && e.ingestedAt >= until) continue;
    out.push(e);
  }
  return out;
}

function usageAndCredits(events: EventRecord[], customer: CustomerRecord, meter: MeterRecord): { consumed: number; credits: EventRecord[] } {
  const usage = events.filter((e) => e.source === "user" && isCustomersEvent(e, customer) && meterSelects(meter, e));
  const credits = events.filter((e) => isCredit(e, customer.id, meter.id)).sort(byTimestamp);
  return { consumed: aggregate(meter.aggregation, usage), credits };
}

const creditUnits = (e: EventRecord): number => Number(e.metadata.units ?? 0);

/** The customer's balance on the meter now. */
export function customerMeterBalance(store: Store, customer: CustomerRecord, meter: MeterRecord): Balance {
  const reset = latestReset(store, customer.id, meter.id);
  const { consumed, credits } = usageAndCredits(windowEvents(store, reset?.timestamp), customer, meter);
  const credited = nonNegativeRunningSum(credits.map(creditUnits));
  return { consumed, credited, balance: credited - consumed };
}

/**
 * What carries over when the meter resets now (Polar's `get_rollover_units`): nothing unless a
 * grant with `rollover` gave credits in the window; then the unused balance, within them.
 */
export function rolloverAtReset(store: Store, customer: CustomerRecord, meter: MeterRecord): number {
  const reset = latestReset(store, customer.id, meter.id);
  const { consumed, credits } = usageAndCredits(windowEvents(store, reset?.timestamp), customer, meter);
  return rolloverUnits(
    credits.map((e) => ({ units: creditUnits(e), rollover: e.metadata.rollover === true })),
    consumed,
  );
}

/**
 * A subscription's usage not yet on an order: what its renewal bills (Polar's pending billing
 * entries, billing_entry/service.py `_get_metered_line_item`): the customer's selected `user`
 * events and the credits ingested in (`from`, `until`), and whether there is anything at all
 * (Polar makes a metered line only for a price with pending entries, credits included).
 */
export function pendingUsage(store: Store, customer: CustomerRecord, meter: MeterRecord, from: string, until?: string): Balance & { any: boolean } {
  const events = windowEvents(store, undefined, until).filter((e) => e.ingestedAt > from);
  const { consumed, credits } = usageAndCredits(events, customer, meter);
  const credited = nonNegativeRunningSum(credits.map(creditUnits));
  const any =
    consumed > 0 ||
    events.some(
      (e) =>
        (e.source === "user" && isCustomersEvent(e, customer) && meterSelects(meter, e)) ||
        isCredit(e, customer.id, meter.id) ||
        isMeterEvent(e, "meter.reset", customer.id, meter.id),
    );
  return { consumed, credited, balance: credited - consumed, any };
}
