import "server-only";
import { Types } from "mongoose";
import { Payment } from "@/models/Payment";
import { Product } from "@/models/Product";
import { Subscription } from "@/models/Subscription";
import { userLockKey, withKeyedLock } from "@/lib/keyed-lock";
import { updateOrCreateUser } from "@/lib/users";
import { User } from "@/models/User";
import type { PaymentFact, ProductFact, SubscriptionFact } from "./facts";
import { derivePlan, paymentStatusCanChangePlan, paymentStatusesBelow, subscriptionStatusRank } from "./rules";

/**
 * Every write of billing facts. Each function is idempotent and order-independent: inserts are
 * upserts on a unique key, updates only move state forward, and the plan is recomputed from
 * the facts afterwards. No multi-document transactions (FerretDB has none). Writes for one user
 * (or one product) run under a per-key lock: see lib/keyed-lock.ts for why FerretDB needs it.
 */

function isDuplicateKey(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === 11000;
}

/** Two concurrent upserts on a new unique key: one inserts, the other gets E11000 and simply retries. */
async function upsertRetrying<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    return write();
  }
}

/**
 * Creates the user if needed, links what we learned, and marks that the user's facts changed.
 * Returns the new facts version, so the plan's recomputation need not read it again.
 */
async function touchUser(email: string, link: { paymentId?: unknown; polarCustomerId?: string | null }): Promise<number> {
  const update: Record<string, unknown> = { $inc: { factsVersion: 1 } };
  if (link.polarCustomerId) update.$set = { polarCustomerId: link.polarCustomerId };
  if (link.paymentId) update.$addToSet = { payments: link.paymentId };
  return (await updateOrCreateUser(email, update)).factsVersion;
}

export async function recordPayment(fact: PaymentFact, extra: { checkoutUrl?: string } = {}): Promise<void> {
  await withKeyedLock(userLockKey(fact.email), () => writePayment(fact, extra));
}

async function writePayment(fact: PaymentFact, extra: { checkoutUrl?: string }): Promise<void> {
  const descriptive: Record<string, unknown> = { "metadata.external_customer_id": fact.email };
  if (fact.productId) descriptive.productId = fact.productId;
  if (fact.amount !== null) descriptive.amount = fact.amount;
  if (fact.currency) descriptive.currency = fact.currency;
  if (fact.orderId) descriptive["metadata.order_id"] = fact.orderId;
  if (extra.checkoutUrl) descriptive.checkoutUrl = extra.checkoutUrl;

  // Our own _id on insert, so the new payment's id is known without reading it back.
  const newId = new Types.ObjectId();
  const before = await upsertRetrying(() =>
    Payment.findOneAndUpdate(
      { checkoutId: fact.checkoutId },
      { $setOnInsert: { _id: newId, customerEmail: fact.email, status: fact.status }, $set: descriptive },
      // No projection: FerretDB's findAndModify does not implement `fields`.
      { upsert: true, returnDocument: "before" },
    ).lean(),
  );
  const below = paymentStatusesBelow(fact.status);
  if (before && below.includes(before.status)) {
    await Payment.updateOne({ checkoutId: fact.checkoutId, status: { $in: below } }, { $set: { status: fact.status } });
  }
  const version = await touchUser(fact.email, { paymentId: before?._id ?? newId, polarCustomerId: fact.polarCustomerId });
  // Recomputed whenever this status could matter, even if this event changed nothing: a first
  // delivery may have written the fact and then lost the database before the plan was saved,
  // and its retry is what brings the plan up to date. A pending, failed or expired payment
  // cannot change a plan (rules.ts), so checkouts opening skip the work.
  if (paymentStatusCanChangePlan(fact.status)) await recomputePlan(fact.email, version);
}

export async function recordSubscription(fact: SubscriptionFact): Promise<void> {
  await withKeyedLock(userLockKey(fact.email), () => writeSubscription(fact));
}

