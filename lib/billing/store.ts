import "server-only";
import { Types } from "mongoose";
import { Payment } from "@/models/Payment";
import { Product } from "@/models/Product";
import { Seat } from "@/models/Seat";
import { Subscription } from "@/models/Subscription";
import { Team } from "@/models/Team";
import { returnWhole } from "@/lib/db/ferretdb-workarounds";
import { userLockKey, withKeyedLock } from "@/lib/db/keyed-lock";
import { upsertRetrying } from "@/lib/db/write-newer";
import { isErased, isPseudonym } from "@/lib/erasure-tombstones";
import { User } from "@/models/User";
import { writeBillingFields } from "./billing-fields";
import { factsHere, thisEnvironment, usersHere } from "./environment";
import { subscriptionsDisagreeing, type PaymentFact, type ProductFact, type StateSubscription, type SubscriptionFact } from "./facts";
import { derivePlan, paymentStatusCanChangePlan, paymentStatusesBelow, subscriptionStatusRank, tierRanks } from "./rules";
import { allProducts, forgetProducts, productById } from "./products";
import { accessPolicy, subscriptionState } from "./stored-state";

/**
 * Every write of billing facts. Each function is idempotent and order-independent: inserts are
 * upserts on a unique key, updates only move state forward, and the plan is recomputed from
 * the facts afterwards. No multi-document transactions. Writes for one user (or one product) run
 * under a per-key lock (lib/db/ferretdb-workarounds.ts, a). Facts about a deleted account are
 * dropped (lib/erasure-tombstones.ts): Polar still sends events about it, and they must not bring
 * its email back. Every payment and subscription is tagged with this deployment's Polar
 * environment (a webhook reaching it was signed with its secret; a pull asked its Polar), and
 * only facts of this environment decide a plan here.
 */

/**
 * Creates the user if needed, links what we learned, and marks that the user's facts changed.
 * Returns the new facts version, so the plan's recomputation need not read it again; null when
 * the user's billing fields are another environment's and stay so (lib/billing/billing-fields.ts):
 * the fact is stored, and nothing of this user's changes.
 */
async function touchUser(email: string, link: { paymentId?: unknown; polarCustomerId?: string | null }): Promise<number | null> {
  const set: Record<string, unknown> = { factsChangedAt: new Date() };
  if (link.polarCustomerId) set.polarCustomerId = link.polarCustomerId;
  const update = { $inc: { factsVersion: 1 }, $set: set, ...(link.paymentId ? { $addToSet: { payments: link.paymentId } } : {}) };
  return (await writeBillingFields(email, update))?.factsVersion ?? null;
}

/** Marks a payment "grants nothing" once completed; null stays "not fixed yet" (see derive below). */
const NO_PLAN = "none";

/** The plan a payment completing now grants: the product's plan, if it is a one-time product. */
async function planGrantedBy(productId: string | null): Promise<string> {
  if (!productId) return NO_PLAN;
  const product = await productById(productId);
  // A subscription's orders grant nothing on their own: the subscription's state decides.
  return product && !product.recurringInterval && product.plan ? product.plan : NO_PLAN;
}

export async function recordPayment(fact: PaymentFact, extra: { checkoutUrl?: string } = {}): Promise<void> {
  if (await isErased(fact.email)) return;
  const previousOwner = await withKeyedLock(userLockKey(fact.email), () => writePayment(fact, extra));
  if (previousOwner) await recomputePlanOf(previousOwner);
}

