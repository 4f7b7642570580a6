import { randomUUID } from "node:crypto";
import { Webhook } from "standardwebhooks";

/**
 * Polar webhook bodies in Polar's wire format (snake_case JSON), written by hand from Polar's
 * API schema and checked by the SDK's own parser in every test that uses them. They are the
 * independent oracle of the tests and the load harness: nothing here is shared with the emulator.
 */

export const ORG_ID = "b9f7a9d2-3c4e-4f5a-8b6c-7d8e9f0a1b2c";
export const PRO_PRODUCT_ID = "35a2afdc-3dbc-4d68-9e0c-36527c0b48bd";
export const PRO_MONTHLY_PRODUCT_ID = "7c1f0e3a-52a4-4d5e-9b1a-2f7d6c3b8e90";
export const BUSINESS_MONTHLY_PRODUCT_ID = "0b5e8a71-6d2c-4f39-a8e4-51c7d2b9f6a3";
export const TEAM_MONTHLY_PRODUCT_ID = "5e9d3c71-a2b4-4f68-8d1e-6c0b7a3f2e95";

type Json = Record<string, unknown>;
const iso = (d: Date | string) => (typeof d === "string" ? d : d.toISOString());

export interface ProductSpec {
  id: string;
  name: string;
  amount: number;
  recurring?: "month" | "year" | null;
  plan?: string | null;
  /** The tier's rank (metadata `rank`); none: no rank key at all. */
  rank?: number;
  /** A free trial before the first charge (Polar's product trial_interval and _count). */
  trial?: { interval: "day" | "week" | "month" | "year"; count: number };
  /** Sold by the seat (a seat_based price): its volume tiers; `amount` is then what the spec's seats cost. */
  seatTiers?: Array<{ minSeats: number; maxSeats: number | null; pricePerSeat: number }>;
  modifiedAt?: Date;
}

export const proProduct: ProductSpec = { id: PRO_PRODUCT_ID, name: "Pro", amount: 999, plan: "pro" };
export const proMonthlyProduct: ProductSpec = { id: PRO_MONTHLY_PRODUCT_ID, name: "Pro Monthly", amount: 1299, recurring: "month", plan: "pro" };
export const businessMonthlyProduct: ProductSpec = { id: BUSINESS_MONTHLY_PRODUCT_ID, name: "Business Monthly", amount: 4900, recurring: "month", plan: "business", rank: 2 };
/** The emulator's Team: $10 a seat for 2-9 seats, $8 for 10-50; `amount` is 3 seats'. */
export const teamMonthlyProduct: ProductSpec = {
  id: TEAM_MONTHLY_PRODUCT_ID,
  name: "Team",
  amount: 3000,
  recurring: "month",
  plan: "team",
  rank: 1.5,
  seatTiers: [
    { minSeats: 2, maxSeats: 9, pricePerSeat: 1000 },
    { minSeats: 10, maxSeats: 50, pricePerSeat: 800 },
  ],
};

function price(product: ProductSpec): Json {
  const common = {
    created_at: "2026-01-01T00:00:00Z",
    modified_at: null,
    id: `${product.id.slice(0, 8)}-0000-4000-8000-000000000001`,
    source: "catalog",
    price_currency: "usd",
    tax_behavior: null,
    is_archived: false,
    product_id: product.id,
  };
  const { seatTiers } = product;
  if (seatTiers) {
    return {
      ...common,
      amount_type: "seat_based",
      type: "recurring",
      recurring_interval: product.recurring ?? "month",
      seat_tiers: {
        seat_tier_type: "volume",
        tiers: seatTiers.map((t) => ({ min_seats: t.minSeats, max_seats: t.maxSeats, price_per_seat: t.pricePerSeat })),
        minimum_seats: seatTiers[0]!.minSeats,
        maximum_seats: seatTiers.at(-1)!.maxSeats,
      },
    };
  }
  return {
    ...common,
    amount_type: "fixed",
    price_amount: product.amount,
    type: product.recurring ? "recurring" : "one_time",
    recurring_interval: product.recurring ?? null,
  };
}