async function writeSubscription(fact: SubscriptionFact): Promise<void> {
  const fields = {
    customerEmail: fact.email,
    productId: fact.productId,
    status: fact.status,
    statusRank: subscriptionStatusRank(fact.status),
    currentPeriodEnd: fact.currentPeriodEnd,
    cancelAtPeriodEnd: fact.cancelAtPeriodEnd,
    endedAt: fact.endedAt,
    polarModifiedAt: fact.polarModifiedAt,
  };
  // Newer facts win; an older event arriving late changes nothing. Most events are about a
  // subscription we hold already: one write. A new one gets a second write that inserts it.
  const applyIfNewer = () =>
    Subscription.updateOne(
      {
        polarSubscriptionId: fact.polarSubscriptionId,
        $or: [
          { polarModifiedAt: { $lt: fact.polarModifiedAt } },
          { polarModifiedAt: fact.polarModifiedAt, statusRank: { $lte: fields.statusRank } },
        ],
      },
      { $set: fields },
    );
  if ((await applyIfNewer()).matchedCount === 0) {
    const inserted = await upsertRetrying(() =>
      Subscription.updateOne({ polarSubscriptionId: fact.polarSubscriptionId }, { $setOnInsert: fields }, { upsert: true }),
    );
    // Not inserted: it exists, newer than this event, or inserted meanwhile by another
    // instance with older facts; the conditional write settles which.
    if (inserted.upsertedCount === 0) await applyIfNewer();
  }
  const version = await touchUser(fact.email, { polarCustomerId: fact.polarCustomerId });
  await recomputePlan(fact.email, version);
}

export async function recordProduct(fact: ProductFact): Promise<void> {
  const { polarProductId, ...fields } = fact;
  await withKeyedLock(`product:${polarProductId}`, async () => {
    // Most events repeat a product we already hold at that version: one read instead of two writes.
    const stored = await Product.findOne({ polarProductId }, { polarModifiedAt: 1 }).lean();
    if (stored?.polarModifiedAt && stored.polarModifiedAt >= fact.polarModifiedAt) return;
    if (!stored) await upsertRetrying(() => Product.updateOne({ polarProductId }, { $setOnInsert: fields }, { upsert: true }));
    await Product.updateOne({ polarProductId, polarModifiedAt: { $lte: fact.polarModifiedAt } }, { $set: fields });
  });
}

export async function linkCustomer(email: string, polarCustomerId: string): Promise<void> {
  await withKeyedLock(userLockKey(email), () => updateOrCreateUser(email, { $set: { polarCustomerId } }));
}

export async function unlinkCustomer(polarCustomerId: string): Promise<void> {
  await User.updateMany({ polarCustomerId }, { $set: { polarCustomerId: null } });
}

/**
 * Recomputes `subscriptionStatus` (callers hold the user's lock) from the user's payments and
 * subscriptions. Saved only if no fact was written since `factsVersion` (what the caller's own
 * write left); otherwise computed again from the newer facts.
 */
async function recomputePlan(email: string, factsVersion: number): Promise<void> {
  const now = new Date();
  let version: number | undefined = factsVersion;
  for (let attempt = 0; attempt < 10; attempt++) {
    version ??= (await User.findOne({ email }, { factsVersion: 1 }).lean())?.factsVersion ?? 0;
    // The catalogue is small: read it whole, alongside the user's facts, not after them.
    const [payments, subscriptions, catalogue] = await Promise.all([
      Payment.find({ customerEmail: email }, { status: 1, productId: 1 }).lean(),
      Subscription.find({ customerEmail: email }).lean(),
      Product.find({}, { polarProductId: 1, plan: 1, recurringInterval: 1 }).lean(),
    ]);
    const products = new Map(catalogue.map((p) => [p.polarProductId, p]));
    const plan = derivePlan(
      {
        // A subscription's orders grant nothing on their own: the subscription's state decides.
        payments: payments.map((p) => {
          const product = p.productId ? products.get(p.productId) : undefined;
          return { status: p.status, plan: product && !product.recurringInterval ? (product.plan ?? null) : null };
        }),
        subscriptions: subscriptions.map((s) => ({
          status: s.status,
          cancelAtPeriodEnd: s.cancelAtPeriodEnd,
          currentPeriodEnd: s.currentPeriodEnd ?? null,
          endedAt: s.endedAt ?? null,
          plan: (s.productId && products.get(s.productId)?.plan) || null,
        })),
      },
      now,
    );
    const saved = await User.updateOne({ email, factsVersion: version }, { $set: { subscriptionStatus: plan } });
    if (saved.matchedCount === 1) return;
    version = undefined; // a fact was written meanwhile: read the new version and compute again
  }
  throw new Error(`The plan of ${email} kept changing while it was recomputed`);
}
