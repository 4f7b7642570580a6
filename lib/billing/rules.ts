import { ofEnvironment, type PolarEnvironment } from "@/lib/polar/environment";
import { PAYMENT_STATUSES, type PaymentStatus } from "@/models/Payment";
import { FREE_PLAN, type Plan } from "@/models/User";

/**
 * The business rules, pure: how statuses may move and which facts grant which plan. A fact of
 * another Polar environment than the deployment's (a sandbox payment in production's database)
 * grants nothing and is never shown as the user's standing.
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
  paused: 3,
  unpaid: 4,
  canceled: 5,
};
export function subscriptionStatusRank(status: string): number {
  return subscriptionRank[status] ?? 0;
}

export interface SubscriptionState {
  /** The Polar environment the fact came from; null or missing: stored before facts recorded it (ours). */
  environment?: string | null;
  status: string;
  cancelAtPeriodEnd: boolean;
  /** Set to pause at the period end: like a cancellation, access runs to the period end. */
  pauseAtPeriodEnd?: boolean;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  endedAt: Date | null;
  /** When a paused subscription resumes by itself (null: when the customer resumes it). */
  resumesAt?: Date | null;
}

export interface AccessPolicy {
  /** How long a past_due subscription keeps its plan after its period started (Polar retries the card meanwhile). */
  graceMs: number;
  /** The deployment's Polar environment: facts of any other grant nothing here. */
  environment: PolarEnvironment;
}

/** The facts of the policy's environment, the only ones the rules look at. */
function ofPolicy<T extends { environment?: string | null }>(facts: readonly T[], policy: AccessPolicy): T[] {
  return facts.filter((f) => ofEnvironment(f.environment, policy.environment));
}

/**
 * An active subscription whose renewal we have not heard of yet keeps its plan this long past
 * its period end: Polar renews a little after the boundary, and its webhook may be late. Past
 * that, a lost renewal or past_due event can no longer keep access (the reconciler pulls the
 * subscription meanwhile).
 */
export const RENEWAL_LEEWAY_MS = 2 * 86_400_000;

/**
 * Until when a subscription grants its plan: `undefined` if it grants nothing now, `null` if no
 * end is known, else the moment it stops. Active and trialing grant to the period end (plus the
 * renewal leeway); a cancellation or a pause at the period end keeps access until the period
 * ends; past_due keeps it for the grace period; paused and revoked (ended) never grant.
 */
export function subscriptionAccessUntil(sub: SubscriptionState, now: Date, policy: AccessPolicy): Date | null | undefined {
  if (!ofEnvironment(sub.environment, policy.environment)) return undefined;
  const until = accessEnd(sub, policy);
  if (until === undefined) return undefined;
  const end = sub.endedAt && (!until || sub.endedAt < until) ? sub.endedAt : until;
  return end && end <= now ? undefined : end;
}

function accessEnd(sub: SubscriptionState, policy: AccessPolicy): Date | null | undefined {
  const periodEnd = sub.currentPeriodEnd;
  switch (sub.status) {
    case "active":
    case "trialing":
      if (sub.cancelAtPeriodEnd || sub.pauseAtPeriodEnd) return periodEnd;
      return periodEnd ? new Date(periodEnd.getTime() + RENEWAL_LEEWAY_MS) : null;
    case "past_due":
      if (policy.graceMs <= 0 || !sub.currentPeriodStart) return undefined;
      return new Date(sub.currentPeriodStart.getTime() + policy.graceMs);
    case "canceled":
      return sub.endedAt || !periodEnd ? undefined : periodEnd;
    default:
      return undefined;
  }
}

export interface PlanFacts {
  /** `plan`: what the payment granted when it completed (fixed then; see store.ts). */
  payments: Array<{ status: PaymentStatus; plan: string | null; environment?: string | null }>;
  subscriptions: Array<SubscriptionState & { plan: string | null }>;
}

/** A plan, its rank, and the moment it stops holding (null: no end known, e.g. a one-time purchase). */
export interface PlanGrant {
  plan: Plan;
  rank: number;
  until: Date | null;
}

/** Each tier's rank, from the catalogue (the products' metadata `rank`); Free is 0. */
export type TierRanks = ReadonlyMap<string, number>;

/** The tiers of a catalogue: a plan sold by several products ranks as the highest of them. */
export function tierRanks(products: ReadonlyArray<{ plan?: string | null; rank?: number | null }>): TierRanks {
  const ranks = new Map<string, number>();
  for (const p of products) if (p.plan) ranks.set(p.plan, Math.max(ranks.get(p.plan) ?? 0, p.rank ?? 1));
  return ranks;
}

const later = (a: Date | null, b: Date | null): Date | null => (a === null || b === null ? null : a > b ? a : b);

