import "server-only";
import type { PolarEvent } from "@/lib/billing/apply-event";
import { describeError } from "@/lib/redact";
import { applyInboxEvent } from "./applier";
import { sweepDueEvents } from "./sweep";

/**
 * What a delivery does after its answer (Next's `after()`, kept alive on Vercel by `waitUntil`):
 * apply its event, then now and then sweep a few due events, so nothing waits for the cron.
 *
 * At most APPLY_CONCURRENCY events are applied at once per process: a burst of deliveries is
 * answered at the speed of one insert each, and applied behind at the speed the database
 * allows, instead of every delivery's writes competing with the next answers. Past QUEUE_LIMIT
 * waiting events, a delivery leaves its event to the sweep (it is in the inbox already), so a
 * long burst costs no unbounded memory.
 */
const APPLY_CONCURRENCY = 4;
const QUEUE_LIMIT = 1_000;
const SWEEP_EVERY_MS = 10_000;
const SWEEP_BATCH = 5;

let active = 0;
const waiting: Array<() => void> = [];
let lastSweep = 0;

async function slot(): Promise<void> {
  if (active < APPLY_CONCURRENCY) {
    active++;
    return;
  }
  await new Promise<void>((resolve) => waiting.push(resolve));
}

function release(): void {
  const next = waiting.shift();
  if (next) next();
  else active--;
}

export async function applyBehindAnswer(webhookId: string, event: PolarEvent): Promise<void> {
  if (waiting.length >= QUEUE_LIMIT) return;
  await slot();
  try {
    await applyInboxEvent(webhookId, { event, dueOnly: false });
  } catch (error) {
    // The database was unreachable before the lease: the event stays in the inbox for the sweep.
    console.warn(`[webhook ${webhookId}] not applied behind the answer, left for the sweep: ${describeError(error)}`);
  } finally {
    release();
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

/** For tests: how many events wait for a slot in this process. */
export const pendingBehindAnswer = () => waiting.length + active;
