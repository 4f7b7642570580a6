import { settle } from "../balance";
import { nextPaymentAttempt } from "../dunning";
import { nextPeriodEnd } from "../period";
import { periodAmount, priceLabel } from "../seat-pricing";
import { isoNow, newId, type OrderItemRecord, type OrderRecord, type SubscriptionRecord } from "../store";
import type { Customers } from "./customers";
import { touch, type FlowContext } from "./emit";
import { linesTotal, type Orders } from "./orders";
import type { Subscriptions } from "./subscriptions";
import type { Usage } from "./usage";

/**
 * Renewals: a subscription's period ends (Polar's `cycle`, brought forward: the emulator's clock
 * does not run). The renewal and its order, a trial's conversion, a scheduled change applied, a
 * scheduled pause entered, and dunning: a declined renewal's retries, succeeding or not.
 */

/** What a renewal came to: its order, or, for a subscription set to pause, the pause. */
export type RenewResult = OrderRecord | "paused";

export class Renewals {
  constructor(
    private readonly fx: FlowContext,
    private readonly orders: Orders,
    private readonly customers: Customers,
    private readonly subscriptions: Subscriptions,
    private readonly usage: Usage,
  ) {}

  /**
   * A renewal at the period boundary, brought forward to now: the period moves on
   * (`subscription.cycled`, `subscription.updated`), the renewal order is created pending
   * (billing_reason `subscription_cycle`, no checkout) and charged (billPeriod). Paid:
   * `order.updated`, `order.paid`. Declined (`failing`, or the customer's decline switch): the
   * order stays pending and the subscription becomes `past_due` (`subscription.updated`,
   * `subscription.past_due`); Polar retries the card later (retry). A subscription set to
   * cancel at period end is not renewed (it would end).
   *
   * Polar's `cycle` (server/polar/subscription/service.py) also decides two other outcomes here:
   * a subscription set to pause enters `paused` instead (no order, no `subscription.cycled`:
   * pauseNow), and a change scheduled for the next period (`pending_update`) is applied first,
   * so the renewal is for the new product's price.
   *
   * A trialing subscription converts the same way, as in Polar's `cycle`: the trial is the first
   * period, the status becomes active with no `subscription.active` (trialing already counted
   * as active), `trial_start`/`trial_end` stay, and the order's public billing reason is
   * `subscription_cycle` (internally `subscription_cycle_after_trial`, models/order.py).
   *
   * Usage: the order bills the metered usage up to now above the period's credits (none for a
   * trial's), then the metered meters reset (Polar's `cycle` resets them before its order job
   * runs); after the order the grants follow the subscription and a paid order cycles them
   * (afterPeriodOrder), and the state goes last.
   */
  renew(sub: SubscriptionRecord, opts: { failing?: boolean } = {}): RenewResult | null {
    if (sub.status !== "active" && sub.status !== "trialing") return null;
    if (sub.cancelAtPeriodEnd) return null;
    if (sub.pauseAtPeriodEnd) {
      this.pauseNow(sub);
      return "paused";
    }
    // The usage the renewal order bills ends here: what follows (the reset, the new credits)
    // belongs to the new period.
    const cutoff = isoNow();
    const wasTrialing = sub.status === "trialing";
    const productBefore = sub.productId;
    const start = new Date(sub.currentPeriodEnd);
    const resetsCycle = this.applyPendingUpdate(sub, start);
    const product = this.fx.store.products.get(sub.productId);
    if (product && productBefore !== sub.productId) this.usage.meters.syncSubscriptionMeters(sub, product);
    const metered = product ? this.usage.meters.meteredLines(sub, product, cutoff, wasTrialing) : [];
    // Polar's `cycle` resets the metered meters before the order job bills them.
    this.usage.meters.resetSubscriptionMeters(sub);
    // Polar moves the billing day to the trial's end when a trial converts.
    if (wasTrialing) sub.anchorDay = start.getUTCDate();
    if (!resetsCycle) {
      sub.currentPeriodStart = start.toISOString();
      sub.currentPeriodEnd = nextPeriodEnd(start, sub.recurringInterval, sub.anchorDay).toISOString();
    }
    if (wasTrialing) sub.status = "active";
    touch(sub);
    this.fx.emit.subscription("subscription.cycled", sub);
    this.fx.emit.subscription("subscription.updated", sub);
    const order = this.billPeriod(sub, opts.failing ?? false, metered);
    this.afterPeriodOrder(sub, order);
    this.fx.log(`[polar-emulator] subscription ${sub.id} renewed to ${sub.currentPeriodEnd}: order ${order.id} ${order.status}`);
    this.fx.emit.customerState(sub.customerId);
    this.fx.changed();
    return order;
  }

