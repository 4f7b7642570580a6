import mongoose from "mongoose";
import { drainInbox, type DrainOptions } from "../lib/inbox-drain";
import { percentile } from "../lib/percentile";

export interface ApplyLag {
  /** From the call to the last event applied (or to the timeout). */
  drainedMs: number;
  applied: number;
  total: number;
  /** Per event, answer (its insert) to applied (its plan saved, then the event marked). */
  p50: number;
  p99: number;
}

/**
 * Waits until the inbox holds no unapplied event (scripts/lib/inbox-drain.ts: the billing cron is
 * called only when applying stalls, never during a measured load) and reads, from the inbox
 * itself, how long each of `ids` took from its answer to its effects: `processedAt - receivedAt`,
 * both written by the app (the insert right before the answer, the mark right after the writes).
 * `ids` are looked up once, at the end.
 */
export async function applyLag(uri: string, ids: string[], timeoutMs: number, cron: DrainOptions["cron"]): Promise<ApplyLag> {
  const conn = await mongoose.createConnection(uri).asPromise();
  try {
    const inbox = conn.collection<{ _id: string; status: string; receivedAt: Date; processedAt: Date | null }>("webhookevents");
    const drained = await drainInbox(inbox, { cron, kickAfterStallMs: 5_000, giveUpAfterStallMs: Number.POSITIVE_INFINITY, timeoutMs });
    const done = { status: { $in: ["processed", "skipped", "failed"] } };
    const docs = await inbox.find({ _id: { $in: ids }, ...done }, { projection: { receivedAt: 1, processedAt: 1 } }).toArray();
    const lags = docs.map((d) => (d.processedAt ? d.processedAt.getTime() - d.receivedAt.getTime() : 0)).sort((a, b) => a - b);
    return { drainedMs: drained.ms, applied: docs.length, total: ids.length, p50: percentile(lags, 50), p99: percentile(lags, 99) };
  } finally {
    await conn.close();
  }
}
