/**
 * Runs callbacks with the same key one after another within this process.
 *
 * Why: FerretDB 1.x (our local and CI database, on SQLite and on PostgreSQL alike) applies an
 * update as "read the document, change it, write the whole document back" with no isolation
 * between the read and the write: concurrent updates of one document lose some of them
 * (tests/integration/ferretdb-behaviour.test.ts measures it on each backend). MongoDB makes each
 * single-document update atomic, and the updates are written for that; serializing them per key
 * makes them correct on FerretDB too (one app process there), at no real cost on MongoDB. The
 * keys: one user's documents (lib/billing/store.ts), one inbox event's lease
 * (lib/webhooks/applier.ts), one checkout's Polar pull (lib/checkout/confirmation.ts), one
 * user's customer-portal election (lib/portal/open.ts).
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
