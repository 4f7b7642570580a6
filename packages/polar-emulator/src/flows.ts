import { refundable, settle } from "./balance";
import type { DeliveryLog, WebhookDelivery } from "./delivery";
import type { PolarEvent } from "./events";
import { validationError } from "./http";
import { ORGANIZATION_POLICY } from "./organization-policy";
import { changeTarget, planImmediateChange, type ProrationBehavior } from "./plan-change";
import {
  ALREADY_ACTIVE_SUBSCRIPTION_MESSAGE,
  alreadyActiveSubscription,
  cannotPauseSubscription,
  noScheduledPause,
  notOpenCheckout,
  notPausedSubscription,
  paymentFailed,
} from "./polar-errors";
import { toCheckout, toCustomer, toCustomerState, toOrder, toProduct, toRefund, toSubscription, type WireContext } from "./serialize";
import {
  isoNow,
  newId,
  secretToken,
  tick,
  type CheckoutRecord,
  type CustomerCancellationReason,
  type CustomerRecord,
  type CustomerSessionRecord,
  type Metadata,
  type OrderItemRecord,
  type OrderRecord,
  type ProductRecord,
  type RecurringInterval,
  type Store,
  type SubscriptionRecord,
} from "./store";
import { nextPeriodEnd } from "./period";
import { nextPaymentAttempt } from "./dunning";
import { activeTrial, trialEndFrom } from "./trial";
import type { CheckoutCreateBody, CheckoutUpdateBody, CustomerSessionCreateBody } from "./validation";

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
  // Polar's AlreadyActiveSubscriptionError (403): the customer already has a subscription.
  | { kind: "forbidden"; message: string }
  | { kind: "invalid"; message: string }
  | { kind: "not-open"; status: CheckoutRecord["status"] };

/** Polar's billable statuses (`SubscriptionStatus.billable_statuses`, models/subscription.py). */
const BILLABLE: ReadonlySet<SubscriptionRecord["status"]> = new Set(["active", "trialing", "past_due"]);

/** What a renewal came to: its order, or, for a subscription set to pause, the pause. */
export type RenewResult = OrderRecord | "paused";