function productBase(product: ProductSpec): Json {
  return {
    id: product.id,
    created_at: "2026-01-01T00:00:00Z",
    modified_at: iso(product.modifiedAt ?? new Date("2026-01-02T00:00:00Z")),
    trial_interval: product.trial?.interval ?? null,
    trial_interval_count: product.trial?.count ?? null,
    name: product.name,
    description: `${product.name}: everything in Free, and more.`,
    visibility: "public",
    recurring_interval: product.recurring ?? null,
    recurring_interval_count: product.recurring ? 1 : null,
    meter_interval: null,
    meter_interval_count: null,
    is_recurring: Boolean(product.recurring),
    is_archived: false,
    organization_id: ORG_ID,
  };
}

const metadataOf = (product: ProductSpec): Json => ({
  ...(product.plan ? { plan: product.plan } : {}),
  ...(product.rank !== undefined ? { rank: product.rank } : {}),
});

/** A full Product (product.* events, subscription.product). */
export function productWire(product: ProductSpec): Json {
  return { ...productBase(product), metadata: metadataOf(product), prices: [price(product)], benefits: [], medias: [], attached_custom_fields: [] };
}

export interface CheckoutSpec {
  id: string;
  product: ProductSpec;
  status?: "open" | "expired" | "confirmed" | "succeeded" | "failed";
  email: string | null;
  externalCustomerId?: string | null;
  customerId?: string | null;
  /** Set when the checkout starts a trial: then nothing is due now, the amounts stay the price. */
  trialEnd?: Date;
  modifiedAt?: Date;
}

export function checkoutWire(c: CheckoutSpec): Json {
  const checkoutProduct = { ...productBase(c.product), prices: [price(c.product)], benefits: [], medias: [] };
  return {
    id: c.id,
    created_at: "2026-11-26T10:00:00Z",
    modified_at: c.modifiedAt ? iso(c.modifiedAt) : null,
    payment_processor: "stripe",
    status: c.status ?? "open",
    client_secret: `polar_c_${c.id.replace(/-/g, "")}`,
    url: `https://sandbox.polar.sh/checkout/polar_c_${c.id.replace(/-/g, "")}`,
    expires_at: "2026-11-27T10:00:00Z",
    success_url: "http://localhost:3000/confirmation?checkout_id={CHECKOUT_ID}",
    return_url: null,
    embed_origin: null,
    amount: c.product.amount,
    discount_amount: 0,
    net_amount: c.product.amount,
    tax_amount: 0,
    tax_behavior: null,
    total_amount: c.product.amount,
    currency: "usd",
    allow_trial: null,
    active_trial_interval: c.trialEnd ? (c.product.trial?.interval ?? null) : null,
    active_trial_interval_count: c.trialEnd ? (c.product.trial?.count ?? null) : null,
    trial_end: c.trialEnd ? iso(c.trialEnd) : null,
    organization_id: ORG_ID,
    product_id: c.product.id,
    product_price_id: price(c.product).id,
    discount_id: null,
    allow_discount_codes: true,
    require_billing_address: false,
    is_discount_applicable: true,
    is_free_product_price: false,
    is_payment_required: !c.trialEnd,
    is_payment_setup_required: Boolean(c.product.recurring),
    is_payment_form_required: true,
    customer_id: c.customerId ?? null,
    is_business_customer: false,
    customer_name: null,
    customer_email: c.email,
    customer_ip_address: null,
    customer_billing_name: null,
    customer_billing_address: null,
    customer_tax_id: null,
    payment_processor_metadata: {},
    billing_address_fields: { country: "required", state: "optional", city: "optional", postal_code: "optional", line1: "optional", line2: "optional" },
    trial_interval: null,
    trial_interval_count: null,
    metadata: {},
    external_customer_id: c.externalCustomerId === undefined ? c.email : c.externalCustomerId,
    products: [checkoutProduct],
    product: checkoutProduct,
    product_price: price(c.product),
    prices: { [c.product.id]: [price(c.product)] },
    discount: null,
    subscription_id: null,
    attached_custom_fields: [],
    customer_metadata: {},
  };
}

export interface CustomerSpec {
  id: string;
  email: string;
  externalId?: string | null;
  name?: string | null;
}

function customerBase(c: CustomerSpec): Json {
  return {
    id: c.id,
    created_at: "2026-11-26T10:01:00Z",
    modified_at: null,
    metadata: {},
    external_id: c.externalId === undefined ? c.email : c.externalId,
    email: c.email,
    email_verified: true,
    type: "individual",
    name: c.name ?? null,
    billing_name: c.name ?? null,
    billing_address: null,
    tax_id: null,
    organization_id: ORG_ID,
    deleted_at: null,
    avatar_url: "https://www.gravatar.com/avatar/0?d=404",
  };
}

