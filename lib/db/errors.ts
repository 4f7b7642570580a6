import mongoose from "mongoose";
import { DatabaseUnavailableError } from "./connect";

const transientClasses = [
  DatabaseUnavailableError,
  mongoose.mongo.MongoNetworkError,
  mongoose.mongo.MongoServerSelectionError,
  mongoose.mongo.MongoNotConnectedError,
  mongoose.mongo.MongoTopologyClosedError,
];

/** Socket errors the driver lets through when the server goes away mid-command. */
const transientCodes = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT"]);

/**
 * True when the database could not be reached, as opposed to a bug or bad data: the first kind
 * is worth a 503 so that Polar retries; the second would fail the same way on every retry.
 */
export function isTransientDbError(error: unknown): boolean {
  if (transientClasses.some((cls) => error instanceof cls)) return true;
  if (transientCodes.has(String((error as { code?: unknown } | null)?.code))) return true;
  if (error instanceof mongoose.mongo.MongoError && error.hasErrorLabel("RetryableWriteError")) return true;
  // With bufferCommands off, Mongoose refuses commands while disconnected with a plain MongooseError.
  return error instanceof mongoose.Error && /initial connection|not connected|connection.*closed/i.test(error.message);
}
