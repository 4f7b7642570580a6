import { PAYMENT_STATUSES, type PaymentStatus } from "@/models/Payment";
import { PLANS, type Plan } from "@/models/User";

/**
 * The business rules, pure: how statuses may move and which facts grant which plan.
 */

/** pending < failed / expired < completed < refunded: a late event never moves a payment back. */
const paymentRank: Record<PaymentStatus, number> = { pending: 0, failed: 1, expired: 1, completed: 2, refunded: 3 };

/** The statuses a payment may move from to reach `next`. */
export function paymentStatusesBelow(next: PaymentStatus): PaymentStatus[] {
  return PAYMENT_STATUSES.filter((s) => paymentRank[s] < paymentRank[next]);
}

/**
 * Whether writing a payment's status as `next` can change a plan. Only completed payments grant,
 * so only a move into completed (or out of it, to refunded) matters; pending, failed and expired
 * can only replace one another, which no plan depends on.
 */
export function paymentStatusCanChangePlan(next: PaymentStatus): boolean {
  return paymentRank[next] >= paymentRank.completed;
}

/**
 * Polar's subscription statuses in the order they can happen. With equal `modified_at` (two
 * events from one change), the later status wins.
 */
const subscriptionRank: Record<string, number> = {
  incomplete: 0,
  incomplete_expired: 1,
  trialing: 1,
  active: 2,
  past_due: 3,
  unpaid: 4,
  canceled: 5,
};
export function subscriptionStatusRank(status: string): number {
  return subscriptionRank[status] ?? 0;
}

export interface SubscriptionState {
  status: string;
  cancelAtPeriodEnd: boolean;
  currentPeriodEnd: Date | null;
  endedAt: Date | null;
}

/**
 * Active and trialing grant; past_due keeps access while Polar retries the card; a cancellation
 * keeps it until the period ends; revoked (ended) never grants.
 */
export function subscriptionGrants(sub: SubscriptionState, now: Date): boolean {
  if (sub.endedAt && sub.endedAt <= now) return false;
  if (sub.status === "active" || sub.status === "trialing" || sub.status === "past_due") return true;
  if (sub.status === "canceled") return Boolean(sub.currentPeriodEnd && sub.currentPeriodEnd > now && !sub.endedAt);
  return false;
}

export interface PlanFacts {
  payments: Array<{ status: PaymentStatus; plan: string | null }>;
  subscriptions: Array<SubscriptionState & { plan: string | null }>;
}

/** The user's plan: the best plan granted by a completed payment or a granting subscription. */
export function derivePlan(facts: PlanFacts, now: Date): Plan {
  const granted = new Set<string>();
  for (const p of facts.payments) if (p.status === "completed" && p.plan) granted.add(p.plan);
  for (const s of facts.subscriptions) if (s.plan && subscriptionGrants(s, now)) granted.add(s.plan);
  // PLANS is ordered from least to most; the highest granted one wins.
  return [...PLANS].reverse().find((plan) => granted.has(plan)) ?? "free";
}
