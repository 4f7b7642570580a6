import "server-only";
import { connectDb } from "@/lib/db/connect";
import { formatPrice } from "@/lib/plans/offer";
import { Payment, type PaymentStatus } from "@/models/Payment";
import { Product } from "@/models/Product";
import { Subscription } from "@/models/Subscription";
import { subscriptionStanding, type SubscriptionStanding } from "@/lib/billing/rules";
import { factsHere } from "@/lib/billing/environment";
import { accessPolicy, subscriptionState } from "@/lib/billing/stored-state";
import { pickLive, type LiveSubscription } from "@/lib/plan-changes/subscriber";

export interface PaymentRow {
  id: string;
  date: Date;
  product: string;
  amount: string;
  status: PaymentStatus;
  /** Why Polar billed it: a purchase (or a subscription's first order), a renewal, or a plan change's proration. */
  reason: "purchase" | "renewal" | "plan-change";
  /** The refunded part of a payment still completed (a partial refund), formatted; null if none. */
  partiallyRefunded: string | null;
}

/**
 * Polar's billing_reason as the history says it. A payment stored before the reason was kept
 * falls back to its key: an order with no checkout was a renewal (lib/billing/facts.ts).
 */
export function billingKind(billingReason: string | null, checkoutId: string): PaymentRow["reason"] {
  if (billingReason === "subscription_update") return "plan-change";
  if (billingReason === "subscription_cycle") return "renewal";
  if (billingReason) return "purchase";
  return checkoutId.startsWith("order:") ? "renewal" : "purchase";
}

/** The user's payment history, newest first: this Polar environment's payments only. */
export async function listPayments(email: string): Promise<PaymentRow[]> {
  await connectDb();
  const payments = await Payment.find({ customerEmail: email, ...factsHere() }).sort({ createdAt: -1 }).limit(100).lean();
  const ids = [...new Set(payments.map((p) => p.productId).filter((id): id is string => !!id))];
  const names = new Map((await Product.find({ polarProductId: { $in: ids } }, { polarProductId: 1, name: 1 }).lean()).map((p) => [p.polarProductId, p.name]));
  return payments.map((p) => ({
    id: String(p._id),
    date: p.createdAt,
    product: (p.productId && names.get(p.productId)) || "—",
    amount: formatPrice(p.amount ?? null, p.currency ?? null),
    status: p.status,
    reason: billingKind(p.billingReason ?? null, p.checkoutId),
    partiallyRefunded: p.status === "completed" && (p.refundedAmount ?? 0) > 0 ? formatPrice(p.refundedAmount ?? 0, p.currency ?? null) : null,
  }));
}

/**
 * What the account page says about the user's subscription (renews, ends, in grace) and the live
 * one its controls change, from one read of the user's subscriptions.
 */
export async function accountSubscription(email: string, now = new Date()): Promise<{ standing: SubscriptionStanding | null; live: LiveSubscription | null }> {
  await connectDb();
  const subs = await Subscription.find({ customerEmail: email, ...factsHere() }).lean();
  return { standing: subscriptionStanding(subs.map(subscriptionState), now, accessPolicy()), live: pickLive(subs) };
}
