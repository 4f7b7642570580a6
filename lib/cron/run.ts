import "server-only";
import { applyRetention, type RetentionCounts } from "@/lib/account/retention";
import { recordFetchedState } from "@/lib/usage/apply-event";
import { flushUsage, type FlushCounts } from "@/lib/usage/flush";
import { recomputeDuePlans, reconcileUsers, type ReconcileCounts } from "@/lib/billing/reconcile";
import { connectDb } from "@/lib/db/connect";
import { ensureOwedOwnerSeats } from "@/lib/teams/manage";
import { reconcileTeamsOf } from "@/lib/teams/reconcile";
import { deleteExpiredEvents } from "@/lib/webhooks/inbox";
import { sweepDueEvents, type SweepCounts } from "@/lib/webhooks/sweep";

/** What one run may spend; the route's maxDuration leaves room to finish the step under way. */
export const CRON_BUDGET_MS = 45_000;

export interface CronReport {
  swept: SweepCounts;
  plansRecomputed: number;
  usageSent: FlushCounts;
  ownerSeats: number;
  reconciled: ReconcileCounts;
  eventsDeleted: number;
  retention: RetentionCounts;
  ms: number;
}

/**
 * One run of the billing cron, inside `budgetMs`: apply what the inbox still holds, recompute
 * plans whose end date passed, send the usage events Polar has not taken yet (lib/usage/flush.ts),
 * assign the team owners' own seats still owed (lib/teams/manage.ts), compare users with Polar and
 * repair drift (their grants and meters, and the teams they own or sit in, too), delete payloads past
 * retention (payloads, and accounts: lib/account/retention.ts). Each step gets what the ones before it left of the budget; whatever a run does
 * not reach, the next one does.
 */
export async function runBillingCron(opts: { budgetMs: number; reconcileLimit?: number }): Promise<CronReport> {
  const started = Date.now();
  const deadline = started + opts.budgetMs;
  await connectDb();
  const swept = await sweepDueEvents({ limit: 500, deadline });
  const plansRecomputed = await recomputeDuePlans({ limit: 500, deadline });
  const usageSent = await flushUsage({ deadline });
  const ownerSeats = await ensureOwedOwnerSeats({ limit: 50, deadline });
  const reconciled = await reconcileUsers({ limit: opts.reconcileLimit ?? 50, deadline, onState: recordFetchedState, onUser: reconcileTeamsOf });
  const eventsDeleted = await deleteExpiredEvents();
  const retention = await applyRetention({ limit: 100, deadline });
  return { swept, plansRecomputed, usageSent, ownerSeats, reconciled, eventsDeleted, retention, ms: Date.now() - started };
}