export const customerWire = (c: CustomerSpec): Json => customerBase(c);

export interface OrderSpec {
  id: string;
  checkoutId: string | null;
  product: ProductSpec;
  customer: CustomerSpec;
  status?: "pending" | "paid" | "refunded" | "partially_refunded";
  subscriptionId?: string | null;
  billingReason?: "purchase" | "subscription_create" | "subscription_cycle" | "subscription_update";
  modifiedAt?: Date;
  /** Cents refunded; default: all of it for a refunded order, else 0. */
  refundedAmount?: number;
  /** Default: the product's price. A trial's first order is 0. */
  amount?: number;
}

export function orderWire(o: OrderSpec): Json {
  const status = o.status ?? "paid";
  const amount = o.amount ?? o.product.amount;
  return {
    id: o.id,
    created_at: "2026-11-26T10:02:00Z",
    modified_at: o.modifiedAt ? iso(o.modifiedAt) : null,
    status,
    paid: status !== "pending",
    subtotal_amount: amount,
    discount_amount: 0,
    net_amount: amount,
    tax_amount: 0,
    total_amount: amount,
    applied_balance_amount: 0,
    due_amount: 0,
    refunded_amount: o.refundedAmount ?? (status === "refunded" ? amount : 0),
    refunded_tax_amount: 0,
    refundable_amount: status === "pending" ? 0 : amount - (o.refundedAmount ?? (status === "refunded" ? amount : 0)),
    refundable_tax_amount: 0,
    currency: "usd",
    billing_reason: o.billingReason ?? (o.subscriptionId ? "subscription_create" : "purchase"),
    billing_name: null,
    billing_address: null,
    invoice_number: `INV-${o.id.slice(0, 6)}`,
    is_invoice_generated: false,
    receipt_number: null,
    customer_id: o.customer.id,
    product_id: o.product.id,
    discount_id: null,
    subscription_id: o.subscriptionId ?? null,
    checkout_id: o.checkoutId,
    metadata: {},
    platform_fee_amount: 0,
    platform_fee_currency: null,
    customer: customerBase(o.customer),
    product: { ...productBase(o.product), metadata: metadataOf(o.product) },
    discount: null,
    subscription: null,
    items: [{ created_at: "2026-11-26T10:02:00Z", modified_at: null, id: randomUUID(), label: o.product.name, amount, tax_amount: 0, proration: false, product_price_id: price(o.product).id }],
    description: o.product.name,
  };
}

export interface SubscriptionSpec {
  id: string;
  product: ProductSpec;
  customer: CustomerSpec;
  checkoutId?: string | null;
  status: "incomplete" | "active" | "past_due" | "canceled" | "trialing" | "unpaid" | "paused";
  cancelAtPeriodEnd?: boolean;
  currentPeriodStart?: Date;
  currentPeriodEnd?: Date;
  endedAt?: Date | null;
  trialStart?: Date | null;
  trialEnd?: Date | null;
  modifiedAt: Date;
  /** A switch Polar applies at the next period start (`pending_update`, a next_period downgrade). */
  pendingUpdate?: { productId: string; appliesAt: Date } | null;
  pauseAtPeriodEnd?: boolean;
  pausedAt?: Date | null;
  /** A seat-based subscription's seats. */
  seats?: number;
}

