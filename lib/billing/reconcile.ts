import "server-only";
import { ResourceNotFound } from "@polar-sh/sdk/models/errors/resourcenotfound";
import type { Types } from "mongoose";
import { polar } from "@/lib/polar/client";
import { customersGetStateExternal } from "@polar-sh/sdk/funcs/customersGetStateExternal.js";
import type { CustomerState } from "@polar-sh/sdk/models/components/customerstate";
import { ordersGet } from "@polar-sh/sdk/funcs/ordersGet.js";
import { subscriptionsGet } from "@polar-sh/sdk/funcs/subscriptionsGet.js";
import { unwrapAsync } from "@polar-sh/sdk/types/fp.js";
import { Payment } from "@/models/Payment";
import { Subscription } from "@/models/Subscription";
import { FREE_PLAN, User } from "@/models/User";
import { recordDrift } from "./drift";
import { paymentFromOrder, productFact, subscriptionsDisagreeing, type HeldSubscription, type StateSubscription } from "./facts";
import { recordPolarSubscription, syncCheckoutFromPolar } from "./pull-sync";
import { factsHere, usersHere } from "./environment";
import { fairPick } from "./reconcile-pick";
import { endLostSubscription, recomputePlanOf, recordPayment, recordProduct } from "./store";

/**
 * Compares users with Polar and repairs what drifted, through the same lib/billing writes the
 * webhooks use. Drift is what a lost event leaves behind: a revocation never delivered keeps a
 * user on Pro, a renewal never delivered ends a paying user's period, a refund never delivered
 * keeps a one-time purchase granting. Each user costs one Customer State call, plus one call
 * per fact that disagrees or that the state cannot vouch for (one-time orders). Only users and
 * facts of this deployment's Polar environment: another's (a preview's sandbox payment in a
 * shared database) are never asked about, so this Polar never answers 404 for them.
 */

/** Users whose facts changed this recently are checked even on Free (a payment in flight). */
const RECENT_MS = 7 * 86_400_000;
/** A checkout still pending this long after it was opened is asked about. */
const PENDING_AFTER_MS = 10 * 60_000;

interface Candidate {
  _id: Types.ObjectId;
  email: string;
}

/**
 * Flagged users (Polar's state disagreed), then recently active ones (a payment in flight), then
 * paid users, each least recently reconciled first, shared fairly (fairPick): a run never spends
 * all its slots on one tier while another waits.
 */
export async function reconcileCandidates(limit: number, now: Date): Promise<Candidate[]> {
  const fields = { email: 1 } as const;
  // Flags, recent changes and plans another environment wrote are that environment's.
  const mine = usersHere();
  const tiers = await Promise.all([
    User.find({ reconcileRequestedAt: { $ne: null }, ...mine }, fields).sort({ reconcileRequestedAt: 1 }).limit(limit).lean(),
    User.find({ factsChangedAt: { $gte: new Date(now.getTime() - RECENT_MS) }, ...mine }, fields).sort({ reconciledAt: 1 }).limit(limit).lean(),
    User.find({ subscriptionStatus: { $ne: FREE_PLAN }, ...mine }, fields).sort({ reconciledAt: 1 }).limit(limit).lean(),
  ]);
  return fairPick(tiers, limit);
}

/**
 * The subscriptions Polar says are active for this external id, and whether Polar knows the
 * customer at all (an unknown customer has none).
 */
async function activeAtPolar(email: string): Promise<{ known: boolean; subscriptions: StateSubscription[]; state: CustomerState | null }> {
  try {
    const state = await unwrapAsync(customersGetStateExternal(polar(), { externalId: email }));
    return { known: true, subscriptions: state.activeSubscriptions, state };
  } catch (error) {
    if (error instanceof ResourceNotFound) return { known: false, subscriptions: [], state: null };
    throw error;
  }
}

/**
 * What else the app keeps from a customer state the reconciler fetched (lib/usage: grants and
 * meters), given by the caller so billing does not depend on usage.
 */
export type StateListener = (state: CustomerState, asOf: Date) => Promise<void>;

/** What else the caller compares with Polar for each user checked (lib/teams: the teams they own or sit in). */
export type UserListener = (email: string) => Promise<void>;

const grantingStatuses = new Set(["active", "trialing", "past_due"]);
/** Ours says it may grant, so Polar not listing it as active needs a look: revoked, past due, or ended. */
const mayStillGrant = (s: HeldSubscription) => grantingStatuses.has(s.status) || (s.status === "canceled" && !s.endedAt);

async function pullSubscription(id: string, customerKnown: boolean): Promise<void> {
  try {
    await recordPolarSubscription(await unwrapAsync(subscriptionsGet(polar(), { id })));
  } catch (error) {
    // Not at this Polar, whose customer it is: ended here, instead of failing this user's check
    // on every run. When Polar does not know the customer either (a token of another
    // organization or server answers 404 to everything), nothing is ended: the check fails, and
    // says so, until the configuration is right.
    if (error instanceof ResourceNotFound && customerKnown) return endLostSubscription(id);
    throw error;
  }
}

