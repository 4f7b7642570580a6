import "server-only";
import { createHash } from "node:crypto";
import { ErasedAccount } from "@/models/ErasedAccount";

/**
 * The tombstones of deleted accounts (models/ErasedAccount.ts), apart from the deletion itself
 * (lib/account/erase.ts) because the billing writes read them too: an event about a deleted
 * account must not rebuild it.
 */

export const erasureKey = (email: string): string => createHash("sha256").update(`erased:${email}`).digest("hex");
const PSEUDONYM_DOMAIN = "@erased.invalid";
export const pseudonymOf = (key: string): string => `erased-${key.slice(0, 24)}${PSEUDONYM_DOMAIN}`;
/** Whether an email stored in a fact is an erased account's pseudonym (nobody to grant anything to). */
export const isPseudonym = (email: string): boolean => email.endsWith(PSEUDONYM_DOMAIN);

/**
 * Whether Polar events about this email must be ignored: its account was deleted, and nobody
 * signed up with the email since. One `_id` read.
 */
export async function isErased(email: string): Promise<boolean> {
  return (await ErasedAccount.exists({ _id: erasureKey(email), liftedAt: null })) !== null;
}

/**
 * The email signs up again: its events are the new account's from now on. A finished erasure
 * only; one still under way is left to the retention job to finish first.
 */
export async function liftErasure(email: string): Promise<void> {
  await ErasedAccount.updateOne({ _id: erasureKey(email), completedAt: { $ne: null }, liftedAt: null }, { $set: { liftedAt: new Date() } });
}