const sum = (amounts: number[]): number => amounts.reduce((a, b) => a + b, 0);

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
      | "subscription.cycled"
      | "subscription.paused"
      | "subscription.resumed",
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

  /**
   * Polar's `_validate_subscription_uniqueness` (server/polar/checkout/service.py), run on every
   * update and confirmation of a checkout: when the organization does not allow multiple
   * subscriptions, a checkout for a recurring product is refused to a customer (the checkout's,
   * else any with its email) who has a billable subscription (active, trialing or past_due).
   */
  private alreadySubscribed(checkout: CheckoutRecord, email: string | null): boolean {
    if (ORGANIZATION_POLICY.allowMultipleSubscriptions) return false;
    if (!this.store.products.get(checkout.productId)?.recurringInterval) return false;
    const customerIds = new Set<string>();
    if (checkout.customerId) customerIds.add(checkout.customerId);
    else if (email) for (const c of this.store.customers.values()) if (c.email.toLowerCase() === email.toLowerCase()) customerIds.add(c.id);
    return this.store.subscriptionsWhere((s) => customerIds.has(s.customerId) && BILLABLE.has(s.status)).length > 0;
  }

  /**
   * `PATCH /v1/checkouts/{id}`: Polar's `update` of an open checkout (`_update_checkout`): the
   * fields given, worked out on a copy so that a refusal leaves the checkout as it was; an email
   * is ignored once the checkout has a customer; the trial is recomputed; then
   * `checkout.updated`.
   */
  updateCheckout(checkout: CheckoutRecord, body: CheckoutUpdateBody): CheckoutRecord {
    if (checkout.status === "open" && Date.parse(checkout.expiresAt) <= Date.now()) this.expireCheckout(checkout);
    if (checkout.status !== "open") throw notOpenCheckout(checkout.id, checkout.status);
    const next: CheckoutRecord = { ...checkout };
    if (body.product_id != null) {
      const product = this.store.products.get(body.product_id);
      if (!product || !checkout.productIds.includes(product.id)) {
        throw validationError({ type: "value_error", loc: ["body", "product_id"], msg: "Product is not available in this checkout.", input: body.product_id });
      }
      if (product.isArchived) throw validationError({ type: "value_error", loc: ["body", "product_id"], msg: "Product is archived.", input: body.product_id });
      next.productId = product.id;
    }
    if (body.customer_name !== undefined) next.customerName = body.customer_name;
    if (body.customer_email != null && !checkout.customerId) {
      this.linkedCustomer(checkout.externalCustomerId, body.customer_email);
      next.customerEmail = body.customer_email;
    }
    if (body.metadata) next.metadata = { ...body.metadata };
    if (body.customer_metadata) next.customerMetadata = { ...body.customer_metadata };
    if (body.success_url !== undefined) next.successUrl = body.success_url;
    if (body.return_url !== undefined) next.returnUrl = body.return_url;
    if (this.alreadySubscribed(next, next.customerEmail)) throw alreadyActiveSubscription();
    Object.assign(checkout, next);
    this.touch(checkout);
    this.updateTrialEnd(checkout, new Date(checkout.modifiedAt ?? checkout.createdAt));
    this.emitCheckout("checkout.updated", checkout);
    this.changed();
    return checkout;
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
    }
    // Polar refuses the confirmation (and any update) of a checkout for a recurring product when
    // the customer already has one: nothing changes, nothing is sent.
    if (this.alreadySubscribed(checkout, customerEmail)) return { kind: "forbidden", message: ALREADY_ACTIVE_SUBSCRIPTION_MESSAGE };
    checkout.customerEmail = customerEmail;

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

  /**
   * A new order, stored, with its own ids and invoice number and nothing refunded or retried yet;
   * one line for the product's price and no balance applied unless `items` and
   * `appliedBalanceAmount` say otherwise.
   */
  private newOrder(
    fields: Omit<
      OrderRecord,
      "id" | "refundedAmount" | "invoiceNumber" | "itemId" | "failedPayments" | "nextPaymentAttemptAt" | "createdAt" | "modifiedAt" | "items" | "appliedBalanceAmount"
    > &
      Partial<Pick<OrderRecord, "items" | "appliedBalanceAmount" | "createdAt">>,
  ): OrderRecord {
    const order: OrderRecord = {
      items: null,
      appliedBalanceAmount: 0,
      ...fields,
      id: newId(),
      refundedAmount: 0,
      invoiceNumber: this.store.nextInvoiceNumber(),
      itemId: newId(),
      failedPayments: 0,
      nextPaymentAttemptAt: null,
      createdAt: fields.createdAt ?? isoNow(),
      modifiedAt: null,
    };
    this.store.orders.set(order.id, order);
    return order;
  }

  /** The checkout's order, created paid: Polar still sends all three events, in this order. */
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
      balances: {},
      declineNextCharge: false,
    };
    this.store.customers.set(customer.id, customer);
    this.emit({ type: "customer.created", timestamp: tick(), data: toCustomer(customer, this.ctx) });
    return customer;
  }

  /** A full refund of what is left: refund.created, order.updated (status refunded), order.refunded. */
  refundOrder(order: OrderRecord): boolean {
    return this.refundPart(order, refundable(order));
  }

  /**
   * Cancel at period end: access continues, status stays. Polar's `can_cancel` (models/subscription.py):
   * a billable subscription (active, trialing, past_due) not already ending; a scheduled pause
   * is dropped, the customer's reason and comment kept (`_perform_cancellation`).
   */
  cancelSubscription(sub: SubscriptionRecord, why: { reason?: CustomerCancellationReason | null; comment?: string | null } = {}): boolean {
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
  revokeSubscription(sub: SubscriptionRecord, why: { reason?: CustomerCancellationReason | null; comment?: string | null } = {}): boolean {
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
   * (billing_reason `subscription_cycle`, no checkout) and charged (billPeriod). Paid:
   * `order.updated`, `order.paid`. Declined (`failing`, or the customer's decline switch): the
   * order stays pending and the subscription becomes `past_due` (`subscription.updated`,
   * `subscription.past_due`); Polar retries the card later (retryRenewal). A subscription set to
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
   */
  renewSubscription(sub: SubscriptionRecord, opts: { failing?: boolean } = {}): RenewResult | null {
    if (sub.status !== "active" && sub.status !== "trialing") return null;
    if (sub.cancelAtPeriodEnd) return null;
    if (sub.pauseAtPeriodEnd) {
      this.pauseNow(sub);
      return "paused";
    }
    const start = new Date(sub.currentPeriodEnd);
    const resetsCycle = this.applyPendingUpdate(sub, start);
    // Polar moves the billing day to the trial's end when a trial converts.
    if (sub.status === "trialing") sub.anchorDay = start.getUTCDate();
    if (!resetsCycle) {
      sub.currentPeriodStart = start.toISOString();
      sub.currentPeriodEnd = nextPeriodEnd(start, sub.recurringInterval, sub.anchorDay).toISOString();
    }
    if (sub.status === "trialing") sub.status = "active";
    this.touch(sub);
    this.emitSubscription("subscription.cycled", sub);
    this.emitSubscription("subscription.updated", sub);
    const order = this.billPeriod(sub, opts.failing ?? false);
    this.log(`[polar-emulator] subscription ${sub.id} renewed to ${sub.currentPeriodEnd}: order ${order.id} ${order.status}`);
    this.emitState(sub.customerId);
    this.changed();
    return order;
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
    const product = this.store.products.get(pending.productId);
    if (!product?.recurringInterval || product.isArchived || product.priceCurrency !== sub.currency) {
      this.log(`[polar-emulator] subscription ${sub.id}: the scheduled change to ${pending.productId} cannot apply, dropped`);
      return false;
    }
    const intervalChanged = product.recurringInterval !== sub.recurringInterval;
    sub.productId = product.id;
    sub.amount = product.priceAmount;
    sub.recurringInterval = product.recurringInterval;
    if (intervalChanged) {
      sub.anchorDay = start.getUTCDate();
      sub.currentPeriodStart = start.toISOString();
      sub.currentPeriodEnd = nextPeriodEnd(start, product.recurringInterval, sub.anchorDay).toISOString();
    } else {
      sub.anchorDay = new Date(sub.currentPeriodStart).getUTCDate();
    }
    this.log(`[polar-emulator] subscription ${sub.id}: scheduled change to ${product.name} applied`);
    return intervalChanged;
  }

  /**
   * A period's order: the price, with any proration a `prorate` change left for it, created
   * pending (`order.created`), settled against the customer's balance, the rest charged to the
   * saved card in the background. Paid: `order.updated`, `order.paid`. Declined: the order stays
   * pending, the subscription `past_due` (`subscription.updated`, `subscription.past_due`), as
   * Polar's dunning starts (dunning.ts).
   */
  private billPeriod(sub: SubscriptionRecord, failing: boolean): OrderRecord {
    const product = this.store.products.get(sub.productId);
    const customer = this.store.customers.get(sub.customerId);
    if (!product || !customer) throw new Error(`Polar emulator: subscription ${sub.id} lost its product or customer`);
    const deferred = sub.pendingProrations;
    sub.pendingProrations = [];
    const items: OrderItemRecord[] | null = deferred.length
      ? [...deferred, { label: product.name, amount: sub.amount, proration: false, productPriceId: product.priceId }].map((line) => ({ ...line, id: newId() }))
      : null;
    const amount = sub.amount + sum(deferred.map((l) => l.amount));
    const settlement = settle(amount, customer.balances[sub.currency] ?? 0, sub.currency);
    customer.balances[sub.currency] = settlement.balanceAfter;
    const order = this.newOrder({
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
    this.emitOrder("order.created", order);
    if (settlement.charge > 0 && (failing || this.cardDeclines(customer))) {
      sub.status = "past_due";
      this.touch(sub);
      sub.pastDueAt ??= sub.modifiedAt;
      order.failedPayments = 1;
      order.nextPaymentAttemptAt = nextPaymentAttempt(1, new Date(sub.modifiedAt!), new Date(sub.pastDueAt!))?.toISOString() ?? null;
      this.emitSubscription("subscription.updated", sub);
      this.emitSubscription("subscription.past_due", sub);
      this.log(`[polar-emulator] subscription ${sub.id}: charge of ${settlement.charge} declined: past_due, order ${order.id} unpaid`);
    } else {
      order.status = "paid";
      this.emitOrder("order.updated", this.touch(order));
      this.emitOrder("order.paid", this.touch(order));
    }
    return order;
  }

  /** The saved card declines this charge when the customer's switch is on; the attempt uses it up. */
  private cardDeclines(customer: CustomerRecord): boolean {
    if (!customer.declineNextCharge) return false;
    customer.declineNextCharge = false;
    return true;
  }

  /** The emulator's decline switch (admin and portal): the customer's next charge is declined. */
  setDeclineNextCharge(customer: CustomerRecord, decline: boolean): void {
    // The emulator's own state, not Polar's: the customer's `modified_at` stays.
    customer.declineNextCharge = decline;
    this.log(`[polar-emulator] customer ${customer.id}: the next charge ${decline ? "will be declined" : "will go through"}`);
    this.changed();
  }

  /** `subscription.updated`, then the state job's `customer.state_changed`: what Polar sends after any change. */
  private emitUpdated(sub: SubscriptionRecord): void {
    this.touch(sub);
    this.emitSubscription("subscription.updated", sub);
    this.emitState(sub.customerId);
    this.changed();
  }

  /**
   * An update that changes nothing Polar emits for on its own (`{}`, or only `metadata`): Polar
   * still leaves its update context with changes, so `subscription.updated` and
   * `customer.state_changed` go out.
   */
  touchSubscription(sub: SubscriptionRecord, metadata?: Metadata): void {
    if (metadata) sub.metadata = { ...metadata };
    this.emitUpdated(sub);
  }

  /**
   * `PATCH /v1/subscriptions/{id}` with `product_id`: Polar's `update_product`. Refusals first
   * (plan-change.ts), then, by proration behavior (the organization's when not given):
   *
   * - `next_period`: nothing changes now but `pending_update` (the product, applying at the
   *   period's end; a second one replaces it, keeping its id): `subscription.updated`,
   *   `customer.state_changed`. The renewal applies it (applyPendingUpdate).
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
    const to = changeTarget(sub, this.store.products.get(productId), productId);
    const from = this.store.products.get(sub.productId);
    const customer = this.store.customers.get(sub.customerId);
    if (!from || !customer) throw new Error(`Polar emulator: subscription ${sub.id} lost its product or customer`);
    const behavior = requested ?? ORGANIZATION_POLICY.prorationBehavior;
    const at = tick();

    if (behavior === "next_period") {
      if (metadata) sub.metadata = { ...metadata };
      const now = at.toISOString();
      sub.pendingUpdate = sub.pendingUpdate
        ? { ...sub.pendingUpdate, productId: to.id, appliesAt: sub.currentPeriodEnd, modifiedAt: now }
        : { id: newId(), createdAt: now, modifiedAt: null, appliesAt: sub.currentPeriodEnd, productId: to.id };
      this.log(`[polar-emulator] subscription ${sub.id}: switches to ${to.name} on ${sub.currentPeriodEnd}`);
      this.emitUpdated(sub);
      return;
    }

    const plan = planImmediateChange(sub, from, to, behavior, at);
    // An order bills every pending line (Polar's create_order_items_from_pending): an earlier
    // `prorate` change's lines go on this one if it is invoiced now.
    const lines = plan.kind === "prorated" ? [...sub.pendingProrations, ...plan.lines] : [];
    const total = sum(lines.map((l) => l.amount));
    const settlement = plan.kind === "prorated" && plan.invoiceNow ? settle(total, customer.balances[sub.currency] ?? 0, sub.currency) : null;
    if (settlement && settlement.charge > 0 && this.cardDeclines(customer)) {
      // Polar charges synchronously and raises before committing: nothing else changes.
      this.log(`[polar-emulator] subscription ${sub.id}: the change to ${to.name} was refused, charge of ${settlement.charge} declined`);
      this.changed();
      throw paymentFailed("card_error");
    }

    if (metadata) sub.metadata = { ...metadata };
    sub.pendingUpdate = null;
    sub.productId = to.id;
    sub.amount = to.priceAmount;
    sub.recurringInterval = to.recurringInterval ?? sub.recurringInterval;
    sub.currentPeriodStart = plan.period.start.toISOString();
    sub.currentPeriodEnd = plan.period.end.toISOString();
    this.log(`[polar-emulator] subscription ${sub.id}: changed to ${to.name} (${behavior})`);

    if (plan.kind === "trial") {
      sub.trialEnd = sub.currentPeriodEnd = (plan.trialEnd ?? at).toISOString();
      if (plan.trialEnd) this.emitUpdated(sub);
      else this.renewSubscription(sub);
      return;
    }
    sub.anchorDay = plan.anchorDay;
    if (!settlement) {
      sub.pendingProrations.push(...plan.lines);
      this.emitUpdated(sub);
      return;
    }

    customer.balances[sub.currency] = settlement.balanceAfter;
    sub.pendingProrations = [];
    this.touch(sub);
    const order = this.newOrder({
      status: "pending",
      customerId: sub.customerId,
      productId: to.id,
      checkoutId: null,
      subscriptionId: sub.id,
      billingReason: "subscription_update",
      amount: total,
      currency: sub.currency,
      trialPeriod: null,
      metadata: { ...sub.metadata },
      items: lines.map((line) => ({ ...line, id: newId() })),
      appliedBalanceAmount: settlement.applied,
      createdAt: at.toISOString(),
    });
    this.emitOrder("order.created", order);
    const pay = () => {
      order.status = "paid";
      this.emitOrder("order.updated", this.touch(order));
      this.emitOrder("order.paid", this.touch(order));
    };
    if (settlement.charge === 0) {
      // Nothing to charge (a credit, or the balance covers it): paid before the request ends.
      pay();
      this.emitUpdated(sub);
    } else {
      // The charge is confirmed by Stripe's webhook, handled after the request's own events.
      this.emitUpdated(sub);
      pay();
    }
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
   * pausing). Nothing happens until the period ends (renewSubscription); `resumes_at`, when
   * given, must be after it.
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
   * The period of a subscription set to pause ends (Polar's `cycle`): it becomes `paused`, the
   * period stays where it was, no order. `subscription.updated`, `subscription.paused`,
   * `customer.state_changed` (a paused subscription is not active: the state lists none).
   */
  private pauseNow(sub: SubscriptionRecord): void {
    sub.status = "paused";
    sub.pausedAt = isoNow();
    sub.pauseAtPeriodEnd = false;
    this.touch(sub);
    this.emitSubscription("subscription.updated", sub);
    this.emitSubscription("subscription.paused", sub);
    this.emitState(sub.customerId);
    this.log(`[polar-emulator] subscription ${sub.id} paused${sub.resumesAt ? `, resumes ${sub.resumesAt}` : ""}`);
    this.changed();
  }

  /**
   * `resume: true`, or the scheduled resume at `resumes_at` (the emulator's clock does not run:
   * admin and portal bring it forward): Polar's `resume`. A new period starts now, anchored on
   * today, and is charged at once: `subscription.updated`, `subscription.resumed`, then the
   * period's order (billPeriod: paid, or declined and past_due), then `customer.state_changed`.
   */
  resumeSubscription(sub: SubscriptionRecord): OrderRecord {
    if (sub.status !== "paused") throw notPausedSubscription();
    const now = tick();
    sub.status = "active";
    sub.pausedAt = null;
    sub.resumesAt = null;
    sub.anchorDay = now.getUTCDate();
    sub.currentPeriodStart = now.toISOString();
    sub.currentPeriodEnd = nextPeriodEnd(now, sub.recurringInterval, sub.anchorDay).toISOString();
    this.touch(sub);
    this.emitSubscription("subscription.updated", sub);
    this.emitSubscription("subscription.resumed", sub);
    const order = this.billPeriod(sub, false);
    this.emitState(sub.customerId);
    this.log(`[polar-emulator] subscription ${sub.id} resumed to ${sub.currentPeriodEnd}: order ${order.id} ${order.status}`);
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
    const left = refundable(order);
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
    order.status = refundable(order) <= 0 ? "refunded" : "partially_refunded";
    this.touch(order);
    this.emitOrder("order.updated", order);
    this.emitOrder("order.refunded", order);
    this.changed();
    return true;
  }

  /** Resumes a subscription set to cancel at period end: `subscription.updated`, `subscription.uncanceled`. */
  uncancelSubscription(sub: SubscriptionRecord): boolean {
    if (!BILLABLE.has(sub.status) || !sub.cancelAtPeriodEnd) return false;
    sub.cancelAtPeriodEnd = false;
    sub.canceledAt = null;
    sub.endsAt = null;
    sub.customerCancellationReason = null;
    sub.customerCancellationComment = null;
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
