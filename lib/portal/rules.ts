/**
 * When /api/portal may reuse a stored customer session and when it may ask Polar for a new one.
 * Pure.
 */

/** At most one customer-session request to Polar per user in this window. */
export const CREATE_EVERY_MS = 30_000;
/**
 * A stored session is reused while it has at least this long left (Polar's last 1 h): the
 * portal then stays usable for a visit, instead of expiring under the user.
 */
export const REUSE_MARGIN_MS = 10 * 60_000;
/**
 * How long a request that lost the election waits for the elected one's session: past it, the
 * elected request is slow or failed, and the user is told to retry.
 */
export const WAIT_MS = 5_000;

export interface StoredPortal {
  url?: string | null;
  expiresAt?: Date | null;
  requestedAt?: Date | null;
  failedAt?: Date | null;
}

/** The stored portal URL, if it is still good for a visit at `now`. */
export function reusableUrl(stored: StoredPortal | null, now: Date): string | null {
  if (!stored?.url || !stored.expiresAt) return null;
  return stored.expiresAt.getTime() - now.getTime() > REUSE_MARGIN_MS ? stored.url : null;
}

/** The claim's condition: no request was elected for this user in the last CREATE_EVERY_MS. */
export function electionOpenSince(now: Date): Date {
  return new Date(now.getTime() - CREATE_EVERY_MS);
}

/** Whether the attempt elected in this window already failed (nothing will come to wait for). */
export function electedAttemptFailed(stored: StoredPortal | null): boolean {
  return Boolean(stored?.failedAt && stored.requestedAt && stored.failedAt >= stored.requestedAt);
}

/** Seconds until this user may ask Polar again (at least 1), for Retry-After. */
export function retryAfterSeconds(stored: StoredPortal | null, now: Date): number {
  const since = stored?.requestedAt ? now.getTime() - stored.requestedAt.getTime() : CREATE_EVERY_MS;
  return Math.max(1, Math.ceil((CREATE_EVERY_MS - since) / 1000));
}
