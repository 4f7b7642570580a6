/**
 * Runs callbacks with the same key one after another within this process.
 *
 * Why: FerretDB 1.x (our local and CI database) applies an update as "read the document, change
 * it, write the whole document back" with no isolation between the read and the write. Two
 * concurrent updates of one document lose one of them (measured: 50 concurrent `$inc` -> +7;
 * 50 concurrent `updateOne({v: 0}, {$set: {v: 1}})` -> 7 matched). MongoDB makes each
 * single-document update atomic, and the updates below are written for that; serializing the
 * writes that touch one user's documents makes them correct on FerretDB too (one app process
 * there), at no real cost on MongoDB.
 *
 * The map lives on globalThis: Next bundles each route separately, and all of them must share it.
 */
const store = globalThis as typeof globalThis & { __keyedLocks?: Map<string, Promise<void>> };
const tails = (store.__keyedLocks ??= new Map());

export async function withKeyedLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const tail = previous.then(() => mine);
  tails.set(key, tail);
  await previous;
  try {
    return await fn();
  } finally {
    release();
    if (tails.get(key) === tail) tails.delete(key);
  }
}

/** The key under which every write to one user's documents runs. */
export const userLockKey = (email: string): string => `user:${email}`;
