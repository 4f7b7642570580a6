import { settle } from "../balance";
import { validationError } from "../http";
import { ORGANIZATION_POLICY } from "../organization-policy";
import { nextPeriodEnd } from "../period";
import { changeTarget, planImmediateChange, type ProrationBehavior } from "../plan-change";
import {
  aboveMaximumSeats,
  alreadyCanceledSubscription,
  belowMinimumSeats,
  cannotPauseSubscription,
  noScheduledPause,
  notASeatBasedSubscription,
  notPausedSubscription,
  paymentFailed,
  seatsAlreadyAssigned,
} from "../polar-errors";
import type { ProrationLine } from "../proration";
import { maximumSeats, minimumSeats, periodAmount, seatChangeLine } from "../seat-pricing";
import { isoNow, newId, tick, type CustomerRecord, type Metadata, type OrderRecord, type ProductRecord, type SubscriptionRecord } from "../store";
import type { Customers } from "./customers";
import { touch, type FlowContext } from "./emit";
import { linesTotal, type Orders } from "./orders";
import type { Renewals } from "./renewals";
import type { Usage } from "./usage";

/**
 * What `PATCH /v1/subscriptions/{id}` changes on a subscription (Polar's `SubscriptionService`):
 * its product, with Polar's proration, now or at the period's end; its metadata; a scheduled
 * pause; a paused subscription's resume. Which change a body asks for is subscription-update.ts;
 * the arithmetic is plan-change.ts, proration.ts and balance.ts.
 */

export class SubscriptionChanges {
  constructor(
    private readonly fx: FlowContext,
    private readonly orders: Orders,
    private readonly customers: Customers,
    private readonly renewals: Renewals,
    private readonly usage: Usage,
  ) {}

  /**
   * `subscription.updated`, then the grants job (`enqueue_benefits_grants`, which Polar runs
   * after a product change: the new product's benefits granted, the old one's revoked; nothing
   * otherwise), then the state job's `customer.state_changed`: what Polar sends after any change.
   */
  private emitUpdated(sub: SubscriptionRecord): void {
    touch(sub);
    this.fx.emit.subscription("subscription.updated", sub);
    this.usage.benefits.syncSubscription(sub);
    this.fx.emit.customerState(sub.customerId);
    this.fx.changed();
  }

  /**
   * An update that changes nothing Polar emits for on its own (`{}`, or only `metadata`): Polar
   * still leaves its update context with changes, so `subscription.updated` and
   * `customer.state_changed` go out.
   */
  updateMetadata(sub: SubscriptionRecord, metadata?: Metadata): void {
    if (metadata) sub.metadata = { ...metadata };
    this.emitUpdated(sub);
  }

