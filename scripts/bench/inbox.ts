import mongoose from "mongoose";
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
 * Waits until the inbox holds no unapplied event (or `timeoutMs` passes) and reads, from the
 * inbox itself, how long each of `ids` took from its answer to its effects: `processedAt -
 * receivedAt`, both written by the app (the insert right before the answer, the mark right
 * after the writes). The wait polls a cheap count; `ids` are looked up once, at the end (an
 * `$in` of a thousand ids is filtered by FerretDB itself, and polling it competes with the app).
 *
 * Events past the app's apply queue are left to the sweep, which runs in the billing cron: when
 * the count stops falling for `cron.afterStallMs`, the wait calls the cron as Vercel Cron would
 * (never during a measured load, and not at all while applying keeps up).
 */
export async function applyLag(
  uri: string,
  ids: string[],
  timeoutMs: number,
  cron?: { appUrl: string; secret: string; afterStallMs: number },
): Promise<ApplyLag> {
  const conn = await mongoose.createConnection(uri).asPromise();
  try {
    const inbox = conn.collection<{ _id: string; status: string; receivedAt: Date; processedAt: Date | null }>("webhookevents");
    const started = performance.now();
    const done = { status: { $in: ["processed", "skipped", "failed"] } };
    let [fewest, progressAt] = [Number.POSITIVE_INFINITY, started];
    let cronRun: Promise<unknown> | null = null;
    while (performance.now() - started < timeoutMs) {
      const unapplied = await inbox.countDocuments({ status: "received" });
      if (unapplied === 0) break;
      if (unapplied < fewest) [fewest, progressAt] = [unapplied, performance.now()];
      if (cron && !cronRun && performance.now() - progressAt > cron.afterStallMs) {
        cronRun = fetch(`${cron.appUrl}/api/cron/billing`, { headers: { authorization: `Bearer ${cron.secret}` } })
          .then((r) => r.arrayBuffer())
          .catch(() => undefined)
          .finally(() => {
            cronRun = null;
            progressAt = performance.now();
          });
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    await cronRun;
    const drainedMs = performance.now() - started;
    const docs = await inbox.find({ _id: { $in: ids }, ...done }, { projection: { receivedAt: 1, processedAt: 1 } }).toArray();
    const lags = docs.map((d) => (d.processedAt ? d.processedAt.getTime() - d.receivedAt.getTime() : 0)).sort((a, b) => a - b);
    return { drainedMs, applied: docs.length, total: ids.length, p50: percentile(lags, 50), p99: percentile(lags, 99) };
  } finally {
    await conn.close();
  }
}
