import type { DeliveryLog } from "../delivery";
import { namedValidationError, validationError, type ValidationIssue } from "../http";
import { ORGANIZATION_POLICY } from "../organization-policy";
import { ALREADY_ACTIVE_SUBSCRIPTION_MESSAGE, alreadyActiveSubscription, notOpenCheckout } from "../polar-errors";
import { newId, secretToken, tick, type CheckoutRecord, type CustomerRecord, type OrderRecord, type ProductRecord, type RecurringInterval, type SubscriptionRecord } from "../store";
import { maximumSeats, minimumSeats } from "../seat-pricing";
import { activeTrial, trialEndFrom } from "../trial";
import type { CheckoutCreateBody, CheckoutUpdateBody } from "../validation";
import type { Customers } from "./customers";
import { touch, type FlowContext } from "./emit";
import type { Orders } from "./orders";
import type { Seats } from "./seats";
import { BILLABLE, type Subscriptions } from "./subscriptions";
import type { Usage } from "./usage";

/**
 * Checkouts: created and updated through the API, expiring after 24 hours (the timers are held
 * here), and paid on the hosted page: the card, the customer, then the order and, for a
 * recurring product, the subscription (paid now, or a free trial started).
 */

const CHECKOUT_TTL_MS = 24 * 60 * 60_000;
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

const seatRefusal = (...detail: ValidationIssue[]) => namedValidationError("PolarRequestValidationError", detail);

/**
 * Polar's `_validate_seat_limits` (server/polar/checkout/service.py): the seat count within the
 * product's tiers, narrowed by the checkout's own `min_seats` / `max_seats`.
 */
function checkSeatLimits(product: ProductRecord, seats: number, checkoutMin: number | null, checkoutMax: number | null): void {
  if (!product.seatTiers) return;
  const min = Math.max(minimumSeats(product.seatTiers), checkoutMin ?? 0);
  const tierMax = maximumSeats(product.seatTiers);
  const max = checkoutMax === null ? tierMax : tierMax === null ? checkoutMax : Math.min(tierMax, checkoutMax);
  if (seats < min) throw seatRefusal({ type: "greater_than_equal", loc: ["body", "seats"], msg: `Minimum ${min} seats required.`, input: seats, ctx: { ge: min } });
  if (max !== null && seats > max) throw seatRefusal({ type: "less_than_equal", loc: ["body", "seats"], msg: `Maximum ${max} seats allowed.`, input: seats, ctx: { le: max } });
}

const seatsOnlyForSeatPricing = (seats: number) =>
  seatRefusal({ type: "value_error", loc: ["body", "seats"], msg: "Seats can only be set for seat-based pricing.", input: seats });

/**
 * A checkout's seats at creation (Polar's `create`): a seat-based product's count defaults to the
 * checkout's `min_seats`, else the tiers' minimum, and must fit both; `min_seats` / `max_seats`
 * must fit the tiers; any of them on a product without seats is a 422.
 */
function seatsAtCreation(product: ProductRecord, body: CheckoutCreateBody): { seats: number | null; minSeats: number | null; maxSeats: number | null } {
  const minSeats = body.min_seats ?? null;
  const maxSeats = body.max_seats ?? null;
  if (!product.seatTiers) {
    const issues: ValidationIssue[] = [];
    if (minSeats !== null) issues.push({ type: "value_error", loc: ["body", "min_seats"], msg: "min_seats can only be set for seat-based pricing.", input: minSeats });
    if (maxSeats !== null) issues.push({ type: "value_error", loc: ["body", "max_seats"], msg: "max_seats can only be set for seat-based pricing.", input: maxSeats });
    if (issues.length) throw seatRefusal(...issues);
    if (body.seats != null) throw seatsOnlyForSeatPricing(body.seats);
    return { seats: null, minSeats, maxSeats };
  }
  const tierMin = minimumSeats(product.seatTiers);
  const tierMax = maximumSeats(product.seatTiers);
  if (minSeats !== null && minSeats < tierMin) {
    throw seatRefusal({ type: "greater_than_equal", loc: ["body", "min_seats"], msg: `min_seats must be at least ${tierMin}.`, input: minSeats, ctx: { ge: tierMin } });
  }
  if (tierMax !== null && maxSeats !== null && maxSeats > tierMax) {
    throw seatRefusal({ type: "less_than_equal", loc: ["body", "max_seats"], msg: `max_seats must be at most ${tierMax}.`, input: maxSeats, ctx: { le: tierMax } });
  }
  const seats = body.seats ?? minSeats ?? tierMin;
  checkSeatLimits(product, seats, minSeats, maxSeats);
  return { seats, minSeats, maxSeats };
}

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