  /**
   * `PATCH /v1/subscriptions/{id}` with `product_id`: Polar's `update_product`. Refusals first
   * (plan-change.ts), then, by proration behavior (the organization's when not given):
   *
   * - `next_period`: nothing changes now but `pending_update` (the product, applying at the
   *   period's end; a second one replaces it, keeping its id): `subscription.updated`,
   *   `customer.state_changed`. The renewal applies it (renewals.ts).
   * - `invoice` (or `prorate` across billing intervals): the change applies now and an order
   *   (`subscription_update`) bills the two proration lines; a charge is made at once and, if the
   *   card declines, Polar answers 402 PaymentFailed and rolls everything back. A negative total
   *   is a credit order, paid at once, its amount added to the customer's balance.
   * - `prorate`: the change applies now, the lines wait for the next renewal order.
   * - a trialing subscription: no proration; its trial is recomputed from the new product's, or
   *   ends now, and then it renews at once, charging the new price (Polar's `cycle`).
   *
   * Applying now drops a pending update (Polar soft-deletes it). The order's `created_at` is the
   * instant the proration was computed for.
   */
  changeProduct(sub: SubscriptionRecord, productId: string, requested: ProrationBehavior | null, metadata?: Metadata): void {
    const { store } = this.fx;
    const to = changeTarget(sub, store.products.get(productId), productId);
    const from = store.products.get(sub.productId);
    const customer = store.customers.get(sub.customerId);
    if (!from || !customer) throw new Error(`Polar emulator: subscription ${sub.id} lost its product or customer`);
    const behavior = requested ?? ORGANIZATION_POLICY.prorationBehavior;
    const at = tick();

    if (behavior === "next_period") {
      if (metadata) sub.metadata = { ...metadata };
      const now = at.toISOString();
      // Polar's `upsert`: a scheduled seat count stays beside the product.
      sub.pendingUpdate = sub.pendingUpdate
        ? { ...sub.pendingUpdate, productId: to.id, appliesAt: sub.currentPeriodEnd, modifiedAt: now }
        : { id: newId(), createdAt: now, modifiedAt: null, appliesAt: sub.currentPeriodEnd, productId: to.id, seats: null };
      this.fx.log(`[polar-emulator] subscription ${sub.id}: switches to ${to.name} on ${sub.currentPeriodEnd}`);
      this.emitUpdated(sub);
      return;
    }

    const plan = planImmediateChange(sub, from, to, behavior, at);
    // An order bills every pending line (Polar's create_order_items_from_pending): an earlier
    // `prorate` change's lines go on this one if it is invoiced now.
    const lines = plan.kind === "prorated" ? [...sub.pendingProrations, ...plan.lines] : [];
    const total = linesTotal(lines);
    const settlement = plan.kind === "prorated" && plan.invoiceNow ? settle(total, customer.balances[sub.currency] ?? 0, sub.currency) : null;
    if (settlement && settlement.charge > 0 && this.customers.cardDeclines(customer)) {
      // Polar charges synchronously and raises before committing: nothing else changes.
      this.fx.log(`[polar-emulator] subscription ${sub.id}: the change to ${to.name} was refused, charge of ${settlement.charge} declined`);
      this.fx.changed();
      throw paymentFailed("card_error");
    }

    if (metadata) sub.metadata = { ...metadata };
    sub.pendingUpdate = null;
    sub.productId = to.id;
    this.usage.meters.syncSubscriptionMeters(sub, to);
    sub.amount = periodAmount(to, sub.seats);
    sub.recurringInterval = to.recurringInterval ?? sub.recurringInterval;
    sub.currentPeriodStart = plan.period.start.toISOString();
    sub.currentPeriodEnd = plan.period.end.toISOString();
    this.fx.log(`[polar-emulator] subscription ${sub.id}: changed to ${to.name} (${behavior})`);

    if (plan.kind === "trial") {
      sub.trialEnd = sub.currentPeriodEnd = (plan.trialEnd ?? at).toISOString();
      if (plan.trialEnd) this.emitUpdated(sub);
      else this.renewals.renew(sub);
      return;
    }
    sub.anchorDay = plan.anchorDay;
    if (!settlement) {
      sub.pendingProrations.push(...plan.lines);
      this.emitUpdated(sub);
      return;
    }

    this.invoiceNow(sub, customer, to, lines, settlement, at);
  }

  /**
   * A change invoiced now (Polar's billing effect `invoice`): the `subscription_update` order of
   * every pending line, the customer's balance applied, the rest charged. Nothing to charge (a
   * credit, or covered by the balance): paid before the request ends, then the subscription's
   * events; a charge: the order, the subscription's events, then the payment Stripe confirms.
   */
  private invoiceNow(sub: SubscriptionRecord, customer: CustomerRecord, product: ProductRecord, lines: ProrationLine[], settlement: ReturnType<typeof settle>, at: Date): void {
    customer.balances[sub.currency] = settlement.balanceAfter;
    sub.pendingProrations = [];
    touch(sub);
    const order = this.orders.create({
      status: "pending",
      customerId: sub.customerId,
      productId: product.id,
      checkoutId: null,
      subscriptionId: sub.id,
      billingReason: "subscription_update",
      amount: linesTotal(lines),
      currency: sub.currency,
      trialPeriod: null,
      metadata: { ...sub.metadata },
      items: lines.map((line) => ({ ...line, id: newId() })),
      appliedBalanceAmount: settlement.applied,
      createdAt: at.toISOString(),
    });
    this.fx.emit.order("order.created", order);
    if (settlement.charge === 0) {
      // Nothing to charge (a credit, or the balance covers it): paid before the request ends.
      this.orders.paid(order);
      this.emitUpdated(sub);
    } else {
      // The charge is confirmed by Stripe's webhook, handled after the request's own events.
      this.emitUpdated(sub);
      this.orders.paid(order);
    }
  }