  /**
   * The grants after a period's order, in the order Polar's jobs run: the grants follow the
   * subscription (a switched product's, or all revoked when it went past_due), then a paid
   * renewal cycles them (`_on_order_paid` -> `benefit.enqueue_benefit_grant_cycles`).
   */
  afterPeriodOrder(sub: SubscriptionRecord, order: OrderRecord): void {
    this.usage.benefits.syncSubscription(sub);
    if (order.status === "paid") this.usage.benefits.cycleSubscription(sub);
  }

  /**
   * The change scheduled with `next_period`, applied at the start of the new period (Polar's
   * `SubscriptionUpdate.apply_update` inside `cycle`): the new product, price and interval. On an
   * interval change the new period is one new interval from `start`, anchored on its day, and
   * the caller leaves the dates alone (true is returned); otherwise the anchor moves to the day
   * the current period started, as apply_update does. A product that can no longer be sold in
   * the subscription's currency is dropped, as Polar drops the update.
   */
  private applyPendingUpdate(sub: SubscriptionRecord, start: Date): boolean {
    const pending = sub.pendingUpdate;
    if (!pending) return false;
    sub.pendingUpdate = null;
    // A seat count scheduled with `next_period` (SubscriptionUpdate.apply_update: the seats, and
    // the price for them).
    if (pending.seats !== null) {
      sub.seats = pending.seats;
      const current = this.fx.store.products.get(sub.productId);
      if (current) sub.amount = periodAmount(current, sub.seats);
      this.fx.log(`[polar-emulator] subscription ${sub.id}: scheduled change to ${pending.seats} seats applied`);
    }
    if (pending.productId === null) return false;
    const product = this.fx.store.products.get(pending.productId);
    if (!product?.recurringInterval || product.isArchived || product.priceCurrency !== sub.currency) {
      this.fx.log(`[polar-emulator] subscription ${sub.id}: the scheduled change to ${pending.productId} cannot apply, dropped`);
      return false;
    }
    const intervalChanged = product.recurringInterval !== sub.recurringInterval;
    sub.productId = product.id;
    sub.amount = periodAmount(product, sub.seats);
    sub.recurringInterval = product.recurringInterval;
    if (intervalChanged) {
      sub.anchorDay = start.getUTCDate();
      sub.currentPeriodStart = start.toISOString();
      sub.currentPeriodEnd = nextPeriodEnd(start, product.recurringInterval, sub.anchorDay).toISOString();
    } else {
      sub.anchorDay = new Date(sub.currentPeriodStart).getUTCDate();
    }
    this.fx.log(`[polar-emulator] subscription ${sub.id}: scheduled change to ${product.name} applied`);
    return intervalChanged;
  }

  /**
   * The period of a subscription set to pause ends (Polar's `cycle`): it becomes `paused`, the
   * period stays where it was, no order. `subscription.updated`, `subscription.paused`,
   * `customer.state_changed` (a paused subscription is not active: the state lists none).
   */
  private pauseNow(sub: SubscriptionRecord): void {
    sub.status = "paused";
    sub.pausedAt = isoNow();
    sub.pauseAtPeriodEnd = false;
    touch(sub);
    this.fx.emit.subscription("subscription.updated", sub);
    this.fx.emit.subscription("subscription.paused", sub);
    // A paused subscription is not active: its benefits are revoked.
    this.usage.benefits.syncSubscription(sub);
    this.fx.emit.customerState(sub.customerId);
    this.fx.log(`[polar-emulator] subscription ${sub.id} paused${sub.resumesAt ? `, resumes ${sub.resumesAt}` : ""}`);
    this.fx.changed();
  }