async function pullOrder(id: string): Promise<void> {
  const order = await unwrapAsync(ordersGet(polar(), { id }));
  if (order.product) await recordProduct(productFact(order.product));
  const fact = paymentFromOrder(order);
  if (fact) await recordPayment(fact);
}

type Snapshot = Map<string, string>;

async function snapshot(email: string): Promise<{ plan: string; facts: Snapshot }> {
  const here = factsHere();
  const [user, subs, payments] = await Promise.all([
    User.findOne({ email }, { subscriptionStatus: 1 }).lean(),
    Subscription.find({ customerEmail: email, ...here }, { polarSubscriptionId: 1, productId: 1, pendingProductId: 1, status: 1, currentPeriodEnd: 1 }).lean(),
    Payment.find({ customerEmail: email, ...here }, { checkoutId: 1, status: 1 }).lean(),
  ]);
  const facts: Snapshot = new Map();
  for (const s of subs) {
    const switching = s.pendingProductId ? `, switching to ${s.pendingProductId}` : "";
    facts.set(`subscription:${s.polarSubscriptionId}`, `${s.status} ${s.productId ?? "-"} to ${s.currentPeriodEnd?.toISOString() ?? "-"}${switching}`);
  }
  for (const p of payments) facts.set(`payment:${p.checkoutId}`, p.status);
  return { plan: user?.subscriptionStatus ?? "free", facts };
}

/** Compares one user with Polar, repairs, and returns how many facts (or the plan alone) changed. */
export async function reconcileUser(user: Candidate, now = new Date(), onState?: StateListener, onUser?: UserListener): Promise<number> {
  const { email } = user;
  const started = new Date();
  const before = await snapshot(email);
  const here = factsHere();
  const [atPolar, ours, payments] = await Promise.all([
    activeAtPolar(email),
    Subscription.find({ customerEmail: email, ...here }).lean(),
    Payment.find({ customerEmail: email, ...here }, { checkoutId: 1, status: 1, plan: 1, createdAt: 1, metadata: 1 }).lean(),
  ]);

  if (atPolar.state) await onState?.(atPolar.state, started);
  for (const id of subscriptionsDisagreeing(atPolar.subscriptions, ours, mayStillGrant)) await pullSubscription(id, atPolar.known);

  for (const p of payments) {
    const orderId = p.metadata?.order_id;
    // A one-time purchase that grants: the state lists no orders, so the order itself is asked (a lost refund).
    if (p.status === "completed" && p.plan && p.plan !== "none" && orderId) await pullOrder(orderId);
    // A checkout left pending: paid with its events lost, or abandoned.
    else if (p.status === "pending" && !p.checkoutId.startsWith("order:") && now.getTime() - p.createdAt.getTime() > PENDING_AFTER_MS) {
      await syncCheckoutFromPolar(p.checkoutId, email);
    }
  }
  await onUser?.(email);
  // Time alone may have moved the plan (a period ended): recomputed whatever was pulled.
  await recomputePlanOf(email);

  const after = await snapshot(email);
  let repaired = 0;
  for (const [subject, state] of after.facts) {
    const was = before.facts.get(subject) ?? "absent";
    if (was === state) continue;
    const [kind = "fact", id = subject] = subject.split(/:(.*)/s);
    await recordDrift({ userId: user._id, kind, subject: id, before: was, after: state, planBefore: before.plan, planAfter: after.plan });
    repaired++;
  }
  if (repaired === 0 && before.plan !== after.plan) {
    await recordDrift({ userId: user._id, kind: "plan", subject: "plan", before: before.plan, after: after.plan, planBefore: before.plan, planAfter: after.plan });
    repaired++;
  }
  await User.updateOne({ email }, { $set: { reconciledAt: now } });
  // The flag is cleared only if no newer disagreement arrived while this user was compared.
  await User.updateOne({ email, reconcileRequestedAt: { $lte: started } }, { $set: { reconcileRequestedAt: null } });
  return repaired;
}

export interface ReconcileCounts {
  checked: number;
  repaired: number;
  errors: number;
}

/** Reconciles up to `limit` users, stopping at `deadline`; a user whose check fails is retried next run. */
export async function reconcileUsers(opts: { limit: number; deadline: number; onState?: StateListener; onUser?: UserListener }): Promise<ReconcileCounts> {
  const counts: ReconcileCounts = { checked: 0, repaired: 0, errors: 0 };
  const now = new Date();
  for (const user of await reconcileCandidates(opts.limit, now)) {
    if (Date.now() >= opts.deadline) break;
    try {
      counts.repaired += await reconcileUser(user, now, opts.onState, opts.onUser);
      counts.checked++;
    } catch (error) {
      counts.errors++;
      console.warn(`[reconcile] user ${String(user._id)}: ${error instanceof Error ? error.name : "error"}`);
    }
  }
  return counts;
}

/** Users whose stored plan has reached its end date: recomputed from their facts. */
export async function recomputeDuePlans(opts: { limit: number; deadline: number }): Promise<number> {
  const due = await User.find({ planUntil: { $lte: new Date() }, ...usersHere() }, { email: 1 }).limit(opts.limit).lean();
  let done = 0;
  for (const u of due) {
    if (Date.now() >= opts.deadline) break;
    await recomputePlanOf(u.email);
    done++;
  }
  return done;
}
