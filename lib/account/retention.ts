import "server-only";
import { finishErasure, eraseStored } from "./erase";
import { planNow } from "@/lib/users";
import { isLiveSubscription } from "@/lib/plan-changes/subscriber";
import { FREE_PLAN, User } from "@/models/User";
import { ErasedAccount } from "@/models/ErasedAccount";
import { Subscription } from "@/models/Subscription";
import { UsageEvent } from "@/models/UsageEvent";

/** An account with nothing to bill that nobody signed in to for this long is deleted (README "Your data"). */
export const INACTIVE_AFTER_MS = 90 * 86_400_000;
/** Tombstones outlive Polar's redelivery window (90 days) with room to spare, then go. */
const TOMBSTONE_KEPT_MS = 365 * 86_400_000;
/** An erasure younger than this may still be running in the request that started it. */
const UNFINISHED_AFTER_MS = 10 * 60_000;

export interface RetentionCounts {
  finished: number;
  erased: number;
  tombstonesDeleted: number;
  usageEventsDeleted: number;
}

/**
 * The cron's retention step: finishes erasures that stopped half-way, erases accounts gone for 90
 * days (Free, nothing live at Polar, no sign-in), and forgets old tombstones. Within `deadline`;
 * what it does not reach, the next run does.
 */
export async function applyRetention(opts: { limit: number; deadline: number; now?: Date }): Promise<RetentionCounts> {
  const now = opts.now ?? new Date();
  const counts: RetentionCounts = { finished: 0, erased: 0, tombstonesDeleted: 0, usageEventsDeleted: 0 };
  const unfinished = await ErasedAccount.find({ completedAt: null, erasedAt: { $lt: new Date(now.getTime() - UNFINISHED_AFTER_MS) } })
    .sort({ erasedAt: 1 })
    .limit(opts.limit)
    .lean();
  for (const tombstone of unfinished) {
    if (Date.now() > opts.deadline) return counts;
    const user = tombstone.userId ? await User.findById(tombstone.userId, { email: 1 }).lean() : null;
    // No user left: the steps before its deletion (anonymizing by email) had all run.
    if (user) await finishErasure(user.email, tombstone._id);
    else await ErasedAccount.updateOne({ _id: tombstone._id }, { $set: { completedAt: now } });
    counts.finished++;
  }

  const gone = await User.find({ subscriptionStatus: FREE_PLAN, lastSeenAt: { $lt: new Date(now.getTime() - INACTIVE_AFTER_MS) } }, { email: 1, subscriptionStatus: 1, planUntil: 1 })
    .sort({ lastSeenAt: 1 })
    .limit(opts.limit)
    .lean();
  for (const user of gone) {
    if (Date.now() > opts.deadline) return counts;
    if (planNow(user, now) !== FREE_PLAN) continue;
    const subs = await Subscription.find({ customerEmail: user.email }, { status: 1, endedAt: 1 }).lean();
    // A paused subscription still belongs to a customer who may come back: kept.
    if (subs.some(isLiveSubscription)) continue;
    await eraseStored(user.email, "inactive");
    counts.erased++;
  }

  // Usage events Polar took long ago: Polar has them; the account's chart shows 30 days.
  const sentBefore = new Date(now.getTime() - INACTIVE_AFTER_MS);
  counts.usageEventsDeleted = (await UsageEvent.deleteMany({ sentAt: { $ne: null, $lt: sentBefore } })).deletedCount;

  const old = await ErasedAccount.deleteMany({ completedAt: { $lt: new Date(now.getTime() - TOMBSTONE_KEPT_MS) } });
  counts.tombstonesDeleted = old.deletedCount;
  return counts;
}