export function subscriptionWire(s: SubscriptionSpec): Json {
  return {
    created_at: "2026-11-26T10:02:00Z",
    modified_at: iso(s.modifiedAt),
    id: s.id,
    amount: s.product.amount,
    currency: "usd",
    recurring_interval: s.product.recurring ?? "month",
    recurring_interval_count: 1,
    status: s.status,
    current_period_start: iso(s.currentPeriodStart ?? new Date(Date.now() - 86_400_000)),
    current_period_end: iso(s.currentPeriodEnd ?? new Date(Date.now() + 30 * 86_400_000)),
    current_meter_period_start: null,
    current_meter_period_end: null,
    trial_start: s.trialStart ? iso(s.trialStart) : null,
    trial_end: s.trialEnd ? iso(s.trialEnd) : null,
    cancel_at_period_end: s.cancelAtPeriodEnd ?? false,
    canceled_at: s.cancelAtPeriodEnd || s.endedAt ? iso(s.modifiedAt) : null,
    started_at: "2026-11-26T10:02:00Z",
    ends_at: s.cancelAtPeriodEnd ? iso(s.currentPeriodEnd ?? new Date(Date.now() + 30 * 86_400_000)) : null,
    ended_at: s.endedAt ? iso(s.endedAt) : null,
    pause_at_period_end: s.pauseAtPeriodEnd ?? false,
    paused_at: s.pausedAt ? iso(s.pausedAt) : null,
    resumes_at: null,
    customer_id: s.customer.id,
    product_id: s.product.id,
    discount_id: null,
    checkout_id: s.checkoutId ?? null,
    customer_cancellation_reason: null,
    customer_cancellation_comment: null,
    metadata: {},
    customer: customerBase(s.customer),
    product: productWire(s.product),
    discount: null,
    prices: [price(s.product)],
    meters: [],
    seats: s.seats ?? null,
    pending_update: s.pendingUpdate
      ? {
          created_at: iso(s.modifiedAt),
          modified_at: null,
          id: randomUUID(),
          applies_at: iso(s.pendingUpdate.appliesAt),
          product_id: s.pendingUpdate.productId,
          seats: null,
        }
      : null,
  };
}

export interface MemberSpec {
  id: string;
  customerId: string;
  email: string;
  role?: "owner" | "billing_manager" | "member";
}

/** A member of a team customer (member.* events, a seat's member): named by our external id, the email. */
export function memberWire(m: MemberSpec): Json {
  return { id: m.id, created_at: "2026-11-26T10:03:00Z", modified_at: null, customer_id: m.customerId, email: m.email, name: null, external_id: m.email, role: m.role ?? "member" };
}

export interface SeatSpec {
  id: string;
  subscriptionId: string;
  member: MemberSpec;
  status: "pending" | "claimed" | "revoked";
  modifiedAt: Date;
}

/** A CustomerSeat (customer_seat.* events): the member model's shape, the billing customer as `customer_id`. */
export function seatWire(s: SeatSpec): Json {
  return {
    created_at: "2026-11-26T10:03:00Z",
    modified_at: iso(s.modifiedAt),
    id: s.id,
    subscription_id: s.subscriptionId,
    order_id: null,
    status: s.status,
    customer_id: s.member.customerId,
    member_id: s.member.id,
    member: memberWire(s.member),
    email: s.member.email,
    customer_email: null,
    invitation_token_expires_at: null,
    claimed_at: s.status === "pending" ? null : iso(s.modifiedAt),
    revoked_at: s.status === "revoked" ? iso(s.modifiedAt) : null,
    seat_metadata: null,
  };
}

/** `customer.state_changed`'s data: the customer and its active (or trialing) subscriptions. */
export function customerStateWire(c: CustomerSpec, subs: SubscriptionSpec[]): Json {
  return {
    ...customerBase(c),
    active_subscriptions: subs.map((s) => {
      const w = subscriptionWire(s);
      const keep = ["id", "created_at", "modified_at", "metadata", "status", "amount", "currency", "recurring_interval", "current_period_start", "current_period_end", "trial_start", "trial_end", "cancel_at_period_end", "canceled_at", "started_at", "ends_at", "product_id", "discount_id"];
      return { ...Object.fromEntries(keep.map((k) => [k, w[k]])), custom_field_data: {}, meters: [] };
    }),
    granted_benefits: [],
    active_meters: [],
  };
}

export interface PolarEventBody {
  type: string;
  timestamp: string;
  data: Json;
}

export function event(type: string, data: Json, timestamp = new Date()): PolarEventBody {
  return { type, timestamp: timestamp.toISOString(), data };
}

export interface Delivery {
  webhookId: string;
  body: string;
  headers: Record<string, string>;
}

/** Signs a body the way Polar does: Standard Webhooks, keyed by the raw UTF-8 bytes of the secret. */
export function sign(body: string, secret: string, webhookId = `msg_${randomUUID()}`, at = new Date()): Delivery {
  const signature = new Webhook(Buffer.from(secret, "utf-8").toString("base64")).sign(webhookId, at, body);
  return {
    webhookId,
    body,
    headers: {
      "webhook-id": webhookId,
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": signature,
      "content-type": "application/json",
    },
  };
}

export const deliver = (e: PolarEventBody, secret: string, webhookId?: string): Delivery => sign(JSON.stringify(e), secret, webhookId);