/** Returns the payment's previous owner when this fact moved it to another user. */
async function writePayment(fact: PaymentFact, extra: { checkoutUrl?: string }): Promise<string | null> {
  const descriptive: Record<string, unknown> = { "metadata.external_customer_id": fact.email, environment: thisEnvironment() };
  if (fact.productId) descriptive.productId = fact.productId;
  if (fact.amount !== null) descriptive.amount = fact.amount;
  if (fact.currency) descriptive.currency = fact.currency;
  if (fact.orderId) descriptive["metadata.order_id"] = fact.orderId;
  if (fact.billingReason) descriptive.billingReason = fact.billingReason;
  if (extra.checkoutUrl) descriptive.checkoutUrl = extra.checkoutUrl;
  // An order carries its customer as Polar knows it now: the payment follows it.
  if (fact.orderId) descriptive.customerEmail = fact.email;
  const completes = fact.status === "completed";
  const plan = completes ? await planGrantedBy(fact.productId) : null;

  // Our own _id on insert, so the new payment's id is known without reading it back.
  const newId = new Types.ObjectId();
  const insertOnly: Record<string, unknown> = { _id: newId, status: fact.status, ...(plan ? { plan } : {}) };
  if (!fact.orderId) insertOnly.customerEmail = fact.email;
  const before = await upsertRetrying(() =>
    Payment.findOneAndUpdate(
      { checkoutId: fact.checkoutId },
      // Refunds only add up: `$max`, so an older order event arriving late never lowers it.
      { $setOnInsert: insertOnly, $set: descriptive, ...(fact.refundedAmount ? { $max: { refundedAmount: fact.refundedAmount } } : {}) },
      { upsert: true, ...returnWhole("before") },
    ).lean(),
  );
  const below = paymentStatusesBelow(fact.status);
  if (before && below.includes(before.status)) {
    // `plan` is only set by a completing fact, and this write moves the payment into
    // completed: the plan is fixed here, and no later write touches it.
    await Payment.updateOne({ checkoutId: fact.checkoutId, status: { $in: below } }, { $set: { status: fact.status, ...(plan ? { plan } : {}) } });
  }
  const version = await touchUser(fact.email, { paymentId: before?._id ?? newId, polarCustomerId: fact.polarCustomerId });
  // Recomputed whenever this status could matter, even if this event changed nothing: a first
  // attempt may have written the fact and then lost the database before the plan was saved,
  // and the next attempt is what brings the plan up to date. A pending, failed or expired
  // payment cannot change a plan (rules.ts), so checkouts opening skip the work.
  if (version !== null && paymentStatusCanChangePlan(fact.status)) await recomputePlan(fact.email, version);
  const moved = fact.orderId !== null && before !== null && before.customerEmail !== fact.email;
  return moved ? before.customerEmail : null;
}

export async function recordSubscription(fact: SubscriptionFact): Promise<void> {
  if (await isErased(fact.email)) return;
  const previousOwner = await withKeyedLock(userLockKey(fact.email), () => writeSubscription(fact));
  if (previousOwner) await recomputePlanOf(previousOwner);
  // A team's subscription grants through its seats: each member's plan follows its state.
  if (fact.seats !== null) {
    await ensureTeam(fact);
    await recomputeMembersOf(fact.polarSubscriptionId);
  }
}

/**
 * The team a seat-based subscription makes: its buyer owns it and is its billing contact, and is
 * owed a seat of their own (Polar gives the buyer none when the checkout returns to our success
 * URL; lib/teams/manage.ts ensureOwnerSeat assigns it). Inserted once; later facts leave the owner alone
 * (ownership moves only within the app).
 */
async function ensureTeam(fact: SubscriptionFact): Promise<void> {
  await upsertRetrying(() =>
    Team.updateOne(
      { _id: fact.polarSubscriptionId },
      {
        $setOnInsert: {
          ownerEmail: fact.email,
          billingEmail: fact.email,
          polarCustomerId: fact.polarCustomerId,
          ownerSeatWantedSince: new Date(),
          environment: thisEnvironment(),
        },
      },
      { upsert: true },
    ),
  );
}

/** Recomputes the plan of everyone holding a claimed seat of the subscription (its state changed). */
async function recomputeMembersOf(polarSubscriptionId: string): Promise<void> {
  const seats = await Seat.find({ subscriptionId: polarSubscriptionId, status: "claimed" }, { memberEmail: 1 }).lean();
  for (const email of new Set(seats.map((s) => s.memberEmail))) if (email && !isPseudonym(email)) await recordFactsChanged(email);
}

/**
 * A fact that decides this user's plan changed elsewhere (a seat they hold or held): their facts
 * version moves, and the plan is recomputed from all their facts.
 */
export async function recordFactsChanged(email: string): Promise<void> {
  if (await isErased(email)) return;
  await withKeyedLock(userLockKey(email), async () => {
    const version = await touchUser(email, {});
    if (version !== null) await recomputePlan(email, version);
  });
}