export class Checkouts {
  private readonly expiryTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly fx: FlowContext,
    private readonly customers: Customers,
    private readonly orders: Orders,
    private readonly subscriptions: Subscriptions,
    private readonly usage: Usage,
    private readonly seats: Seats,
  ) {}

  create(body: CheckoutCreateBody): CheckoutRecord {
    const { store } = this.fx;
    body.products.forEach((id, i) => {
      const p = store.products.get(id);
      if (!p || p.isArchived) {
        throw validationError({ type: "value_error", loc: ["body", "products", i], msg: "Product does not exist.", input: id });
      }
    });
    const [productId] = body.products as [string, ...string[]];
    // Polar checks the seats before it looks the customer up.
    const seats = seatsAtCreation(store.products.get(productId)!, body);
    let customer: CustomerRecord | null = null;
    if (body.customer_id) {
      customer = store.customers.get(body.customer_id) ?? null;
      if (!customer) {
        throw validationError({ type: "value_error", loc: ["body", "customer_id"], msg: "Customer does not exist.", input: body.customer_id });
      }
    } else {
      customer = this.customers.linked(body.external_customer_id ?? null, body.customer_email ?? null);
    }
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
      ...seats,
      createdAt: created.toISOString(),
      modifiedAt: null,
      expiresAt: new Date(created.getTime() + CHECKOUT_TTL_MS).toISOString(),
      orderId: null,
      subscriptionId: null,
    };
    this.updateTrialEnd(checkout, created);
    store.checkouts.set(checkout.id, checkout);
    this.fx.emit.checkout("checkout.created", checkout);
    this.armExpiry(checkout);
    this.fx.changed();
    return checkout;
  }

  /**
   * `PATCH /v1/checkouts/{id}`: Polar's `update` of an open checkout (`_update_checkout`): the
   * fields given, worked out on a copy so that a refusal leaves the checkout as it was; an email
   * is ignored once the checkout has a customer; the trial is recomputed; then
   * `checkout.updated`.
   */
  update(checkout: CheckoutRecord, body: CheckoutUpdateBody): CheckoutRecord {
    if (checkout.status === "open" && Date.parse(checkout.expiresAt) <= Date.now()) this.expire(checkout);
    if (checkout.status !== "open") throw notOpenCheckout(checkout.id, checkout.status);
    const next: CheckoutRecord = { ...checkout };
    if (body.product_id != null) {
      const product = this.fx.store.products.get(body.product_id);
      if (!product || !checkout.productIds.includes(product.id)) {
        throw validationError({ type: "value_error", loc: ["body", "product_id"], msg: "Product is not available in this checkout.", input: body.product_id });
      }
      if (product.isArchived) throw validationError({ type: "value_error", loc: ["body", "product_id"], msg: "Product is archived.", input: body.product_id });
      next.productId = product.id;
      // Polar's `_update_price`: the new product's seats, the given count or its minimum.
      if (product.id !== checkout.productId) {
        next.seats = product.seatTiers ? (body.seats ?? minimumSeats(product.seatTiers)) : null;
        if (next.seats !== null) checkSeatLimits(product, next.seats, null, null);
      }
    }
    if (body.seats != null) {
      const product = this.fx.store.products.get(next.productId);
      if (!product?.seatTiers) throw seatsOnlyForSeatPricing(body.seats);
      checkSeatLimits(product, body.seats, checkout.minSeats, checkout.maxSeats);
      next.seats = body.seats;
    }
    if (body.customer_name !== undefined) next.customerName = body.customer_name;
    if (body.customer_email != null && !checkout.customerId) {
      this.customers.linked(checkout.externalCustomerId, body.customer_email);
      next.customerEmail = body.customer_email;
    }
    if (body.metadata) next.metadata = { ...body.metadata };
    if (body.customer_metadata) next.customerMetadata = { ...body.customer_metadata };
    if (body.success_url !== undefined) next.successUrl = body.success_url;
    if (body.return_url !== undefined) next.returnUrl = body.return_url;
    if (this.alreadySubscribed(next, next.customerEmail)) throw alreadyActiveSubscription();
    Object.assign(checkout, next);
    touch(checkout);
    this.updateTrialEnd(checkout, new Date(checkout.modifiedAt ?? checkout.createdAt));
    this.fx.emit.checkout("checkout.updated", checkout);
    this.fx.changed();
    return checkout;
  }

  /**
   * Polar's `_validate_subscription_uniqueness` (server/polar/checkout/service.py), run on every
   * update and confirmation of a checkout: when the organization does not allow multiple
   * subscriptions, a checkout for a recurring product is refused to a customer (the checkout's,
   * else any with its email) who has a billable subscription (active, trialing or past_due).
   */
  private alreadySubscribed(checkout: CheckoutRecord, email: string | null): boolean {
    const { store } = this.fx;
    if (ORGANIZATION_POLICY.allowMultipleSubscriptions) return false;
    if (!store.products.get(checkout.productId)?.recurringInterval) return false;
    const customerIds = new Set<string>();
    if (checkout.customerId) customerIds.add(checkout.customerId);
    else if (email) for (const c of store.customers.values()) if (c.email.toLowerCase() === email.toLowerCase()) customerIds.add(c.id);
    return store.subscriptionsWhere((s) => customerIds.has(s.customerId) && BILLABLE.has(s.status)).length > 0;
  }

  /** Polar sets `trial_end` from the moment of each change to the checkout (creation, confirmation). */
  private updateTrialEnd(checkout: CheckoutRecord, at: Date): void {
    const product = this.fx.store.products.get(checkout.productId);
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
      this.expire(checkout);
      return;
    }
    const timer = setTimeout(() => {
      this.expiryTimers.delete(checkout.id);
      if (due > MAX_TIMER_MS) this.armExpiry(checkout);
      else this.expire(checkout);
    }, Math.min(due, MAX_TIMER_MS));
    timer.unref();
    this.expiryTimers.set(checkout.id, timer);
  }

  /** An open checkout expires: checkout.updated (status expired), then checkout.expired. */
  expire(checkout: CheckoutRecord): boolean {
    const timer = this.expiryTimers.get(checkout.id);
    if (timer) clearTimeout(timer);
    this.expiryTimers.delete(checkout.id);
    if (checkout.status !== "open") return false;
    checkout.status = "expired";
    touch(checkout);
    this.fx.emit.checkout("checkout.updated", checkout);
    this.fx.emit.checkout("checkout.expired", checkout);
    this.fx.log(`[polar-emulator] checkout ${checkout.id} expired`);
    this.fx.changed();
    return true;
  }

  /**
   * The Pay button. Synchronous from the status check to the last event, so two clicks can
   * never both pay: the second one finds the checkout no longer open.
   */
  pay(checkout: CheckoutRecord, cardNumber: string, email: string | null): PayResult {
    if (checkout.status !== "open") return { kind: "not-open", status: checkout.status };
    if (Date.parse(checkout.expiresAt) <= Date.now()) {
      this.expire(checkout);
      return { kind: "not-open", status: checkout.status };
    }
    const digits = cardNumber.replace(/[\s-]/g, "");
    if (!/^\d{12,19}$/.test(digits) || !luhn(digits)) return { kind: "invalid", message: "Your card number is invalid." };
    const customerEmail = checkout.customerEmail ?? email;
    if (!customerEmail || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(customerEmail)) return { kind: "invalid", message: "Enter a valid email address." };
    if (!checkout.customerEmail) {
      try {
        this.customers.linked(checkout.externalCustomerId, customerEmail);
      } catch {
        return { kind: "invalid", message: "This email belongs to another customer." };
      }
    }
    // Polar refuses the confirmation (and any update) of a checkout for a recurring product when
    // the customer already has one: nothing changes, nothing is sent.
    if (this.alreadySubscribed(checkout, customerEmail)) return { kind: "forbidden", message: ALREADY_ACTIVE_SUBSCRIPTION_MESSAGE };
    checkout.customerEmail = customerEmail;

    checkout.status = "confirmed";
    touch(checkout);
    this.updateTrialEnd(checkout, new Date(checkout.modifiedAt ?? checkout.createdAt));
    this.fx.emit.checkout("checkout.updated", checkout);

    const declined = DECLINING_CARDS[digits];
    if (declined) {
      // Polar sends a failed payment back to `open` so the customer can try another card.
      checkout.status = "open";
      touch(checkout);
      this.fx.emit.checkout("checkout.updated", checkout);
      this.fx.changed();
      return { kind: "declined", message: declined };
    }

    const customer = this.customers.forPayment(checkout, customerEmail);
    checkout.customerId = customer.id;
    const product = this.fx.store.products.get(checkout.productId);
    if (!product) throw new Error(`Polar emulator: checkout ${checkout.id} sells unknown product ${checkout.productId}`);

    const interval = product.recurringInterval;
    const { order, subscription } =
      interval && checkout.trialEnd !== null
        ? this.startTrial(checkout, customer.id, product, interval, checkout.trialEnd)
        : this.charge(checkout, customer.id, product);

    checkout.status = "succeeded";
    touch(checkout);
    const successEvent = this.fx.emit.checkout("checkout.updated", checkout);
    const what = subscription?.status === "trialing" ? "started a trial" : "paid";
    this.fx.log(`[polar-emulator] checkout ${checkout.id} ${what} by ${customerEmail}: order ${order.id}${subscription ? `, subscription ${subscription.id}` : ""}`);
    this.fx.changed();
    return { kind: "succeeded", successEvent };
  }

  /**
   * A purchase paid now: one-time, or a subscription's first period. Polar grants the
   * product's benefits in background jobs after the request (one-time: `create_from_checkout_
   * one_time`; a subscription: `create_or_update_from_checkout`, which also resets its metered
   * meters); their `benefit_grant.created` and the state job's `customer.state_changed` are
   * emitted before the checkout's success event, which stays the last of a Pay (the hosted
   * page waits for it).
   */
  private charge(checkout: CheckoutRecord, customerId: string, product: ProductRecord): { order: OrderRecord; subscription: SubscriptionRecord | null } {
    const subscription = product.recurringInterval ? this.subscriptions.create(checkout, customerId, product, product.recurringInterval, null) : null;
    if (subscription) {
      this.fx.emit.subscription("subscription.created", subscription);
      this.teamUpgrade(customerId, product);
      this.usage.meters.resetSubscriptionMeters(subscription);
    }
    const order = this.orders.forCheckout(checkout, customerId, product, subscription);
    if (subscription) {
      this.fx.emit.subscription("subscription.active", touch(subscription));
      this.usage.benefits.syncSubscription(subscription);
      this.buyerSeat(checkout, subscription, product);
      this.fx.emit.customerState(customerId);
    } else if (this.usage.benefits.syncOrder(order)) {
      this.fx.emit.customerState(customerId);
    }
    return { order, subscription };
  }

  /**
   * A trial starts instead of a charge (the card is only saved). Polar's order of events, from
   * its server: the subscription is created `trialing`, which counts as active, so
   * `subscription.active` follows `subscription.created` at once, then the `subscription.updated`
   * Polar sends after every creation (subscription/service.py create_or_update_from_checkout,
   * _after_subscription_created); then a $0 order, created paid (order/service.py
   * create_trial_order); then the grants job (trialing counts as active: the product's
   * benefits are granted for the trial) and the state job.
   */
  private startTrial(
    checkout: CheckoutRecord,
    customerId: string,
    product: ProductRecord,
    interval: RecurringInterval,
    trialEnd: string,
  ): { order: OrderRecord; subscription: SubscriptionRecord } {
    const subscription = this.subscriptions.create(checkout, customerId, product, interval, trialEnd);
    this.fx.emit.subscription("subscription.created", subscription);
    this.fx.emit.subscription("subscription.active", subscription);
    this.fx.emit.subscription("subscription.updated", subscription);
    this.teamUpgrade(customerId, product);
    this.usage.meters.resetSubscriptionMeters(subscription);
    const order = this.orders.forCheckout(checkout, customerId, product, subscription);
    // Trialing counts as active: the benefits are granted for the trial.
    this.usage.benefits.syncSubscription(subscription);
    this.buyerSeat(checkout, subscription, product);
    this.fx.emit.customerState(customerId);
    return { order, subscription };
  }

  /**
   * A seat-based subscription makes its customer a team (`create_or_update_from_checkout` calls
   * `upgrade_to_team` after the subscription's events): `customer.updated` once.
   */
  private teamUpgrade(customerId: string, product: ProductRecord): void {
    const customer = this.fx.store.customers.get(customerId);
    if (customer && product.seatTiers) this.customers.upgradeToTeam(customer);
  }

  /** The buyer's own seat, claimed at once when the checkout has no `success_url` (seats.ts autoClaimBuyer). */
  private buyerSeat(checkout: CheckoutRecord, subscription: SubscriptionRecord, product: ProductRecord): void {
    const customer = this.fx.store.customers.get(subscription.customerId);
    if (customer && product.seatTiers) this.seats.autoClaimBuyer(checkout, subscription, customer);
  }

  /** Clears every expiry timer (stop, reset). */
  stop(): void {
    for (const t of this.expiryTimers.values()) clearTimeout(t);
    this.expiryTimers.clear();
  }
}
