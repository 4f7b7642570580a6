import type { Checkout } from "@polar-sh/sdk/models/components/checkout";
import type { Order } from "@polar-sh/sdk/models/components/order";
import type { Product as PolarProduct } from "@polar-sh/sdk/models/components/product";
import type { OrderProduct } from "@polar-sh/sdk/models/components/orderproduct";
import type { Subscription as PolarSubscription } from "@polar-sh/sdk/models/components/subscription";
import type { PaymentStatus } from "@/models/Payment";

/**
 * Pure translation of Polar's objects into the facts our models store. No I/O here: every
 * function is a plain mapping, tested on its own.
 */

/** Our user key: the email we send as `externalCustomerId`, falling back to the customer's email. */
export function identityOf(externalId: string | null | undefined, email: string | null | undefined): string | null {
  const id = (externalId ?? email ?? "").trim().toLowerCase();
  return id === "" ? null : id;
}

/** A renewal order has no checkout; its payment is keyed by the order so the unique index never holds null. */
export function paymentKeyForOrder(order: Pick<Order, "id" | "checkoutId">): string {
  return order.checkoutId ?? `order:${order.id}`;
}

export interface PaymentFact {
  checkoutId: string;
  email: string;
  status: PaymentStatus;
  productId: string | null;
  amount: number | null;
  currency: string | null;
  orderId: string | null;
  polarCustomerId: string | null;
  /** How much of the order was refunded (cents); null: not known from this object (a checkout). */
  refundedAmount: number | null;
  /** The order's billing_reason (a renewal, a plan change's proration...); null for a checkout. */
  billingReason: string | null;
}

const checkoutStatusToPayment: Record<string, PaymentStatus> = {
  open: "pending",
  confirmed: "pending",
  // The checkout succeeded but the plan waits for the paid order, which is the proof of payment.
  succeeded: "pending",
  failed: "failed",
  expired: "expired",
};

export function paymentFromCheckout(checkout: Checkout): PaymentFact | null {
  const email = identityOf(checkout.externalCustomerId, checkout.customerEmail);
  if (!email) return null; // an anonymous checkout cannot belong to any user yet
  return {
    checkoutId: checkout.id,
    email,
    status: checkoutStatusToPayment[checkout.status] ?? "pending",
    productId: checkout.productId ?? null,
    // A trial charges nothing at checkout (Polar's order is $0) while the checkout's amounts stay
    // the recurring price; recording that price would show a charge that never happened.
    amount: checkout.trialEnd ? 0 : (checkout.totalAmount ?? checkout.amount),
    currency: checkout.currency.toUpperCase(),
    orderId: null,
    polarCustomerId: checkout.customerId ?? null,
    refundedAmount: null,
    billingReason: null,
  };
}

export function paymentFromOrder(order: Order): PaymentFact | null {
  const email = identityOf(order.customer.externalId, order.customer.email);
  if (!email) return null;
  return {
    checkoutId: paymentKeyForOrder(order),
    email,
    status: orderPaymentStatus(order),
    productId: order.productId ?? null,
    amount: order.totalAmount,
    currency: order.currency.toUpperCase(),
    orderId: order.id,
    polarCustomerId: order.customerId,
    refundedAmount: order.refundedAmount,
    billingReason: order.billingReason,
  };
}

function orderPaymentStatus(order: Order): PaymentStatus {
  if (order.status === "refunded") return "refunded";
  // A partial refund keeps what was bought; `paid` is Polar's own flag for "payment received".
  if (order.status === "paid" || order.status === "partially_refunded" || order.paid) return "completed";
  if (order.status === "void") return "failed";
  return "pending";
}

export interface SubscriptionFact {
  polarSubscriptionId: string;
  email: string;
  productId: string;
  status: string;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  endedAt: Date | null;
  polarModifiedAt: Date;
  polarCustomerId: string;
  amount: number;
  currency: string;
  recurringInterval: string;
  pendingProductId: string | null;
  pendingAppliesAt: Date | null;
  pauseAtPeriodEnd: boolean;
  pausedAt: Date | null;
  resumesAt: Date | null;
  /** The seats bought, for a seat-based subscription; null for any other (it grants its customer directly). */
  seats: number | null;
}

