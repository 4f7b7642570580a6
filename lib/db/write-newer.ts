import type { Model, QueryFilter, UpdateQuery } from "mongoose";

/** MongoDB's duplicate-key error: two writers raced to insert one unique key. */
export function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 11000;
}

/** Two concurrent upserts on a new unique key: one inserts, the other gets E11000 and simply retries. */
export async function upsertRetrying<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    return write();
  }
}

/**
 * Insert-or-update of a fact where the stored one is not newer: `key` is unique, `fields` the
 * new fact, `dateField` its date at the source. Two facts of the same date are settled by `tie`
 * (a condition the stored fact must meet to be replaced, e.g. a status rank not above the new
 * one); without it the later write wins. Returns whether this fact is now the stored one. One
 * conditional write in the usual case; no read-modify-write, so concurrent writers need no lock.
 */
export async function writeNewer<T>(
  model: Model<T>,
  key: QueryFilter<T>,
  dateField: string,
  fields: Record<string, unknown>,
  tie?: Record<string, unknown>,
): Promise<boolean> {
  const at = fields[dateField];
  const newer = tie ? { $or: [{ [dateField]: { $lt: at } }, { [dateField]: at, ...tie }] } : { [dateField]: { $lte: at } };
  const update = () => model.updateOne({ ...key, ...newer } as QueryFilter<T>, { $set: fields } as UpdateQuery<T>);
  if ((await update()).matchedCount === 1) return true;
  if (await model.exists(key)) return false; // a newer fact is stored
  try {
    await model.create({ ...key, ...fields } as Partial<T>);
    return true;
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    return (await update()).matchedCount === 1;
  }
}
