import { nextPeriodEnd } from "../period";
import { periodAmount } from "../seat-pricing";
import {
  isoNow,
  newId,
  tick,
  type CheckoutRecord,
  type CustomerCancellationReason,
  type ProductRecord,
  type RecurringInterval,
  type SubscriptionRecord,
} from "../store";
import { touch, type FlowContext } from "./emit";
import type { Usage } from "./usage";

/**
 * Subscriptions: the one a checkout creates, and its end: cancel at period end, uncancel,
 * revoke now. Its period's end (renewal, dunning) is renewals.ts; what the API changes on it
 * (product, pause, resume) is subscription-changes.ts.
 */

/** Polar's billable statuses (`SubscriptionStatus.billable_statuses`, models/subscription.py). */
export const BILLABLE: ReadonlySet<SubscriptionRecord["status"]> = new Set(["active", "trialing", "past_due"]);

/** The customer's reason and comment for a cancellation, kept on the subscription. */
export interface CancellationReason {
  reason?: CustomerCancellationReason | null;
  comment?: string | null;
}

export class Subscriptions {
  constructor(
    private readonly fx: FlowContext,
    private readonly usage: Usage,
  ) {}

  /** The checkout's subscription, stored and linked to it; `trialEnd` set: it starts `trialing`. */
  create(checkout: CheckoutRecord, customerId: string, product: ProductRecord, interval: RecurringInterval, trialEnd: string | null): SubscriptionRecord {
    const start = tick();
    // A seat-based product's subscription carries the checkout's seats (and costs them).
    const seats = product.seatTiers ? checkout.seats : null;
    const subscription: SubscriptionRecord = {
      id: newId(),
      status: trialEnd ? "trialing" : "active",
      customerId,
      productId: product.id,
      checkoutId: checkout.id,
      // The price, trial or not: what each period will cost (Polar's subscription amount).
      amount: periodAmount(product, seats),
      currency: product.priceCurrency,
      seats,
      recurringInterval: interval,
      currentPeriodStart: start.toISOString(),
      // A trial is the first period: Polar converts it when that period ends.
      currentPeriodEnd: trialEnd ?? nextPeriodEnd(start, interval, start.getUTCDate()).toISOString(),
      trialStart: trialEnd ? start.toISOString() : null,
      trialEnd,
      pastDueAt: null,
      anchorDay: start.getUTCDate(),
      cancelAtPeriodEnd: false,
      canceledAt: null,
      customerCancellationReason: null,
      customerCancellationComment: null,
      pauseAtPeriodEnd: false,
      pausedAt: null,
      resumesAt: null,
      pendingUpdate: null,
      pendingProrations: [],
      // Usage is billed from the start (Polar resets these meters as the subscription is created).
      meters: product.meteredPrices.map((m) => ({ id: newId(), meterId: m.meterId, priceId: m.id, createdAt: start.toISOString(), billedUntil: start.toISOString() })),
      startedAt: start.toISOString(),
      endsAt: null,
      endedAt: null,
      metadata: { ...checkout.metadata },
      createdAt: start.toISOString(),
      modifiedAt: null,
    };
    this.fx.store.subscriptions.set(subscription.id, subscription);
    checkout.subscriptionId = subscription.id;
    return subscription;
  }

  /**
   * Cancel at period end: access continues, status stays. Polar's `can_cancel` (models/subscription.py):
   * a billable subscription (active, trialing, past_due) not already ending; a scheduled pause
   * is dropped, the customer's reason and comment kept (`_perform_cancellation`).
   */
  cancel(sub: SubscriptionRecord, why: CancellationReason = {}): boolean {
    if (!BILLABLE.has(sub.status) || sub.endedAt || sub.cancelAtPeriodEnd || sub.endsAt) return false;
    const now = isoNow();
    sub.cancelAtPeriodEnd = true;
    sub.canceledAt = now;
    sub.endsAt = sub.currentPeriodEnd;
    sub.pauseAtPeriodEnd = false;
    sub.resumesAt = null;
    if (why.reason) sub.customerCancellationReason = why.reason;
    if (why.comment) sub.customerCancellationComment = why.comment;
    sub.modifiedAt = now;
    this.fx.emit.subscription("subscription.updated", sub);
    this.fx.emit.subscription("subscription.canceled", sub);
    this.fx.emit.customerState(sub.customerId);
    this.fx.changed();
    return true;
  }

  /** Resumes a subscription set to cancel at period end: `subscription.updated`, `subscription.uncanceled`. */
  uncancel(sub: SubscriptionRecord): boolean {
    if (!BILLABLE.has(sub.status) || !sub.cancelAtPeriodEnd) return false;
    sub.cancelAtPeriodEnd = false;
    sub.canceledAt = null;
    sub.endsAt = null;
    sub.customerCancellationReason = null;
    sub.customerCancellationComment = null;
    touch(sub);
    this.fx.emit.subscription("subscription.updated", sub);
    this.fx.emit.subscription("subscription.uncanceled", sub);
    this.fx.emit.customerState(sub.customerId);
    this.fx.changed();
    return true;
  }

  /**
   * Revoke now: access ends, status canceled, ended_at set. Polar sends `subscription.canceled`
   * before `subscription.revoked` on every revocation: `_after_subscription_updated`
   * (server/polar/subscription/service.py) fires it when `canceled_at` becomes set, or when an
   * already canceling subscription is revoked, and `_perform_cancellation` always sets it.
   */
  revoke(sub: SubscriptionRecord, why: CancellationReason = {}): boolean {
    // Polar's can_cancel(immediately=True): a paused subscription may be revoked too.
    if (!(BILLABLE.has(sub.status) || sub.status === "paused") || sub.endedAt) return false;
    const now = isoNow();
    sub.status = "canceled";
    sub.cancelAtPeriodEnd = false;
    sub.canceledAt = now;
    sub.pauseAtPeriodEnd = false;
    sub.resumesAt = null;
    if (why.reason) sub.customerCancellationReason = why.reason;
    if (why.comment) sub.customerCancellationComment = why.comment;
    sub.endsAt = now;
    sub.endedAt = now;
    sub.modifiedAt = now;
    this.fx.emit.subscription("subscription.updated", sub);
    this.fx.emit.subscription("subscription.canceled", sub);
    this.fx.emit.subscription("subscription.revoked", sub);
    // Then the grants job (`enqueue_benefits_grants`, task revoke): benefit_grant.revoked each.
    this.usage.benefits.syncSubscription(sub);
    this.fx.emit.customerState(sub.customerId);
    this.fx.changed();
    return true;
  }
}
