import "server-only";
import mongoose from "mongoose";
import { connectionDefaults } from "./options";
import { queryLogFile, recordQueries } from "./query-recorder";
import { env } from "../env";
import { describeError } from "../redact";

/**
 * One Mongoose connection per process. The promise lives on `globalThis` because Next's dev
 * server re-evaluates modules on every change, and a Vercel function instance serves many
 * requests: both would otherwise open a new pool each time.
 */
type Cache = { promise: Promise<typeof mongoose> | null };
const globalCache = globalThis as typeof globalThis & { __mongoose?: Cache };
const cache: Cache = (globalCache.__mongoose ??= { promise: null });

// Commands fail fast while disconnected instead of queueing for 10 s: a webhook must get its
// 503 well inside Polar's timeout, and a page its error, not a hang.
mongoose.set("bufferCommands", false);
// Mongoose's own index build runs when a model is compiled, which here is when a route's module
// loads, before any connection: with buffering off it fails at once, silently, and a fresh
// database never got its unique indexes (found by `npm run doctor`). `buildIndexes` below does it
// after connecting instead, so Mongoose's attempt is switched off.
mongoose.set("autoIndex", false);
mongoose.set("autoCreate", false);

type AnyModel = (typeof mongoose.models)[string];
const started = ((globalThis as typeof globalThis & { __mongooseIndexed?: WeakSet<AnyModel> }).__mongooseIndexed ??= new WeakSet());

let building: Promise<void> = Promise.resolve();

/**
 * Builds the declared indexes of every model compiled so far, once per model and process, behind
 * the caller (an existing index costs one round trip; a new deployment builds them on its first
 * request). One model after another: in parallel they opened a pool connection each at start. A
 * failure is logged and retried on the next connect: e.g. duplicates under a unique key.
 */
function buildIndexes(): void {
  for (const model of Object.values(mongoose.models)) {
    if (started.has(model)) continue;
    started.add(model);
    building = building.then(() =>
      model.createIndexes().catch((error: unknown) => {
        started.delete(model);
        console.error(`[db] indexes of ${model.modelName} not built: ${describeError(error)}`);
      }),
    );
  }
}

export class DatabaseUnavailableError extends Error {
  constructor(cause: unknown) {
    super("The database is unavailable", { cause });
    this.name = "DatabaseUnavailableError";
  }
}

/** `options` is for tools (the profiler turns on command monitoring); the app passes none. */
export async function connectDb(uri?: string, options: mongoose.ConnectOptions = {}): Promise<typeof mongoose> {
  if (replacing) await replacing;
  if (!cache.promise) {
    const target = uri ?? env().MONGODB_URI;
    // Tests only (RECORD_QUERIES): the driver reports each command to the query recorder.
    const recordTo = queryLogFile();
    cache.promise = mongoose
      .connect(target, { ...connectionDefaults(target), ...(recordTo ? { monitorCommands: true } : {}), ...options })
      .then((connected) => {
        if (recordTo) recordQueries(connected.connection.getClient(), recordTo);
        return connected;
      })
      .catch((error: unknown) => {
        cache.promise = null; // let the next request try again
        throw new DatabaseUnavailableError(error);
      });
  }
  const connected = await cache.promise;
  // Every call: a route loaded later in this process brings models the first call did not see.
  buildIndexes();
  return connected;
}

let replacing: Promise<void> | null = null;

/**
 * Replaces the client after a command found no server for a whole selection timeout. Seen once
 * in CI's database-outage run: FerretDB came back on the same port, yet the driver opened no
 * socket to it again and every command kept failing selection after 5 s, while a new client
 * connected at once. A new client costs one reconnect; keeping a stuck one loses every event
 * until the process is recycled. Commands in flight on the old client fail as "unavailable"
 * (503), which Polar retries.
 */
export function replaceClientAfter(error: unknown): void {
  if (!(error instanceof mongoose.mongo.MongoServerSelectionError) || replacing) return;
  console.warn("[db] no server found within the selection timeout: replacing the client");
  cache.promise = null;
  replacing = mongoose
    .disconnect()
    .catch(() => undefined)
    .finally(() => {
      replacing = null;
    });
}

export async function disconnectDb(): Promise<void> {
  cache.promise = null;
  await mongoose.disconnect();
}
