import type { DeliveryLog, WebhookDelivery } from "./delivery";
import type { PolarEvent } from "./events";
import { validationError } from "./http";
import { toCheckout, toCustomer, toCustomerState, toOrder, toProduct, toRefund, toSubscription, type WireContext } from "./serialize";
import {
  isoNow,
  newId,
  secretToken,
  tick,
  type CheckoutRecord,
  type CustomerRecord,
  type CustomerSessionRecord,
  type OrderRecord,
  type ProductRecord,
  type RecurringInterval,
  type Store,
  type SubscriptionRecord,
} from "./store";
import { nextPeriodEnd } from "./period";
import { nextPaymentAttempt } from "./dunning";
import { activeTrial, trialEndFrom } from "./trial";
import type { CheckoutCreateBody, CustomerSessionCreateBody } from "./validation";

/**
 * What Polar does when a merchant or a customer acts: the state change, then the webhooks in
 * the order Polar emits them. API handlers and pages only call these.
 */

const CHECKOUT_TTL_MS = 24 * 60 * 60_000;
const SESSION_TTL_MS = 60 * 60_000;
// setTimeout's ceiling; a longer expiry is re-armed when it fires.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Stripe's test cards that fail, with Stripe's own customer-facing messages. */
const DECLINING_CARDS: Record<string, string> = {
  "4000000000000002": "Your card was declined.",
  "4000000000009995": "Your card has insufficient funds.",
  "4000000000000069": "Your card has expired.",
  "4000000000000127": "Your card's security code is incorrect.",
};

