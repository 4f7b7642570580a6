/**
 * Polar's dunning: when it retries a declined renewal and when it gives up. Polar's server keeps
 * the intervals in `server/polar/config.py` (DUNNING_RETRY_INTERVALS: 2, 5, 7, 7 days) and applies
 * them in `server/polar/order/service.py` (`handle_payment_failure`): the first failure marks the
 * subscription past_due and schedules a retry 2 days on; each failed retry schedules the next
 * (days 7, 14, 21 after the first failure); a failure once the retries are used up, or after the
 * deadline (`past_due_at` + 21 days + 1 minute, models/subscription.py), revokes the subscription.
 */
const DAY_MS = 86_400_000;

export const DUNNING_RETRY_INTERVALS_MS: readonly number[] = [2, 5, 7, 7].map((days) => days * DAY_MS);

export function pastDueDeadline(pastDueAt: Date): Date {
  const total = DUNNING_RETRY_INTERVALS_MS.reduce((sum, ms) => sum + ms, 0);
  return new Date(pastDueAt.getTime() + total + 60_000);
}

/**
 * When Polar charges a renewal order again after a failed payment at `at`, or null when it gives
 * up and revokes. `failedPayments` counts every failed payment of the order, this one included.
 */
export function nextPaymentAttempt(failedPayments: number, at: Date, pastDueAt: Date): Date | null {
  if (failedPayments > DUNNING_RETRY_INTERVALS_MS.length || pastDueDeadline(pastDueAt) < at) return null;
  return new Date(at.getTime() + DUNNING_RETRY_INTERVALS_MS[Math.max(0, failedPayments - 1)]!);
}
