import "server-only";
import type { UpdateQuery } from "mongoose";
import { returnWhole } from "@/lib/db/ferretdb-workarounds";
import { mayTakeOver } from "@/lib/polar/environment";
import { updateOrCreateUser } from "@/lib/users";
import { FREE_PLAN, User, type UserDoc } from "@/models/User";
import { thisEnvironment, usersHere } from "./environment";

/**
 * A user's billing fields (the plan cache, polarCustomerId, the reconciler's flags) belong to one
 * Polar environment at a time: the one whose deployment wrote them (`billingEnvironment`). Written
 * here on behalf of this deployment's environment; callers hold the user's lock.
 */

/** What another environment's billing fields become when this one takes the user over. */
const BLANK = {
  subscriptionStatus: FREE_PLAN,
  planRank: 0,
  planUntil: null,
  polarCustomerId: null,
  factsChangedAt: null,
  reconcileRequestedAt: null,
  reconciledAt: null,
};

/**
 * Applies `update` to the user's billing fields, creating the user if there is none, and returns
 * the facts version after it; null when the user is another environment's and stays so (a
 * production customer, seen from a preview sharing the database: mayTakeOver). A user another
 * environment wrote is reset first, so nothing it linked or cached carries over.
 */
export async function writeBillingFields(email: string, update: UpdateQuery<UserDoc>): Promise<{ factsVersion: number } | null> {
  const here = thisEnvironment();
  const tagged = { ...update, $set: { ...(update.$set as Record<string, unknown> | undefined), billingEnvironment: here } };
  // The usual case, one write: a user of this environment (or untagged, from before the tags).
  const mine = await User.findOneAndUpdate({ email, ...usersHere(here) }, tagged, returnWhole("after")).lean();
  if (mine) return { factsVersion: mine.factsVersion ?? 0 };
  const other = await User.findOne({ email }, { billingEnvironment: 1 }).lean();
  if (other) {
    if (!mayTakeOver(here, other.billingEnvironment)) return null;
    await User.updateOne({ email, billingEnvironment: other.billingEnvironment ?? null }, { $set: { ...BLANK, billingEnvironment: here } });
  }
  return updateOrCreateUser(email, tagged);
}
