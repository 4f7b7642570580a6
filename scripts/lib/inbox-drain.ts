import { callBillingCron } from "./cron-loop";

export interface DrainOptions {
  /** The app whose billing cron sweeps what its apply queue left (events past its limit, events of a dead instance). */
  cron: { appUrl: string; secret: string };
  /** Call the cron once the unapplied count has not fallen, and no call has ended, for this long. */
  kickAfterStallMs: number;
  /** Give up once the count has not fallen for this long. */
  giveUpAfterStallMs: number;
  /** Give up after this long in any case. */
  timeoutMs: number;
}

/**
 * Waits until the app's inbox holds no unapplied event, calling its billing cron as Vercel Cron
 * would when applying stalls. Polls a cheap count: a lookup of many ids competes with the app.
 * Used by the chaos harness and the bench; returns how long it took and what was left.
 */
/** What the drain needs of the `webhookevents` collection (any driver's collection has it). */
interface Inbox {
  countDocuments(filter: { status: string }): Promise<number>;
}

export async function drainInbox(inbox: Inbox, opts: DrainOptions): Promise<{ ms: number; unapplied: number }> {
  const started = performance.now();
  let [fewest, progressAt] = [Number.POSITIVE_INFINITY, started];
  let cronRun: Promise<unknown> | null = null;
  let cronEndedAt = Number.NEGATIVE_INFINITY;
  let unapplied = await inbox.countDocuments({ status: "received" });
  while (unapplied > 0) {
    const now = performance.now();
    if (unapplied < fewest) [fewest, progressAt] = [unapplied, now];
    if (now - progressAt > opts.giveUpAfterStallMs || now - started > opts.timeoutMs) break;
    if (!cronRun && now - Math.max(progressAt, cronEndedAt) >= opts.kickAfterStallMs) {
      cronRun = callBillingCron(opts.cron.appUrl, opts.cron.secret)
        .then((r) => r.arrayBuffer())
        .catch(() => undefined)
        .finally(() => {
          cronRun = null;
          cronEndedAt = performance.now();
        });
    }
    await new Promise((r) => setTimeout(r, 250));
    unapplied = await inbox.countDocuments({ status: "received" });
  }
  await cronRun;
  return { ms: performance.now() - started, unapplied };
}
