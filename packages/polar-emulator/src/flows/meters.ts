import { latestReset, pendingUsage, rolloverAtReset } from "../meter-balance";
import { meteredCharge } from "../meter-billing";
import { isSummable, meterSelects } from "../meter-filter";
import { isoNow, newId, type CustomerRecord, type OrderItemRecord, type ProductRecord, type SubscriptionRecord } from "../store";
import type { CustomerMeterRecord, EventMetadata, EventRecord, MeterRecord } from "../usage-records";
import type { FlowContext } from "./emit";

/**
 * What changes a customer's meters: Polar's own `system` events (`meter.credited` when a credit
 * benefit is granted, cycled or revoked, `meter.reset` when a period ends), the customer meter
 * records that Polar's state lists, a subscription's meters (one per metered price) and the
 * metered line its renewal order bills. Balances themselves are read from the events
 * (meter-balance.ts).
 */

/** The system events the emulator records (Polar records many more: subscription.*, order.*, ...). */
export type SystemEventName = "meter.credited" | "meter.reset" | "benefit.granted" | "benefit.cycled" | "benefit.revoked";

export class Meters {
  constructor(private readonly fx: FlowContext) {}

  private meter(id: string): MeterRecord | undefined {
    return this.fx.store.meters.get(id);
  }

  /** One of Polar's events, recorded for the customer (by id only, as `build_system_event` does). */
  systemEvent(name: SystemEventName, customer: CustomerRecord, metadata: EventMetadata): EventRecord {
    const at = isoNow();
    const event: EventRecord = { id: newId(), name, source: "system", timestamp: at, ingestedAt: at, customerId: customer.id, externalCustomerId: null, externalId: null, metadata };
    this.fx.store.addEvent(event);
    return event;
  }

  /**
   * The customer's meter record, created on first use: Polar creates it when the customer's
   * events are first balanced, or when a credit is granted (`activate_meter`).
   */
  customerMeter(customerId: string, meterId: string): CustomerMeterRecord {
    for (const cm of this.fx.store.customerMeters.values()) if (cm.customerId === customerId && cm.meterId === meterId) return cm;
    const cm: CustomerMeterRecord = { id: newId(), customerId, meterId, createdAt: isoNow(), modifiedAt: null };
    this.fx.store.customerMeters.set(cm.id, cm);
    return cm;
  }

  private touched(customerId: string, meterId: string): void {
    this.customerMeter(customerId, meterId).modifiedAt = isoNow();
  }

  /** A `meter.credited` event (negative units take a revoked grant's back). */
  credit(customer: CustomerRecord, meterId: string, units: number, rollover: boolean): void {
    this.systemEvent("meter.credited", customer, { meter_id: meterId, units, rollover });
    this.touched(customer.id, meterId);
  }

  /**
   * Polar's `reset_meter`: a `meter.reset` event starts a new window, then what rolls over is
   * credited again, marked `rollover`.
   */
  reset(customer: CustomerRecord, meterId: string): void {
    const meter = this.meter(meterId);
    const rollover = meter ? rolloverAtReset(this.fx.store, customer, meter) : 0;
    this.systemEvent("meter.reset", customer, { meter_id: meterId });
    if (rollover > 0) this.systemEvent("meter.credited", customer, { meter_id: meterId, units: rollover, rollover: true });
    this.touched(customer.id, meterId);
  }

  /** When the meter was last reset for the customer (the credit strategy's cycle checks it). */
  lastResetAt(customerId: string, meterId: string): string | null {
    return latestReset(this.fx.store, customerId, meterId)?.ingestedAt ?? null;
  }

  /** Polar's `reset_meters`: the subscription's metered meters, at creation, renewal and resume. */
  resetSubscriptionMeters(sub: SubscriptionRecord): void {
    const customer = this.fx.store.customers.get(sub.customerId);
    if (!customer) return;
    for (const sm of sub.meters) this.reset(customer, sm.meterId);
  }

  /**
   * The customers whose meters new `user` events move: each gets its meter records (Polar's
   * `update_customer` after ingestion). Events for an external id no customer has yet count
   * later, once one has it, but move nothing now.
   */
  recordUsage(events: readonly EventRecord[]): Set<string> {
    const moved = new Map<string, { customerId: string; meterId: string }>();
    for (const e of events) {
      const customer = e.customerId ? this.fx.store.customers.get(e.customerId) : e.externalCustomerId !== null ? this.fx.store.customerByExternalId(e.externalCustomerId) : undefined;
      if (!customer) continue;
      for (const meter of this.fx.store.meters.values()) {
        if (meter.archivedAt === null && meterSelects(meter, e)) moved.set(`${customer.id} ${meter.id}`, { customerId: customer.id, meterId: meter.id });
      }
    }
    for (const { customerId, meterId } of moved.values()) this.touched(customerId, meterId);
    return new Set([...moved.values()].map((m) => m.customerId));
  }

  /**
   * Polar's `Subscription.update_meters` after a product change: a meter the new product still
   * prices keeps its record, a new one starts now, the others go. The unbilled usage follows a
   * kept meter only when Polar would still bill it: its entries are billed at the price they
   * were recorded under, so for a count or sum meter a new price drops them (billing_entry/
   * service.py skips "inactive" prices); max, min, avg and unique bill them at the new price.
   */
  syncSubscriptionMeters(sub: SubscriptionRecord, product: ProductRecord): void {
    const now = isoNow();
    sub.meters = product.meteredPrices.map((price) => {
      const kept = sub.meters.find((sm) => sm.meterId === price.meterId);
      if (!kept) return { id: newId(), meterId: price.meterId, priceId: price.id, createdAt: now, billedUntil: now };
      const meter = this.meter(price.meterId);
      const drops = kept.priceId !== price.id && meter !== undefined && isSummable(meter.aggregation);
      return { ...kept, priceId: price.id, billedUntil: drops ? now : kept.billedUntil };
    });
  }

  /**
   * The metered lines of a renewal order, for usage up to `cutoff` (Polar's
   * `compute_pending_metered_line_items`): per metered price of the current product with
   * anything pending, the units above the period's credits at the unit price, capped; the
   * label is "<meter> — (<n> consumed units) × <unit price>". Billed usage is marked so; usage
   * during a trial is never billed (Polar skips events before `trial_end`).
   */
  meteredLines(sub: SubscriptionRecord, product: ProductRecord, cutoff: string, wasTrialing: boolean): OrderItemRecord[] {
    const customer = this.fx.store.customers.get(sub.customerId);
    const lines: OrderItemRecord[] = [];
    for (const sm of sub.meters) {
      const meter = this.meter(sm.meterId);
      const price = product.meteredPrices.find((m) => m.meterId === sm.meterId);
      if (customer && meter && price && !wasTrialing) {
        const usage = pendingUsage(this.fx.store, customer, meter, sm.billedUntil, cutoff);
        if (usage.any) {
          const { amount, label } = meteredCharge({ ...price, currency: sub.currency }, usage.consumed, usage.credited);
          lines.push({ id: newId(), label: `${meter.name} — ${label}`, amount, proration: false, productPriceId: price.id });
        }
      }
      sm.billedUntil = cutoff;
    }
    return lines;
  }
}