  /**
   * `PATCH /v1/subscriptions/{id}` with `seats`: Polar's `update_seats` after
   * `validate_seats_change` (refused, in this order: canceled or canceling 403
   * AlreadyCanceledSubscription; no seat price 400 NotASeatBasedSubscription; below the tiers'
   * minimum 400 BelowMinimumSeats; above their maximum 400 AboveMaximumSeats; below the seats
   * assigned, pending and claimed, 400 SeatsAlreadyAssigned).
   *
   * - The current count again: a scheduled seat change is dropped (`subscription.updated`,
   *   state); with none, nothing at all happens (no webhook: Polar marks the update unchanged).
   * - `next_period`: the count is scheduled in `pending_update` (beside a scheduled product).
   * - `invoice` (the organization's default) or `prorate`: the count and the price change now and
   *   one line prorates the difference over what is left of the period (seat-pricing.ts
   *   `seatChangeLine`), invoiced now (`invoice`) or with the next renewal (`prorate`); a
   *   trialing subscription gets no line; a scheduled seat count is dropped (a scheduled product
   *   stays).
   */
  changeSeats(sub: SubscriptionRecord, seats: number, requested: ProrationBehavior | null): void {
    const { store } = this.fx;
    if (sub.status === "canceled" || sub.status === "unpaid" || sub.cancelAtPeriodEnd) throw alreadyCanceledSubscription();
    const product = store.products.get(sub.productId);
    const customer = store.customers.get(sub.customerId);
    if (!product?.seatTiers || sub.seats === null) throw notASeatBasedSubscription();
    if (!customer) throw new Error(`Polar emulator: subscription ${sub.id} lost its customer`);
    const min = minimumSeats(product.seatTiers);
    const max = maximumSeats(product.seatTiers);
    if (seats < min) throw belowMinimumSeats(min);
    if (max !== null && seats > max) throw aboveMaximumSeats(max);
    const assigned = store.seatsOf({ subscriptionId: sub.id }).filter((s) => s.status !== "revoked").length;
    if (seats < assigned) throw seatsAlreadyAssigned(assigned, seats);
    const behavior = requested ?? ORGANIZATION_POLICY.prorationBehavior;
    const old = sub.seats;
    const at = tick();

    if (old === seats) {
      const pending = sub.pendingUpdate;
      if (pending?.seats == null) return;
      sub.pendingUpdate = pending.productId === null ? null : { ...pending, seats: null, modifiedAt: at.toISOString() };
      this.emitUpdated(sub);
      return;
    }
    if (behavior === "next_period") {
      const now = at.toISOString();
      sub.pendingUpdate = sub.pendingUpdate
        ? { ...sub.pendingUpdate, seats, appliesAt: sub.currentPeriodEnd, modifiedAt: now }
        : { id: newId(), createdAt: now, modifiedAt: null, appliesAt: sub.currentPeriodEnd, productId: null, seats };
      this.fx.log(`[polar-emulator] subscription ${sub.id}: ${seats} seats from ${sub.currentPeriodEnd}`);
      this.emitUpdated(sub);
      return;
    }

    const period = { start: new Date(sub.currentPeriodStart), end: new Date(sub.currentPeriodEnd) };
    const line = sub.status === "trialing" ? null : seatChangeLine({ ...product, seatTiers: product.seatTiers }, old, seats, period, at);
    const invoice = behavior === "invoice" && line !== null;
    const lines = invoice ? [...sub.pendingProrations, line] : [];
    const settlement = invoice ? settle(linesTotal(lines), customer.balances[sub.currency] ?? 0, sub.currency) : null;
    if (settlement && settlement.charge > 0 && this.customers.cardDeclines(customer)) {
      this.fx.log(`[polar-emulator] subscription ${sub.id}: the change to ${seats} seats was refused, charge of ${settlement.charge} declined`);
      this.fx.changed();
      throw paymentFailed("card_error");
    }
    if (sub.pendingUpdate) sub.pendingUpdate = sub.pendingUpdate.productId === null ? null : { ...sub.pendingUpdate, seats: null, modifiedAt: at.toISOString() };
    sub.seats = seats;
    sub.amount = periodAmount(product, seats);
    this.fx.log(`[polar-emulator] subscription ${sub.id}: ${old} → ${seats} seats (${behavior})`);
    if (settlement) {
      this.invoiceNow(sub, customer, product, lines, settlement, at);
      return;
    }
    if (line) sub.pendingProrations.push(line);
    this.emitUpdated(sub);
  }

