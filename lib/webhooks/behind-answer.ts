import "server-only";
import { describeError } from "@/lib/redact";
import { applyInboxEvent } from "./applier";
import { ApplyScheduler } from "./apply-scheduler";
import { sweepDueEvents } from "./sweep";

/**
 * What a delivery does after its answer (Next's `after()`, kept alive on Vercel by `waitUntil`):
 * apply its event when the scheduler gives it a turn (answers first: apply-scheduler.ts), then
 * now and then sweep a few due events, so nothing waits for the cron. Past QUEUE_LIMIT waiting
 * events a delivery leaves its event to the sweep (it is in the inbox already), so a long burst
 * costs no unbounded memory.
 */
const QUEUE_LIMIT = 1_000;
const SWEEP_EVERY_MS = 10_000;
const SWEEP_BATCH = 5;

// One per process (Next bundles routes apart: on globalThis so they share it).
const shared = globalThis as typeof globalThis & { __applyScheduler?: ApplyScheduler };
const scheduler = (shared.__applyScheduler ??= new ApplyScheduler({ idleConcurrency: 4, steadyConcurrency: 2, busyRate: 50, busyGapMs: 1_000, steadyGapMs: 40, quietAfterMs: 100 }));
let lastSweep = 0;

/** A delivery being answered in this process: while they keep coming, applying yields to them. */
export const answeringStarted = () => scheduler.answeringStarted();
export const answeringEnded = () => scheduler.answeringEnded();

export async function applyBehindAnswer(webhookId: string): Promise<void> {
  if (scheduler.waiting >= QUEUE_LIMIT) return;
  const done = await scheduler.turn();
  try {
    await applyInboxEvent(webhookId, { dueOnly: false });
  } catch (error) {
    // The database was unreachable before the lease: the event stays in the inbox for the sweep.
    console.warn(`[webhook ${webhookId}] not applied behind the answer, left for the sweep: ${describeError(error)}`);
  } finally {
    done();
  }
  await sweepNowAndThen();
}

async function sweepNowAndThen(): Promise<void> {
  const now = Date.now();
  if (now - lastSweep < SWEEP_EVERY_MS) return;
  lastSweep = now;
  try {
    await sweepDueEvents({ limit: SWEEP_BATCH, deadline: now + 5_000, concurrency: 1 });
  } catch (error) {
    console.warn(`[sweep] skipped: ${describeError(error)}`);
  }
}