/** Returns the subscription's previous owner when these (newer) facts moved it to another user. */
async function writeSubscription(fact: SubscriptionFact): Promise<string | null> {
  const fields = {
    customerEmail: fact.email,
    productId: fact.productId,
    status: fact.status,
    statusRank: subscriptionStatusRank(fact.status),
    currentPeriodStart: fact.currentPeriodStart,
    currentPeriodEnd: fact.currentPeriodEnd,
    cancelAtPeriodEnd: fact.cancelAtPeriodEnd,
    endedAt: fact.endedAt,
    polarModifiedAt: fact.polarModifiedAt,
    amount: fact.amount,
    currency: fact.currency,
    recurringInterval: fact.recurringInterval,
    pendingProductId: fact.pendingProductId,
    pendingAppliesAt: fact.pendingAppliesAt,
    pauseAtPeriodEnd: fact.pauseAtPeriodEnd,
    pausedAt: fact.pausedAt,
    resumesAt: fact.resumesAt,
    seats: fact.seats,
    environment: thisEnvironment(),
  };
  // Newer facts win; an older event arriving late changes nothing. Most events are about a
  // subscription we hold already: one write. A new one gets a second write that inserts it.
  const applyIfNewer = () =>
    Subscription.findOneAndUpdate(
      {
        polarSubscriptionId: fact.polarSubscriptionId,
        $or: [
          { polarModifiedAt: { $lt: fact.polarModifiedAt } },
          { polarModifiedAt: fact.polarModifiedAt, statusRank: { $lte: fields.statusRank } },
        ],
      },
      { $set: fields },
      returnWhole("before"),
    ).lean();
  let before = await applyIfNewer();
  if (!before) {
    const inserted = await upsertRetrying(() =>
      Subscription.updateOne({ polarSubscriptionId: fact.polarSubscriptionId }, { $setOnInsert: fields }, { upsert: true }),
    );
    // Not inserted: it exists, newer than this event, or inserted meanwhile by another
    // instance with older facts; the conditional write settles which.
    if (inserted.upsertedCount === 0) before = await applyIfNewer();
  }
  const version = await touchUser(fact.email, { polarCustomerId: fact.polarCustomerId });
  if (version !== null) await recomputePlan(fact.email, version);
  return before && before.customerEmail !== fact.email ? before.customerEmail : null;
}

export async function recordProduct(fact: ProductFact): Promise<void> {
  const { polarProductId, ...fields } = fact;
  await withKeyedLock(`product:${polarProductId}`, async () => {
    // Most events (every order carries its product) repeat a product we already hold at that
    // version: no write, and usually no read either (this process's copy of the catalogue).
    // The copy only: on a miss the read below is the one lookup (productById would read once more).
    const known = (await allProducts()).find((p) => p.polarProductId === polarProductId);
    if (known?.polarModifiedAt && known.polarModifiedAt >= fact.polarModifiedAt) return;
    const stored = await Product.findOne({ polarProductId }, { polarModifiedAt: 1 }).lean();
    if (stored?.polarModifiedAt && stored.polarModifiedAt >= fact.polarModifiedAt) return;
    if (!stored) await upsertRetrying(() => Product.updateOne({ polarProductId }, { $setOnInsert: fields }, { upsert: true }));
    await Product.updateOne({ polarProductId, polarModifiedAt: { $lte: fact.polarModifiedAt } }, { $set: fields });
    forgetProducts();
  });
}

export async function linkCustomer(email: string, polarCustomerId: string): Promise<void> {
  if (await isErased(email)) return;
  await withKeyedLock(userLockKey(email), () => writeBillingFields(email, { $set: { polarCustomerId } }));
}

/**
 * `customer.state_changed`: when Polar's state of this customer disagrees with our subscriptions,
 * the user is flagged for the reconciler, which visits flagged users first (reconcileCandidates),
 * Free or paid. Returns the disagreeing subscription ids.
 */
export async function flagForReconcileIfDrifted(email: string, state: readonly StateSubscription[]): Promise<string[]> {
  const ours = await Subscription.find(
    { customerEmail: email, ...factsHere() },
    { polarSubscriptionId: 1, productId: 1, polarModifiedAt: 1, status: 1, currentPeriodEnd: 1, cancelAtPeriodEnd: 1 },
  ).lean();
  const drifted = subscriptionsDisagreeing(state, ours);
  if (drifted.length > 0 && !(await isErased(email))) {
    const now = new Date();
    await withKeyedLock(userLockKey(email), () => writeBillingFields(email, { $set: { reconcileRequestedAt: now, factsChangedAt: now } }));
  }
  return drifted;
}

/**
 * Polar answered 404 for a subscription we hold: it does not exist there (deleted, or never of
 * this Polar), so it grants nothing any more. Ended now, as a newer fact than any we hold. Only
 * one of this environment: another's was never this Polar's to know.
 */
