import "server-only";
import type { Model, QueryFilter, UpdateQuery } from "mongoose";
import { isDuplicateKey } from "./write-newer";

/**
 * Every place the app departs from what it would do on MongoDB alone because its local and CI
 * database is FerretDB 1.24.2 (PostgreSQL backend; SQLite as the fallback). Each departure is
 * correct on MongoDB too. The letters are the items of tests/integration/ferretdb-behaviour.test.ts,
 * which measures each on the run's backend and fails when FerretDB changes; that failure is the
 * moment to revisit the item here (the README's table shows the same list with the figures).
 *
 * (a, b) Updates of one document are not atomic: concurrent `$inc` lose increments, concurrent
 *        conditional updates all report a change. -> One writer per key in the process:
 *        `withKeyedLock` (lib/db/keyed-lock.ts), around each user's writes (lib/billing/store.ts,
 *        lib/users.ts), each inbox lease (lib/webhooks/applier.ts), each checkout's Polar pull
 *        (lib/checkout/confirmation.ts) and each user's customer-portal election (lib/portal/open.ts).
 *        On MongoDB the inbox lease and the portal election are also real compare-and-sets.
 * (c)    An upsert's `$setOnInsert` drops null values. -> `updateElseInsert` below, where the
 *        inserted document holds explicit nulls (users).
 * (d)    findAndModify refuses a projection (`fields`). -> `returnWhole` below on every
 *        `findOneAndUpdate`.
 * (e, f) Partial and TTL indexes are refused, `sparse` is dropped, and a unique index takes only
 *        one explicit null. -> No index relies on them: `User.polarCustomerId` has a plain index
 *        (lookups, never uniqueness); a renewal's payment is keyed `order:<orderId>`
 *        (lib/billing/keys.ts), so `Payment.checkoutId` is unique and never null; stored webhook
 *        events expire by a delete in the cron (`deleteExpiredEvents`, lib/webhooks/inbox.ts),
 *        not a TTL index.
 * (g)    FerretDB's own indexes serve no query (PostgreSQL gets each equality as `@>`, which its
 *        btrees cannot serve), and the SQLite backend pushes down only `_id` filters. -> Nothing
 *        in the app: the local cluster adds a GIN companion to every index FerretDB creates
 *        (scripts/lib/ferretdb-indexes.ts), so the app's MongoDB indexes serve it there too. The
 *        inbox's `_id` is the `webhook-id` (models/WebhookEvent.ts), which SQLite does push down.
 */

/** `findOneAndUpdate` options that return the whole document, before or after the update (d). */
export function returnWhole<W extends "before" | "after">(returnDocument: W): { returnDocument: W } {
  return { returnDocument };
}

/**
 * Applies `update` to the document `filter` finds, inserting `insert` first when there is none,
 * and returns the document after the update (c). Instead of an upsert, whose `$setOnInsert`
 * FerretDB strips of nulls. Two concurrent callers are harmless when `filter` is on a unique
 * index: exactly one insert wins, the other's duplicate-key error is the signal to update.
 */
export async function updateElseInsert<T>(model: Model<T>, filter: QueryFilter<T>, update: UpdateQuery<T>, insert: Partial<T>): Promise<T> {
  const apply = () => model.findOneAndUpdate(filter, update, returnWhole("after")).lean<T>();
  const updated = await apply();
  if (updated) return updated;
  try {
    await model.create(insert);
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
  const created = await apply();
  if (!created) throw new Error(`${model.modelName}: the document vanished while it was being created`);
  return created;
}
