import "server-only";
import { connectDb } from "@/lib/db/connect";
import { applyInboxEvent, type ApplyResult } from "./applier";
import { dueEvents } from "./inbox";

export type SweepCounts = Record<ApplyResult, number>;

/**
 * Applies unapplied events whose next attempt is due: those whose delivery's `after()` never
 * finished (the instance died or its queue was full), and those waiting out a backoff. Stops
 * taking new events at `deadline` (a cron run and an `after()` both have a time budget).
 */
export async function sweepDueEvents(opts: { limit: number; deadline: number; concurrency?: number }): Promise<SweepCounts> {
  const counts: SweepCounts = { applied: 0, ignored: 0, busy: 0, retry: 0, failed: 0 };
  await connectDb();
  const ids = await dueEvents(opts.limit);
  let next = 0;
  const worker = async () => {
    while (next < ids.length && Date.now() < opts.deadline) {
      const id = ids[next++]!;
      counts[await applyInboxEvent(id, { dueOnly: true })]++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 4, ids.length) }, worker));
  return counts;
}