/**
 * The user's plan now, and until when it holds: the highest-ranked plan granted by a completed
 * payment or a granting subscription; among the facts granting it, the latest end wins. A plan
 * the catalogue does not rank (a tier since removed from every product) still grants, at rank 1.
 */
export function derivePlan(facts: PlanFacts, now: Date, policy: AccessPolicy, ranks: TierRanks): PlanGrant {
  const grants = new Map<Plan, Date | null>();
  const grant = (plan: string | null, until: Date | null) => {
    if (!plan || plan === FREE_PLAN) return;
    grants.set(plan, grants.has(plan) ? later(grants.get(plan)!, until) : until);
  };
  for (const p of ofPolicy(facts.payments, policy)) if (p.status === "completed") grant(p.plan, null);
  for (const s of ofPolicy(facts.subscriptions, policy)) {
    const until = subscriptionAccessUntil(s, now, policy);
    if (until !== undefined) grant(s.plan, until);
  }
  let best: PlanGrant = { plan: FREE_PLAN, rank: 0, until: null };
  for (const [plan, until] of grants) {
    const rank = ranks.get(plan) ?? 1;
    // Equal ranks: the name decides, so the outcome never depends on the order facts were read.
    if (rank > best.rank || (rank === best.rank && plan < best.plan)) best = { plan, rank, until };
  }
  return best;
}

/**
 * The tiers the app's own features are gated on (`requirePlan` in app/pro and app/api/pro):
 * code names them, so `npm run doctor` checks that Polar sells each. Every other tier is data.
 */
export const GATED_PLANS: readonly Plan[] = ["pro"];

/** A tier's display name: the metadata key with a capital ("business" -> "Business"). */
export function planLabel(plan: Plan): string {
  return plan.charAt(0).toUpperCase() + plan.slice(1);
}

/** The plan a stored grant gives at `now`: the stored plan is a cache, its end date decides. */
export function planAt(stored: { plan: Plan; until: Date | null | undefined }, now: Date): Plan {
  return stored.until && stored.until <= now ? FREE_PLAN : stored.plan;
}

/**
 * The plan a user's stored cache gives at `now` in the environment `here`: a cache derived by a
 * deployment of another Polar environment (one sharing this database) is Free here, whatever it
 * says; null or missing is a cache from before the cache recorded its environment (ours).
 */
export function cachedPlanAt(stored: { plan: Plan; until: Date | null | undefined; environment: string | null | undefined }, now: Date, here: PolarEnvironment): Plan {
  return ofEnvironment(stored.environment, here) ? planAt(stored, now) : FREE_PLAN;
}

/** What the account page says about the user's subscription. */
export type SubscriptionStanding =
  | { kind: "renews"; on: Date }
  | { kind: "trial-ends"; on: Date }
  | { kind: "ends"; on: Date }
  | { kind: "pauses"; on: Date }
  | { kind: "paused"; resumesOn: Date | null }
  | { kind: "grace"; until: Date }
  | { kind: "payment-failed" };

/**
 * The standing of the subscription that grants the latest (or, if none grants, a past_due one):
 * renews at its period end; a trial ends then (while trialing, Polar keeps the period end equal
 * to `trial_end` and converts the trial at it); ends then (canceled at period end, or canceled
 * and not yet ended: a trial canceled this way is never charged); a failed renewal keeps the
 * plan until the grace period's end, or has lost it (no grace). Null when no subscription is
 * worth mentioning.
 */
export function subscriptionStanding(all: readonly SubscriptionState[], now: Date, policy: AccessPolicy): SubscriptionStanding | null {
  const subs = ofPolicy(all, policy);
  let best: { sub: SubscriptionState; until: Date | null } | null = null;
  for (const sub of subs) {
    const until = subscriptionAccessUntil(sub, now, policy);
    if (until === undefined) continue;
    if (!best || (best.until !== null && (until === null || until > best.until))) best = { sub, until };
  }
  if (!best) {
    const paused = subs.find((s) => s.status === "paused" && !s.endedAt);
    if (paused) return { kind: "paused", resumesOn: paused.resumesAt ?? null };
    return subs.some((s) => s.status === "past_due" && !s.endedAt) ? { kind: "payment-failed" } : null;
  }
  const { sub, until } = best;
  if (sub.status === "past_due") return until ? { kind: "grace", until } : { kind: "payment-failed" };
  const end = sub.currentPeriodEnd;
  if (!end) return null;
  if (sub.cancelAtPeriodEnd || sub.status === "canceled") return { kind: "ends", on: end };
  if (sub.pauseAtPeriodEnd) return { kind: "pauses", on: end };
  return sub.status === "trialing" ? { kind: "trial-ends", on: end } : { kind: "renews", on: end };
}