  /**
   * A period's order: the price, with any proration a `prorate` change left for it, created
   * pending (`order.created`), settled against the customer's balance, the rest charged to the
   * saved card in the background. Paid: `order.updated`, `order.paid`. Declined: the order stays
   * pending, the subscription `past_due` (`subscription.updated`, `subscription.past_due`), as
   * Polar's dunning starts (dunning.ts).
   */
  billPeriod(sub: SubscriptionRecord, failing: boolean, metered: OrderItemRecord[] = []): OrderRecord {
    const product = this.fx.store.products.get(sub.productId);
    const customer = this.fx.store.customers.get(sub.customerId);
    if (!product || !customer) throw new Error(`Polar emulator: subscription ${sub.id} lost its product or customer`);
    const deferred = sub.pendingProrations;
    sub.pendingProrations = [];
    // Polar's order lines: pending prorations, the period's price, then the metered usage. A
    // seat price's line says how many seats ("Team (5 seats)", OrderItem.format_price_label).
    const items: OrderItemRecord[] | null =
      deferred.length || metered.length || product.seatTiers
        ? [
            ...[...deferred, { label: priceLabel(product, sub.seats), amount: sub.amount, proration: false, productPriceId: product.priceId }].map((line) => ({ ...line, id: newId() })),
            ...metered,
          ]
        : null;
    const amount = sub.amount + linesTotal(deferred) + linesTotal(metered);
    const settlement = settle(amount, customer.balances[sub.currency] ?? 0, sub.currency);
    customer.balances[sub.currency] = settlement.balanceAfter;
    const order = this.orders.create({
      status: "pending",
      customerId: sub.customerId,
      productId: sub.productId,
      checkoutId: null,
      subscriptionId: sub.id,
      billingReason: "subscription_cycle",
      amount,
      currency: sub.currency,
      trialPeriod: null,
      metadata: { ...sub.metadata },
      items,
      appliedBalanceAmount: settlement.applied,
    });
    this.fx.emit.order("order.created", order);
    if (settlement.charge > 0 && (failing || this.customers.cardDeclines(customer))) {
      sub.status = "past_due";
      touch(sub);
      sub.pastDueAt ??= sub.modifiedAt;
      order.failedPayments = 1;
      order.nextPaymentAttemptAt = nextPaymentAttempt(1, new Date(sub.modifiedAt!), new Date(sub.pastDueAt!))?.toISOString() ?? null;
      this.fx.emit.subscription("subscription.updated", sub);
      this.fx.emit.subscription("subscription.past_due", sub);
      this.fx.log(`[polar-emulator] subscription ${sub.id}: charge of ${settlement.charge} declined: past_due, order ${order.id} unpaid`);
    } else {
      this.orders.paid(order);
    }
    return order;
  }

  /**
   * Polar's retry of a past_due subscription's card, succeeding (the customer's new card, or the
   * next scheduled retry brought forward): the unpaid renewal order is paid (`order.updated`,
   * `order.paid`) and the subscription is active again (`subscription.updated`,
   * `subscription.active`), its `past_due_at` cleared.
   */
  retry(sub: SubscriptionRecord): OrderRecord | null {
    if (sub.status !== "past_due") return null;
    const order = this.unpaidOrder(sub);
    if (!order) return null;
    order.nextPaymentAttemptAt = null;
    this.orders.paid(order);
    sub.status = "active";
    sub.pastDueAt = null;
    touch(sub);
    this.fx.emit.subscription("subscription.updated", sub);
    this.fx.emit.subscription("subscription.active", sub);
    // `mark_active` grants the benefits again; the paid order's cycle job runs first and finds
    // nothing granted (they were revoked when it went past_due), so nothing is cycled.
    this.usage.benefits.syncSubscription(sub);
    this.fx.emit.customerState(sub.customerId);
    this.fx.log(`[polar-emulator] subscription ${sub.id} recovered: order ${order.id} paid`);
    this.fx.changed();
    return order;
  }

  /**
   * Polar's next scheduled retry of a declined renewal (dunning.ts), brought forward to now and
   * declined again. Polar sends nothing for it (the order stays pending, the subscription
   * past_due) and schedules the next; when the retries are used up the subscription is revoked
   * (`subscription.updated`, `subscription.revoked`), as Polar does at the end of dunning.
   */
  declineRetry(sub: SubscriptionRecord): "retrying" | "revoked" | null {
    if (sub.status !== "past_due" || !sub.pastDueAt) return null;
    const order = this.unpaidOrder(sub);
    if (!order?.nextPaymentAttemptAt) return null;
    // The emulator's clock jumps to the retry's date: the schedule and the deadline count from it.
    const at = new Date(order.nextPaymentAttemptAt);
    order.failedPayments += 1;
    const next = nextPaymentAttempt(order.failedPayments, at, new Date(sub.pastDueAt));
    order.nextPaymentAttemptAt = next?.toISOString() ?? null;
    if (next) {
      this.fx.log(`[polar-emulator] subscription ${sub.id}: retry ${order.failedPayments - 1} declined, next on ${order.nextPaymentAttemptAt}`);
      this.fx.changed();
      return "retrying";
    }
    this.fx.log(`[polar-emulator] subscription ${sub.id}: retry ${order.failedPayments - 1} declined, dunning over: revoked`);
    this.subscriptions.revoke(sub);
    return "revoked";
  }

  /** The renewal order a past_due subscription has not paid. */
  private unpaidOrder(sub: SubscriptionRecord): OrderRecord | undefined {
    const [order] = this.fx.store.ordersWhere((o) => o.subscriptionId === sub.id && o.status === "pending");
    return order;
  }
}
