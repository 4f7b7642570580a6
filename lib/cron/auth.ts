import "server-only";
import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Vercel Cron calls with `Authorization: Bearer $CRON_SECRET`. Compared in constant time over
 * digests, so neither the secret's content nor its length leaks through timing.
 */
export function isCronAuthorized(authorization: string | null, secret: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(authorization ?? ""), digest(`Bearer ${secret}`));
}
