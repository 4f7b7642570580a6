import "server-only";
import { customerSeatsRevokeSeat } from "@polar-sh/sdk/funcs/customerSeatsRevokeSeat.js";
import { subscriptionsRevoke } from "@polar-sh/sdk/funcs/subscriptionsRevoke.js";
import { AlreadyCanceledSubscription } from "@polar-sh/sdk/models/errors/alreadycanceledsubscription.js";
import { ResourceNotFound } from "@polar-sh/sdk/models/errors/resourcenotfound.js";
import { factsHere } from "@/lib/billing/environment";
import { connectDb } from "@/lib/db/connect";
import { isLiveSubscription } from "@/lib/plan-changes/subscriber";
import { seatFact } from "@/lib/teams/facts";
import { recordSeat } from "@/lib/teams/store";
import { polar } from "@/lib/polar/client";
import { describePolarError } from "@/lib/polar/errors";
import { erasureKey, pseudonymOf } from "@/lib/erasure-tombstones";
import { ErasedAccount } from "@/models/ErasedAccount";
import { Payment } from "@/models/Payment";
import { BenefitGrant } from "@/models/BenefitGrant";
import { CustomerMeter } from "@/models/CustomerMeter";
import { PortalSession } from "@/models/PortalSession";
import { Seat } from "@/models/Seat";
import { Team } from "@/models/Team";
import { UsageEvent } from "@/models/UsageEvent";
import { Subscription } from "@/models/Subscription";
import { User } from "@/models/User";

/**
 * Deleting an account: what is deleted, what is kept and why (README "Your data").
 * - Polar first: every subscription that has not ended is revoked, so nothing is charged again
 *   (a team's too: its members lose the plan with it), and every seat the user holds on another's
 *   team is given back. If Polar cannot be reached nothing here changes, and the user can try again.
 * - The user (its identities and session version with it: every session ends) is deleted.
 * - Payments and subscriptions stay for accounting (amounts, dates, products), with the email
 *   replaced by a pseudonym no one can turn back into it.
 * - A tombstone keyed by the email's hash keeps late Polar events from rebuilding the user
 *   (lib/billing/store.ts). Each step is idempotent: an erasure that stopped half-way is finished
 *   by the retention job (lib/account/retention.ts).
 */

export type EraseOutcome = { ok: true } | { ok: false; message: string };

async function revokeAtPolar(polarSubscriptionId: string): Promise<EraseOutcome> {
  const result = await subscriptionsRevoke(polar(), { id: polarSubscriptionId });
  // Already revoked, or gone: what deletion wanted.
  if (result.ok || result.error instanceof AlreadyCanceledSubscription || result.error instanceof ResourceNotFound) return { ok: true };
  const { log } = describePolarError(result.error);
  console.error(`[erase] revoking ${polarSubscriptionId} failed: ${log}`);
  return { ok: false, message: "Your subscription could not be canceled at our payment provider, so nothing was deleted. Please try again in a moment." };
}

async function giveSeatBack(seatId: string): Promise<EraseOutcome> {
  const result = await customerSeatsRevokeSeat(polar(), { seatId });
  if (result.ok) {
    // Applied now, so the team's owner sees the seat free at once.
    const fact = seatFact(result.value);
    if (fact) await recordSeat(fact);
    return { ok: true };
  }
  if (result.error instanceof ResourceNotFound) return { ok: true };
  console.error(`[erase] giving seat ${seatId} back failed: ${describePolarError(result.error).log}`);
  return { ok: false, message: "Your team seat could not be given back at our payment provider, so nothing was deleted. Please try again in a moment." };
}

/** The user's own request, from /account: Polar first, then everything here. */
export async function deleteAccount(email: string): Promise<EraseOutcome> {
  await connectDb();
  // This deployment's Polar only knows its own environment's subscriptions (lib/billing/environment.ts).
  const subs = await Subscription.find({ customerEmail: email, ...factsHere() }, { polarSubscriptionId: 1, status: 1, endedAt: 1 }).lean();
  for (const live of subs.filter(isLiveSubscription)) {
    const revoked = await revokeAtPolar(live.polarSubscriptionId);
    if (!revoked.ok) return revoked;
  }
  for (const seat of await Seat.find({ memberEmail: email, status: { $in: ["claimed", "pending"] } }, { _id: 1 }).lean()) {
    const given = await giveSeatBack(seat._id);
    if (!given.ok) return given;
  }
  await eraseStored(email, "requested");
  return { ok: true };
}

/** Everything MongoDB holds about `email`, erased; Polar is not called (the caller made sure nothing runs there). */
export async function eraseStored(email: string, reason: "requested" | "inactive"): Promise<void> {
  const key = erasureKey(email);
  const pseudonym = pseudonymOf(key);
  const user = await User.findOne({ email }, { _id: 1 }).lean();
  // The tombstone first: from here on, events about this email change nothing.
  await ErasedAccount.updateOne(
    { _id: key },
    { $setOnInsert: { pseudonym, reason, erasedAt: new Date(), userId: user?._id ?? null } },
    { upsert: true },
  );
  await finishErasure(email, key);
}

/** The steps after the tombstone, each idempotent (a retry, or the retention job, repeats them safely). */
export async function finishErasure(email: string, key = erasureKey(email)): Promise<void> {
  const pseudonym = pseudonymOf(key);
  // Teams first, found through the subscriptions the user bought before those lose the email.
  const bought = await Subscription.find({ customerEmail: email, seats: { $ne: null } }, { polarSubscriptionId: 1 }).lean();
  await Team.updateMany({ _id: { $in: bought.map((s) => s.polarSubscriptionId) } }, { $set: { billingEmail: pseudonym } });
  await Team.updateMany({ ownerEmail: email }, { $set: { ownerEmail: pseudonym } });
  await Seat.updateMany({ memberEmail: email }, { $set: { memberEmail: pseudonym } });
  await Payment.updateMany(
    { customerEmail: email },
    { $set: { customerEmail: pseudonym, "metadata.external_customer_id": pseudonym }, $unset: { checkoutUrl: 1 } },
  );
  await Subscription.updateMany({ customerEmail: email }, { $set: { customerEmail: pseudonym } });
  // The stored customer-portal sessions: the email, and a token that opens its billing.
  await PortalSession.deleteMany({ email });
  // Usage: the grants and meters are Polar's to keep; the outbox's events not sent by now go with
  // the account (its subscription is revoked: nothing is billed for them any more).
  await BenefitGrant.deleteMany({ customerEmail: email });
  await CustomerMeter.deleteMany({ customerEmail: email });
  await UsageEvent.deleteMany({ customerEmail: email });
  await UsageEvent.deleteMany({ memberEmail: email });
  await User.deleteOne({ email });
  await ErasedAccount.updateOne({ _id: key }, { $set: { completedAt: new Date() } });
}