  /** `{"pending_update": null}`: Polar's `clear_pending_update`, a 422 when there is nothing to clear. */
  clearPendingUpdate(sub: SubscriptionRecord): void {
    if (!sub.pendingUpdate) {
      throw validationError({ type: "value_error", loc: ["body", "pending_update"], msg: "This subscription has no pending update to clear.", input: null });
    }
    sub.pendingUpdate = null;
    this.emitUpdated(sub);
  }

  /**
   * `pause_at_period_end: true`: Polar's `pause` (`can_pause`: active, not canceling, not already
   * pausing). Nothing happens until the period ends (renewals.ts); `resumes_at`, when given, must
   * be after it.
   */
  schedulePause(sub: SubscriptionRecord, resumesAt: Date | null): void {
    if (sub.status !== "active" || sub.cancelAtPeriodEnd || sub.pauseAtPeriodEnd || sub.endsAt !== null) throw cannotPauseSubscription();
    if (resumesAt && resumesAt <= new Date(sub.currentPeriodEnd)) {
      throw validationError({ type: "value_error", loc: ["body", "resumes_at"], msg: "resumes_at must be after the current period end.", input: resumesAt.toISOString() });
    }
    sub.pauseAtPeriodEnd = true;
    sub.resumesAt = resumesAt?.toISOString() ?? null;
    this.emitUpdated(sub);
  }

  /** `pause_at_period_end: false`: Polar's `cancel_scheduled_pause`. */
  cancelScheduledPause(sub: SubscriptionRecord): void {
    if (!sub.pauseAtPeriodEnd || sub.status !== "active") throw noScheduledPause();
    sub.pauseAtPeriodEnd = false;
    sub.resumesAt = null;
    this.emitUpdated(sub);
  }

  /**
   * `resume: true`, or the scheduled resume at `resumes_at` (the emulator's clock does not run:
   * admin and portal bring it forward): Polar's `resume`. A new period starts now, anchored on
   * today, and is charged at once: `subscription.updated`, `subscription.resumed`, then the
   * period's order (billPeriod: paid, or declined and past_due), then `customer.state_changed`.
   */
  resume(sub: SubscriptionRecord): OrderRecord {
    if (sub.status !== "paused") throw notPausedSubscription();
    // The order bills the usage left unbilled when it paused (a pause makes no order), then
    // the meters start over (Polar's `resume` resets them).
    const product = this.fx.store.products.get(sub.productId);
    const metered = product ? this.usage.meters.meteredLines(sub, product, isoNow(), false) : [];
    this.usage.meters.resetSubscriptionMeters(sub);
    const now = tick();
    sub.status = "active";
    sub.pausedAt = null;
    sub.resumesAt = null;
    sub.anchorDay = now.getUTCDate();
    sub.currentPeriodStart = now.toISOString();
    sub.currentPeriodEnd = nextPeriodEnd(now, sub.recurringInterval, sub.anchorDay).toISOString();
    touch(sub);
    this.fx.emit.subscription("subscription.updated", sub);
    this.fx.emit.subscription("subscription.resumed", sub);
    const order = this.renewals.billPeriod(sub, false, metered);
    this.renewals.afterPeriodOrder(sub, order);
    this.fx.emit.customerState(sub.customerId);
    this.fx.log(`[polar-emulator] subscription ${sub.id} resumed to ${sub.currentPeriodEnd}: order ${order.id} ${order.status}`);
    this.fx.changed();
    return order;
  }
}