export function subscriptionFact(sub: PolarSubscription): SubscriptionFact | null {
  const email = identityOf(sub.customer.externalId, sub.customer.email);
  if (!email) return null;
  return {
    polarSubscriptionId: sub.id,
    email,
    productId: sub.productId,
    status: sub.status,
    currentPeriodStart: sub.currentPeriodStart ?? null,
    currentPeriodEnd: sub.currentPeriodEnd ?? null,
    cancelAtPeriodEnd: sub.cancelAtPeriodEnd,
    endedAt: sub.endedAt ?? null,
    polarModifiedAt: sub.modifiedAt ?? sub.createdAt,
    polarCustomerId: sub.customerId,
    amount: sub.amount,
    currency: sub.currency.toUpperCase(),
    recurringInterval: sub.recurringInterval,
    // A pending seats-only change keeps the product: only a product switch is a plan change.
    pendingProductId: sub.pendingUpdate?.productId ?? null,
    pendingAppliesAt: sub.pendingUpdate?.productId ? sub.pendingUpdate.appliesAt : null,
    pauseAtPeriodEnd: sub.pauseAtPeriodEnd,
    pausedAt: sub.pausedAt ?? null,
    resumesAt: sub.resumesAt ?? null,
    seats: sub.seats ?? null,
  };
}

/** One of Polar's seat tiers (ProductPriceSeatTier): a price per seat up to `maxSeats`. */
export interface SeatTier {
  minSeats: number;
  /** null: no upper bound. */
  maxSeats: number | null;
  pricePerSeat: number;
}

/** A seat-based price as a product carries it (Polar's ProductPriceSeatBased `seat_tiers`; priced by lib/teams/rules.ts). */
export interface SeatPricing {
  currency: string;
  /** "volume": every seat at the rate of the tier the count falls in; "graduated": each tier's seats at its own rate. */
  tierType: "volume" | "graduated";
  tiers: SeatTier[];
  minSeats: number;
  /** null: no maximum (Polar still caps a subscription at 1,000 seats). */
  maxSeats: number | null;
}

export interface ProductFact {
  polarProductId: string;
  name: string;
  description: string | null;
  plan: string | null;
  rank: number;
  priceAmount: number | null;
  priceCurrency: string | null;
  recurringInterval: string | null;
  trialInterval: string | null;
  trialIntervalCount: number | null;
  isArchived: boolean;
  /** The meters a metered price of the product bills (usage past a plan's credits, charged at renewal). */
  meteredMeterIds: string[];
  /** A seat-based price's tiers and bounds; null for a product sold to one person. */
  seatPricing: SeatPricing | null;
  polarModifiedAt: Date;
}

type ProductLike = Pick<
  PolarProduct | OrderProduct,
  "id" | "name" | "description" | "metadata" | "recurringInterval" | "trialInterval" | "trialIntervalCount" | "isArchived" | "modifiedAt" | "createdAt"
> & { prices?: PolarProduct["prices"] };

export function productFact(product: ProductLike): ProductFact {
  const price = product.prices?.find((p) => !p.isArchived && "priceAmount" in p);
  const seatPricing = seatPricingOf(product.prices ?? []);
  const plan = product.metadata?.plan;
  return {
    polarProductId: product.id,
    name: product.name,
    description: product.description ?? null,
    plan: typeof plan === "string" && plan.trim() !== "" ? plan.trim().toLowerCase() : null,
    rank: tierRank(product.metadata?.rank),
    priceAmount: price && "priceAmount" in price ? price.priceAmount : null,
    priceCurrency: price && "priceCurrency" in price ? price.priceCurrency.toUpperCase() : (seatPricing?.currency ?? null),
    recurringInterval: product.recurringInterval ?? null,
    trialInterval: product.trialInterval ?? null,
    trialIntervalCount: product.trialIntervalCount ?? null,
    isArchived: product.isArchived,
    meteredMeterIds: (product.prices ?? []).flatMap((p) => (!p.isArchived && p.amountType === "metered_unit" ? [p.meterId] : [])),
    seatPricing,
    polarModifiedAt: product.modifiedAt ?? product.createdAt,
  };
}

