import "server-only";
import { eventsIngest } from "@polar-sh/sdk/funcs/eventsIngest.js";
import { unwrapAsync } from "@polar-sh/sdk/types/fp.js";
import { connectDb } from "@/lib/db/connect";
import { withKeyedLock } from "@/lib/db/keyed-lock";
import { polar } from "@/lib/polar/client";
import { describeError } from "@/lib/redact";
import { UsageEvent } from "@/models/UsageEvent";
import { flushBackoffMs } from "./rules";

export interface FlushCounts {
  sent: number;
  failed: number;
}

/** Polar takes a batch as one insert; a thousand events is well within a request. */
const BATCH = 200;

/**
 * Sends the outbox's due events to Polar's `events.ingest`, batch after batch, until none is due or
 * `deadline` passes. At least once: a batch Polar took but whose answer was lost is sent again and
 * Polar drops the repeats by `external_id` (the event's id). A failed batch waits, with backoff,
 * for a later flush (the next request's, or the cron's). One flush at a time in the process.
 */
export async function flushUsage(opts: { deadline: number; limit?: number }): Promise<FlushCounts> {
  await connectDb();
  return withKeyedLock("usage-flush", async () => {
    const counts: FlushCounts = { sent: 0, failed: 0 };
    while (Date.now() < opts.deadline && counts.sent + counts.failed < (opts.limit ?? 10_000)) {
      const now = new Date();
      const due = await UsageEvent.find({ sentAt: null, nextAttemptAt: { $lte: now } }).sort({ nextAttemptAt: 1 }).limit(BATCH).lean();
      if (due.length === 0) break;
      const ids = due.map((e) => e._id);
      // Marked sent as of when the batch left, not when Polar answered: a customer state Polar
      // computed while taking it already counts these events, and lib/usage/allowance.ts counts an
      // event as pending only when it was sent after the state it reads (else it would count twice).
      const sentAt = new Date();
      try {
        await unwrapAsync(
          eventsIngest(polar(), {
            events: due.map((e) => ({
              name: e.name,
              externalCustomerId: e.customerEmail,
              // A team member's use of the team's pool: Polar counts it on the team's customer, by member.
              ...(e.memberEmail ? { externalMemberId: e.memberEmail } : {}),
              externalId: e._id,
              timestamp: e.createdAt,
              metadata: (e.metadata ?? {}) as Record<string, string | number | boolean>,
            })),
          }),
        );
        await UsageEvent.updateMany({ _id: { $in: ids }, sentAt: null }, { $set: { sentAt, lastError: null } });
        counts.sent += due.length;
      } catch (error) {
        const reason = describeError(error);
        console.warn(`[usage] ${due.length} events not sent, retried later: ${reason}`);
        // One write per attempt count: events of a batch share it (they were sent together).
        for (const attempts of new Set(due.map((e) => (e.attempts ?? 0) + 1))) {
          await UsageEvent.updateMany(
            { _id: { $in: due.filter((e) => (e.attempts ?? 0) + 1 === attempts).map((e) => e._id) }, sentAt: null },
            { $set: { attempts, nextAttemptAt: new Date(Date.now() + flushBackoffMs(attempts)), lastError: reason } },
          );
        }
        counts.failed += due.length;
        break;
      }
    }
    return counts;
  });
}