export async function endLostSubscription(polarSubscriptionId: string): Promise<void> {
  const held = await Subscription.findOne({ polarSubscriptionId, ...factsHere() }, { customerEmail: 1 }).lean();
  if (!held) return;
  await withKeyedLock(userLockKey(held.customerEmail), async () => {
    const now = new Date();
    await Subscription.updateOne(
      { polarSubscriptionId },
      { $set: { status: "canceled", statusRank: subscriptionStatusRank("canceled"), endedAt: now, polarModifiedAt: now } },
    );
    const version = await touchUser(held.customerEmail, {});
    if (version !== null) await recomputePlan(held.customerEmail, version);
  });
}

export async function unlinkCustomer(polarCustomerId: string): Promise<void> {
  await User.updateMany({ polarCustomerId }, { $set: { polarCustomerId: null } });
}

/** Recomputes one user's plan from the stored facts (the cron's due plans, the reconciler, an owner change). */
export async function recomputePlanOf(email: string): Promise<void> {
  await withKeyedLock(userLockKey(email), () => recomputePlan(email));
}

/**
 * Recomputes `subscriptionStatus` and `planUntil` (callers hold the user's lock) from the
 * user's payments and subscriptions of this environment. Saved only if no fact was written
 * since `factsVersion` (what the caller's own write left); otherwise computed again from the
 * newer facts. A user whose billing fields another environment wrote is left alone: not this
 * environment's cache to write (a fact of ours takes the user over first: billing-fields.ts).
 */
async function recomputePlan(email: string, factsVersion?: number): Promise<void> {
  const policy = accessPolicy();
  const mine = usersHere(policy.environment);
  let version: number | undefined = factsVersion;
  for (let attempt = 0; attempt < 10; attempt++) {
    const now = new Date();
    version ??= (await User.findOne({ email, ...mine }, { factsVersion: 1 }).lean())?.factsVersion;
    if (version === undefined) return; // no such user here: nothing grants anything
    // The catalogue is small: read it whole (or this process's copy), alongside the user's facts.
    const [payments, own, seats, catalogue] = await Promise.all([
      Payment.find({ customerEmail: email }, { status: 1, productId: 1, plan: 1, environment: 1 }).lean(),
      Subscription.find({ customerEmail: email }).lean(),
      Seat.find({ memberEmail: email, status: "claimed" }, { subscriptionId: 1 }).lean(),
      allProducts(),
    ]);
    // A team's subscription grants its plan to the seats' members, not to its buyer as such (the
    // buyer holds a seat like anyone else, lib/teams): the subscriptions behind this user's seats.
    const teamIds = seats.map((s) => s.subscriptionId);
    const teams = teamIds.length > 0 ? await Subscription.find({ polarSubscriptionId: { $in: teamIds } }).lean() : [];
    const products = new Map(catalogue.map((p) => [p.polarProductId, p]));
    // Payments completed before the plan was fixed at completion have none: their product's
    // current plan stands in (one-time products only), as it did when they were applied.
    const legacyPlan = (productId: string | null | undefined) => {
      const product = productId ? products.get(productId) : undefined;
      return product && !product.recurringInterval ? (product.plan ?? null) : null;
    };
    const planOf = (s: { productId?: string | null }) => (s.productId && products.get(s.productId)?.plan) || null;
    const grant = derivePlan(
      {
        // Every fact of the user's, whatever its environment: the rules leave out another's.
        payments: payments.map((p) => ({ status: p.status, environment: p.environment, plan: p.plan === NO_PLAN ? null : (p.plan ?? legacyPlan(p.productId)) })),
        subscriptions: [
          ...own.map((s) => ({ ...subscriptionState(s), plan: s.seats == null ? planOf(s) : null })),
          ...teams.map((s) => ({ ...subscriptionState(s), plan: planOf(s) })),
        ],
      },
      now,
      policy,
      tierRanks(catalogue),
    );
    const saved = await User.updateOne(
      { email, factsVersion: version, ...mine },
      { $set: { subscriptionStatus: grant.plan, planRank: grant.rank, planUntil: grant.until, billingEnvironment: policy.environment } },
    );
    if (saved.matchedCount === 1) return;
    version = undefined; // a fact was written meanwhile: read the new version and compute again
  }
  throw new Error("A user's plan kept changing while it was recomputed");
}