/** The product's live seat-based price as the team rules read it (Polar's `seat_tiers`). */
function seatPricingOf(prices: NonNullable<PolarProduct["prices"]>): SeatPricing | null {
  const price = prices.find((p) => !p.isArchived && p.amountType === "seat_based");
  if (!price || !("seatTiers" in price)) return null;
  const { seatTiers } = price;
  return {
    currency: price.priceCurrency.toUpperCase(),
    tierType: seatTiers.seatTierType === "graduated" ? "graduated" : "volume",
    tiers: seatTiers.tiers.map((t) => ({ minSeats: t.minSeats, maxSeats: t.maxSeats ?? null, pricePerSeat: t.pricePerSeat })),
    minSeats: seatTiers.minimumSeats,
    maxSeats: seatTiers.maximumSeats,
  };
}

/**
 * A product's metadata `rank`: a number, or a string of one (Polar's dashboard stores what is
 * typed); anything else, or none, ranks 1 (a catalogue with one tier needs no rank).
 */
export function tierRank(raw: unknown): number {
  const n = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : Number.NaN;
  return Number.isFinite(n) && n > 0 ? n : 1;
}

/** A subscription as `customer.state_changed` (and the Customer State API) lists it. */
export interface StateSubscription {
  id: string;
  productId: string;
  modifiedAt: Date | null;
  status: string;
  currentPeriodEnd: Date | null | undefined;
  cancelAtPeriodEnd: boolean;
}

/** A subscription as we hold it. */
export interface HeldSubscription {
  polarSubscriptionId: string;
  productId?: string | null;
  polarModifiedAt?: Date | null;
  status: string;
  currentPeriodEnd?: Date | null;
  cancelAtPeriodEnd: boolean;
  endedAt?: Date | null;
}

const sameTime = (a: Date | null | undefined, b: Date | null | undefined) => (a?.getTime() ?? null) === (b?.getTime() ?? null);

const activeHere = (s: HeldSubscription) => s.status === "active" || s.status === "trialing";

/**
 * The subscriptions on which Polar's customer state (its whole current state: only `active` and
 * `trialing` subscriptions are listed) and ours disagree: one it lists that we hold otherwise
 * (status, product, period end or cancel_at_period_end, or modified after ours), or one it does not list that `unlistedMatters`
 * picks: by default one we hold as active or trialing (a past_due one missing from the state is
 * expected: not active at Polar); the reconciler, which must confirm every subscription that may
 * still grant, passes its own.
 */
export function subscriptionsDisagreeing(
  state: readonly StateSubscription[],
  ours: readonly HeldSubscription[],
  unlistedMatters: (s: HeldSubscription) => boolean = activeHere,
): string[] {
  const out = new Set<string>();
  for (const theirs of state) {
    const mine = ours.find((s) => s.polarSubscriptionId === theirs.id);
    const agrees =
      mine !== undefined &&
      mine.status === theirs.status &&
      mine.productId === theirs.productId &&
      // The state does not carry every field (a scheduled switch or pause): a change of it newer
      // than ours is enough to pull the subscription.
      !(theirs.modifiedAt && (!mine.polarModifiedAt || theirs.modifiedAt > mine.polarModifiedAt)) &&
      mine.cancelAtPeriodEnd === theirs.cancelAtPeriodEnd &&
      sameTime(mine.currentPeriodEnd, theirs.currentPeriodEnd);
    if (!agrees) out.add(theirs.id);
  }
  const listed = new Set(state.map((s) => s.id));
  for (const s of ours) if (!listed.has(s.polarSubscriptionId) && unlistedMatters(s)) out.add(s.polarSubscriptionId);
  return [...out];
}