export type PayResult =
  | { kind: "succeeded"; successEvent: DeliveryLog }
  | { kind: "declined"; message: string }
  | { kind: "invalid"; message: string }
  | { kind: "not-open"; status: CheckoutRecord["status"] };

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export class Flows {
  private readonly expiryTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly store: Store,
    private readonly delivery: WebhookDelivery,
    private readonly ctx: WireContext,
    private readonly log: (line: string) => void,
    private readonly changed: () => void,
  ) {}

  private emit(event: PolarEvent): DeliveryLog {
    return this.delivery.enqueue(event);
  }

  private emitCheckout(type: "checkout.created" | "checkout.updated" | "checkout.expired", c: CheckoutRecord): DeliveryLog {
    return this.emit({ type, timestamp: tick(), data: toCheckout(c, this.ctx) });
  }

  private emitOrder(type: "order.created" | "order.updated" | "order.paid" | "order.refunded", o: OrderRecord): DeliveryLog {
    return this.emit({ type, timestamp: tick(), data: toOrder(o, this.ctx) });
  }

  private emitSubscription(
    type:
      | "subscription.created"
      | "subscription.active"
      | "subscription.updated"
      | "subscription.canceled"
      | "subscription.uncanceled"
      | "subscription.revoked"
      | "subscription.past_due"
      | "subscription.cycled",
    s: SubscriptionRecord,
  ): DeliveryLog {
    return this.emit({ type, timestamp: tick(), data: toSubscription(s, this.ctx) });
  }

  /**
   * A merchant creating or editing a product (the admin API stands in for Polar's dashboard):
   * `product.created` or `product.updated`, as Polar emits them. An edit moves `modified_at`,
   * which receivers use to keep the newest version.
   */
  saveProduct(product: ProductRecord): { product: ProductRecord; created: boolean } {
    const existing = this.store.products.get(product.id);
    const saved: ProductRecord = existing ? { ...product, createdAt: existing.createdAt, modifiedAt: isoNow() } : { ...product, modifiedAt: null };
    const created = this.store.upsertProduct(saved) === "created";
    this.emit({ type: created ? "product.created" : "product.updated", timestamp: tick(), data: toProduct(saved, this.ctx) });
    this.changed();
    return { product: saved, created };
  }

  /**
   * `customer.state_changed`: Polar sends the customer's whole current state (not a diff) after
   * each change to its subscriptions, the same object as `GET /v1/customers/{id}/state`.
   */
  private emitState(customerId: string): void {
    const customer = this.store.customers.get(customerId);
    if (customer) this.emit({ type: "customer.state_changed", timestamp: tick(), data: toCustomerState(customer, this.ctx) });
  }

  private touch<T extends { modifiedAt: string | null }>(record: T): T {
    record.modifiedAt = isoNow();
    return record;
  }

  /**
   * Polar's customer linking, checked when the checkout is created: a customer with that
   * external id is the customer; otherwise one with that email; an external id or email that
   * belongs to a customer with another email or external id is a 422.
   */
  private linkedCustomer(externalId: string | null, email: string | null): CustomerRecord | null {
    if (externalId) {
      const byExternal = this.store.customerByExternalId(externalId);
      if (byExternal) {
        if (email && byExternal.email.toLowerCase() !== email.toLowerCase()) {
          throw validationError({
            type: "value_error",
            loc: ["body", "customer_email"],
            msg: "A customer with this external ID already exists with a different email.",
            input: email,
          });
        }
        return byExternal;
      }
    }
    if (email) {
      const byEmail = this.store.customerByEmail(email);
      if (byEmail && externalId && byEmail.externalId && byEmail.externalId !== externalId) {
        throw validationError({
          type: "value_error",
          loc: ["body", "external_customer_id"],
          msg: "A customer with this email already exists with a different external ID.",
          input: externalId,
        });
      }
    }
    return null;
  }

  createCheckout(body: CheckoutCreateBody): CheckoutRecord {
    body.products.forEach((id, i) => {
      const p = this.store.products.get(id);
      if (!p || p.isArchived) {
        throw validationError({ type: "value_error", loc: ["body", "products", i], msg: "Product does not exist.", input: id });
      }
    });
    let customer: CustomerRecord | null = null;
    if (body.customer_id) {
      customer = this.store.customers.get(body.customer_id) ?? null;
      if (!customer) {
        throw validationError({ type: "value_error", loc: ["body", "customer_id"], msg: "Customer does not exist.", input: body.customer_id });
      }
    } else {
      customer = this.linkedCustomer(body.external_customer_id ?? null, body.customer_email ?? null);
    }
    const [productId] = body.products as [string, ...string[]];
    const created = tick();
    const checkout: CheckoutRecord = {
      id: newId(),
      clientSecret: secretToken("polar_c_"),
      status: "open",
      productIds: [...new Set(body.products)],
      productId,
      customerId: customer?.id ?? null,
      externalCustomerId: body.external_customer_id ?? customer?.externalId ?? null,
      customerEmail: body.customer_email ?? customer?.email ?? null,
      customerName: body.customer_name ?? customer?.name ?? null,
      successUrl: body.success_url ?? null,
      returnUrl: body.return_url ?? null,
      metadata: body.metadata ?? {},
      customerMetadata: body.customer_metadata ?? {},
      allowTrial: body.allow_trial ?? true,
      trialInterval: body.trial_interval ?? null,
      trialIntervalCount: body.trial_interval_count ?? null,
      trialEnd: null,
      createdAt: created.toISOString(),
      modifiedAt: null,
      expiresAt: new Date(created.getTime() + CHECKOUT_TTL_MS).toISOString(),
      orderId: null,
      subscriptionId: null,
    };
    this.updateTrialEnd(checkout, created);
    this.store.checkouts.set(checkout.id, checkout);
    this.emitCheckout("checkout.created", checkout);
    this.armExpiry(checkout);
    this.changed();
    return checkout;
  }

  /** Polar sets `trial_end` from the moment of each change to the checkout (creation, confirmation). */
  private updateTrialEnd(checkout: CheckoutRecord, at: Date): void {
    const product = this.store.products.get(checkout.productId);
    const trial = product ? activeTrial(checkout, product) : null;
    checkout.trialEnd = trial ? trialEndFrom(at, trial).toISOString() : null;
  }

  /** (Re)arms the expiry timer of an open checkout; one already past its time expires now. */
  armExpiry(checkout: CheckoutRecord): void {
    const existing = this.expiryTimers.get(checkout.id);
    if (existing) clearTimeout(existing);
    this.expiryTimers.delete(checkout.id);
    if (checkout.status !== "open") return;
    const due = Date.parse(checkout.expiresAt) - Date.now();
    if (due <= 0) {
      this.expireCheckout(checkout);
      return;
    }
    const timer = setTimeout(() => {
      this.expiryTimers.delete(checkout.id);
      if (due > MAX_TIMER_MS) this.armExpiry(checkout);
      else this.expireCheckout(checkout);
    }, Math.min(due, MAX_TIMER_MS));
    timer.unref();
    this.expiryTimers.set(checkout.id, timer);
  }

  /** An open checkout expires: checkout.updated (status expired), then checkout.expired. */
  expireCheckout(checkout: CheckoutRecord): boolean {
    const timer = this.expiryTimers.get(checkout.id);
    if (timer) clearTimeout(timer);
    this.expiryTimers.delete(checkout.id);
    if (checkout.status !== "open") return false;
    checkout.status = "expired";
    this.touch(checkout);
    this.emitCheckout("checkout.updated", checkout);
    this.emitCheckout("checkout.expired", checkout);
    this.log(`[polar-emulator] checkout ${checkout.id} expired`);
    this.changed();
    return true;
  }

  /**
   * The Pay button. Synchronous from the status check to the last event, so two clicks can
   * never both pay: the second one finds the checkout no longer open.
   */
  pay(checkout: CheckoutRecord, cardNumber: string, email: string | null): PayResult {
    if (checkout.status !== "open") return { kind: "not-open", status: checkout.status };
    if (Date.parse(checkout.expiresAt) <= Date.now()) {
      this.expireCheckout(checkout);
      return { kind: "not-open", status: checkout.status };
    }
    const digits = cardNumber.replace(/[\s-]/g, "");
    if (!/^\d{12,19}$/.test(digits) || !luhn(digits)) return { kind: "invalid", message: "Your card number is invalid." };
    const customerEmail = checkout.customerEmail ?? email;
    if (!customerEmail || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(customerEmail)) return { kind: "invalid", message: "Enter a valid email address." };
    if (!checkout.customerEmail) {
      try {
        this.linkedCustomer(checkout.externalCustomerId, customerEmail);
      } catch {
        return { kind: "invalid", message: "This email belongs to another customer." };
      }
      checkout.customerEmail = customerEmail;
    }

    checkout.status = "confirmed";
    this.touch(checkout);
    this.updateTrialEnd(checkout, new Date(checkout.modifiedAt ?? checkout.createdAt));
    this.emitCheckout("checkout.updated", checkout);

    const declined = DECLINING_CARDS[digits];
    if (declined) {
      // Polar sends a failed payment back to `open` so the customer can try another card.
      checkout.status = "open";
      this.touch(checkout);
      this.emitCheckout("checkout.updated", checkout);
      this.changed();
      return { kind: "declined", message: declined };
    }

    const customer = this.customerForPayment(checkout, customerEmail);
    checkout.customerId = customer.id;
    const product = this.store.products.get(checkout.productId);
    if (!product) throw new Error(`Polar emulator: checkout ${checkout.id} sells unknown product ${checkout.productId}`);

    const interval = product.recurringInterval;
    const { order, subscription } =
      interval && checkout.trialEnd !== null
        ? this.startTrial(checkout, customer.id, product, interval, checkout.trialEnd)
        : this.charge(checkout, customer.id, product);

    checkout.status = "succeeded";
    this.touch(checkout);
    const successEvent = this.emitCheckout("checkout.updated", checkout);
    const what = subscription?.status === "trialing" ? "started a trial" : "paid";
    this.log(`[polar-emulator] checkout ${checkout.id} ${what} by ${customerEmail}: order ${order.id}${subscription ? `, subscription ${subscription.id}` : ""}`);
    this.changed();
    return { kind: "succeeded", successEvent };
  }

  private newSubscription(
    checkout: CheckoutRecord,
    customerId: string,
    product: ProductRecord,
    interval: RecurringInterval,
    trialEnd: string | null,
  ): SubscriptionRecord {
    const start = tick();
    const subscription: SubscriptionRecord = {
      id: newId(),
      status: trialEnd ? "trialing" : "active",
      customerId,
      productId: product.id,
      checkoutId: checkout.id,
      // The price, trial or not: what each period will cost (Polar's subscription amount).
      amount: product.priceAmount,
      currency: product.priceCurrency,
      recurringInterval: interval,
      currentPeriodStart: start.toISOString(),
      // A trial is the first period: Polar converts it when that period ends.
      currentPeriodEnd: trialEnd ?? nextPeriodEnd(start, interval, start.getUTCDate()).toISOString(),
      trialStart: trialEnd ? start.toISOString() : null,
      trialEnd,
      pastDueAt: null,
      cancelAtPeriodEnd: false,
      canceledAt: null,
      startedAt: start.toISOString(),
      endsAt: null,
      endedAt: null,
      metadata: { ...checkout.metadata },
      createdAt: start.toISOString(),
      modifiedAt: null,
    };
    this.store.subscriptions.set(subscription.id, subscription);
    checkout.subscriptionId = subscription.id;
    return subscription;
  }

  /** The checkout's order, created paid: Polar still sends all three events, in this order. */
  /** A new order, stored, with its own ids and invoice number and nothing refunded or retried yet. */
  private newOrder(
    fields: Omit<OrderRecord, "id" | "refundedAmount" | "invoiceNumber" | "itemId" | "failedPayments" | "nextPaymentAttemptAt" | "createdAt" | "modifiedAt">,
  ): OrderRecord {
    const order: OrderRecord = {
      ...fields,
      id: newId(),
      refundedAmount: 0,
      invoiceNumber: this.store.nextInvoiceNumber(),
      itemId: newId(),
      failedPayments: 0,
      nextPaymentAttemptAt: null,
      createdAt: isoNow(),
      modifiedAt: null,
    };
    this.store.orders.set(order.id, order);
    return order;
  }

  private paidCheckoutOrder(checkout: CheckoutRecord, customerId: string, product: ProductRecord, subscription: SubscriptionRecord | null): OrderRecord {
    const trialPeriod = subscription?.trialStart && subscription.trialEnd ? { start: subscription.trialStart, end: subscription.trialEnd } : null;
    const order = this.newOrder({
      status: "paid",
      customerId,
      productId: product.id,
      checkoutId: checkout.id,
      subscriptionId: subscription?.id ?? null,
      billingReason: subscription ? "subscription_create" : "purchase",
      amount: trialPeriod ? 0 : product.priceAmount,
      currency: product.priceCurrency,
      trialPeriod,
      metadata: { ...checkout.metadata },
    });
    checkout.orderId = order.id;
    this.emitOrder("order.created", order);
    this.emitOrder("order.updated", this.touch(order));
    this.emitOrder("order.paid", this.touch(order));
    return order;
  }

  /** A purchase paid now: one-time, or a subscription's first period. */
  private charge(checkout: CheckoutRecord, customerId: string, product: ProductRecord): { order: OrderRecord; subscription: SubscriptionRecord | null } {
    const subscription = product.recurringInterval ? this.newSubscription(checkout, customerId, product, product.recurringInterval, null) : null;
    if (subscription) this.emitSubscription("subscription.created", subscription);
    const order = this.paidCheckoutOrder(checkout, customerId, product, subscription);
    if (subscription) {
      this.emitSubscription("subscription.active", this.touch(subscription));
      // Polar recomputes the state in a background job after the change; emitted before the
      // checkout's success event, which stays the last of a Pay (the hosted page waits for it).
      this.emitState(customerId);
    }
    return { order, subscription };
  }

  /**
   * A trial starts instead of a charge (the card is only saved). Polar's order of events, from
   * its server: the subscription is created `trialing`, which counts as active, so
   * `subscription.active` follows `subscription.created` at once, then the `subscription.updated`
   * Polar sends after every creation (subscription/service.py create_or_update_from_checkout,
   * _after_subscription_created); then a $0 order, created paid (order/service.py
   * create_trial_order); then the state job.
   */
  private startTrial(
    checkout: CheckoutRecord,
    customerId: string,
    product: ProductRecord,
    interval: RecurringInterval,
    trialEnd: string,
  ): { order: OrderRecord; subscription: SubscriptionRecord } {
    const subscription = this.newSubscription(checkout, customerId, product, interval, trialEnd);
    this.emitSubscription("subscription.created", subscription);
    this.emitSubscription("subscription.active", subscription);
    this.emitSubscription("subscription.updated", subscription);
    const order = this.paidCheckoutOrder(checkout, customerId, product, subscription);
    this.emitState(customerId);
    return { order, subscription };
  }

  /** The checkout's customer at payment: linked, found by email (external id set), or new. */
  private customerForPayment(checkout: CheckoutRecord, email: string): CustomerRecord {
    const linked =
      (checkout.customerId ? this.store.customers.get(checkout.customerId) : undefined) ??
      (checkout.externalCustomerId ? this.store.customerByExternalId(checkout.externalCustomerId) : undefined);
    if (linked) return linked;
    const byEmail = this.store.customerByEmail(email);
    if (byEmail) {
      if (checkout.externalCustomerId && !byEmail.externalId) {
        byEmail.externalId = checkout.externalCustomerId;
        this.touch(byEmail);
        this.emit({ type: "customer.updated", timestamp: tick(), data: toCustomer(byEmail, this.ctx) });
      }
      return byEmail;
    }
    const customer: CustomerRecord = {
      id: newId(),
      email,
      externalId: checkout.externalCustomerId,
      name: checkout.customerName,
      metadata: { ...checkout.customerMetadata },
      createdAt: isoNow(),
      modifiedAt: null,
    };
    this.store.customers.set(customer.id, customer);
    this.emit({ type: "customer.created", timestamp: tick(), data: toCustomer(customer, this.ctx) });
    return customer;
  }

  /** A full refund of what is left: refund.created, order.updated (status refunded), order.refunded. */
  refundOrder(order: OrderRecord): boolean {
    return this.refundPart(order, order.amount - order.refundedAmount);
  }

  /** Cancel at period end: access continues, status stays active. */
  cancelSubscription(sub: SubscriptionRecord): boolean {
    if (sub.status === "canceled" || sub.cancelAtPeriodEnd) return false;
    const now = isoNow();
    sub.cancelAtPeriodEnd = true;
    sub.canceledAt = now;
    sub.endsAt = sub.currentPeriodEnd;
    sub.modifiedAt = now;
    this.emitSubscription("subscription.updated", sub);
    this.emitSubscription("subscription.canceled", sub);
    this.emitState(sub.customerId);
    this.changed();
    return true;
  }

  /**
   * Revoke now: access ends, status canceled, ended_at set. Polar sends `subscription.canceled`
   * before `subscription.revoked` on every revocation: `_after_subscription_updated`
   * (server/polar/subscription/service.py) fires it when `canceled_at` becomes set, or when an
   * already canceling subscription is revoked, and `_perform_cancellation` always sets it.
   */
  revokeSubscription(sub: SubscriptionRecord): boolean {
    if (sub.status === "canceled") return false;
    const now = isoNow();
    sub.status = "canceled";
    sub.cancelAtPeriodEnd = false;
    sub.canceledAt = now;
    sub.endsAt = now;
    sub.endedAt = now;
    sub.modifiedAt = now;
    this.emitSubscription("subscription.updated", sub);
    this.emitSubscription("subscription.canceled", sub);
    this.emitSubscription("subscription.revoked", sub);
    this.emitState(sub.customerId);
    this.changed();
    return true;
  }

  /**
   * A renewal at the period boundary, brought forward to now: the period moves on
   * (`subscription.cycled`, `subscription.updated`), the renewal order is created pending
   * (billing_reason `subscription_cycle`, no checkout) and charged. Paid: `order.updated`,
   * `order.paid`. Declined (`failing`): the order stays pending and the subscription becomes
   * `past_due` (`subscription.updated`, `subscription.past_due`); Polar retries the card later
   * (retryRenewal). A subscription set to cancel at period end is not renewed (it would end).
   *
   * A trialing subscription converts the same way, as in Polar's `cycle`: the trial is the first
   * period, the status becomes active with no `subscription.active` (trialing already counted
   * as active), `trial_start`/`trial_end` stay, and the order's public billing reason is
   * `subscription_cycle` (internally `subscription_cycle_after_trial`, models/order.py).
   */
  renewSubscription(sub: SubscriptionRecord, opts: { failing?: boolean } = {}): OrderRecord | null {
    if (sub.status !== "active" && sub.status !== "trialing") return null;
    if (sub.cancelAtPeriodEnd) return null;
    const start = new Date(sub.currentPeriodEnd);
    sub.currentPeriodStart = start.toISOString();
    // Polar bills on the day the subscription started, or on the day its trial ended.
    const anchor = new Date(sub.trialEnd ?? sub.startedAt ?? sub.createdAt).getUTCDate();
    sub.currentPeriodEnd = nextPeriodEnd(start, sub.recurringInterval, anchor).toISOString();
    if (sub.status === "trialing") sub.status = "active";
    this.touch(sub);
    this.emitSubscription("subscription.cycled", sub);
    this.emitSubscription("subscription.updated", sub);

    const order = this.newOrder({
      status: "pending",
      customerId: sub.customerId,
      productId: sub.productId,
      checkoutId: null,
      subscriptionId: sub.id,
      billingReason: "subscription_cycle",
      amount: sub.amount,
      currency: sub.currency,
      trialPeriod: null,
      metadata: { ...sub.metadata },
    });
    this.emitOrder("order.created", order);
    if (opts.failing) {
      sub.status = "past_due";
      this.touch(sub);
      sub.pastDueAt ??= sub.modifiedAt;
      order.failedPayments = 1;
      order.nextPaymentAttemptAt = nextPaymentAttempt(1, new Date(sub.modifiedAt!), new Date(sub.pastDueAt!))?.toISOString() ?? null;
      this.emitSubscription("subscription.updated", sub);
      this.emitSubscription("subscription.past_due", sub);
      this.log(`[polar-emulator] subscription ${sub.id} renewal declined: past_due, order ${order.id} unpaid`);
    } else {
      order.status = "paid";
      this.emitOrder("order.updated", this.touch(order));
      this.emitOrder("order.paid", this.touch(order));
      this.log(`[polar-emulator] subscription ${sub.id} renewed to ${sub.currentPeriodEnd}: order ${order.id}`);
    }
    this.emitState(sub.customerId);
    this.changed();
    return order;
  }

  /**
   * Polar's retry of a past_due subscription's card, succeeding (the customer's new card, or the
   * next scheduled retry brought forward): the unpaid renewal order is paid (`order.updated`,
   * `order.paid`) and the subscription is active again (`subscription.updated`,
   * `subscription.active`), its `past_due_at` cleared.
   */
  retryRenewal(sub: SubscriptionRecord): OrderRecord | null {
    if (sub.status !== "past_due") return null;
    const [order] = this.store.ordersWhere((o) => o.subscriptionId === sub.id && o.status === "pending");
    if (!order) return null;
    order.status = "paid";
    order.nextPaymentAttemptAt = null;
    this.emitOrder("order.updated", this.touch(order));
    this.emitOrder("order.paid", this.touch(order));
    sub.status = "active";
    sub.pastDueAt = null;
    this.touch(sub);
    this.emitSubscription("subscription.updated", sub);
    this.emitSubscription("subscription.active", sub);
    this.emitState(sub.customerId);
    this.log(`[polar-emulator] subscription ${sub.id} recovered: order ${order.id} paid`);
    this.changed();
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
    const [order] = this.store.ordersWhere((o) => o.subscriptionId === sub.id && o.status === "pending");
    if (!order?.nextPaymentAttemptAt) return null;
    // The emulator's clock jumps to the retry's date: the schedule and the deadline count from it.
    const at = new Date(order.nextPaymentAttemptAt);
    order.failedPayments += 1;
    const next = nextPaymentAttempt(order.failedPayments, at, new Date(sub.pastDueAt));
    order.nextPaymentAttemptAt = next?.toISOString() ?? null;
    if (next) {
      this.log(`[polar-emulator] subscription ${sub.id}: retry ${order.failedPayments - 1} declined, next on ${order.nextPaymentAttemptAt}`);
      this.changed();
      return "retrying";
    }
    this.log(`[polar-emulator] subscription ${sub.id}: retry ${order.failedPayments - 1} declined, dunning over: revoked`);
    this.revokeSubscription(sub);
    return "revoked";
  }

  /**
   * A partial refund (half of what is left by default): refund.created, then the order with
   * `refunded_amount` and status `partially_refunded` (`refunded` once nothing is left) in
   * `order.updated` and `order.refunded`, which Polar sends for partial refunds too.
   */
  refundPart(order: OrderRecord, amount?: number): boolean {
    if (order.status !== "paid" && order.status !== "partially_refunded") return false;
    const left = order.amount - order.refundedAmount;
    const value = Math.min(left, amount ?? Math.max(1, Math.floor(left / 2)));
    if (value <= 0) return false;
    const refund = {
      id: newId(),
      status: "succeeded" as const,
      reason: "customer_request" as const,
      orderId: order.id,
      subscriptionId: order.subscriptionId,
      customerId: order.customerId,
      amount: value,
      currency: order.currency,
      metadata: {},
      createdAt: isoNow(),
      modifiedAt: null,
    };
    this.store.refunds.set(refund.id, refund);
    this.emit({ type: "refund.created", timestamp: tick(), data: toRefund(refund, this.ctx) });
    order.refundedAmount += value;
    order.status = order.refundedAmount >= order.amount ? "refunded" : "partially_refunded";
    this.touch(order);
    this.emitOrder("order.updated", order);
    this.emitOrder("order.refunded", order);
    this.changed();
    return true;
  }

  /** Resumes a subscription set to cancel at period end: `subscription.updated`, `subscription.uncanceled`. */
  uncancelSubscription(sub: SubscriptionRecord): boolean {
    if (sub.status === "canceled" || !sub.cancelAtPeriodEnd) return false;
    sub.cancelAtPeriodEnd = false;
    sub.canceledAt = null;
    sub.endsAt = null;
    this.touch(sub);
    this.emitSubscription("subscription.updated", sub);
    this.emitSubscription("subscription.uncanceled", sub);
    this.emitState(sub.customerId);
    this.changed();
    return true;
  }

  createCustomerSession(body: CustomerSessionCreateBody): CustomerSessionRecord {
    const customer =
      "customer_id" in body ? this.store.customers.get(body.customer_id) : this.store.customerByExternalId(body.external_customer_id);
    if (!customer) {
      const field = "customer_id" in body ? "customer_id" : "external_customer_id";
      const input = "customer_id" in body ? body.customer_id : body.external_customer_id;
      throw validationError({ type: "value_error", loc: ["body", field], msg: "Customer does not exist.", input });
    }
    const created = tick();
    const session: CustomerSessionRecord = {
      id: newId(),
      token: secretToken("polar_cst_"),
      customerId: customer.id,
      returnUrl: body.return_url ?? null,
      createdAt: created.toISOString(),
      expiresAt: new Date(created.getTime() + SESSION_TTL_MS).toISOString(),
    };
    this.store.sessions.set(session.id, session);
    this.changed();
    return session;
  }

  stop(): void {
    for (const t of this.expiryTimers.values()) clearTimeout(t);
    this.expiryTimers.clear();
  }
}
