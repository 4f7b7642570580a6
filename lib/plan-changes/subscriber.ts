import "server-only";
import { factsHere } from "@/lib/billing/environment";
import { connectDb } from "@/lib/db/connect";
import { Product, type ProductDoc } from "@/models/Product";
import { Subscription, type SubscriptionDoc } from "@/models/Subscription";

/**
 * The subscription a subscriber changes: the one that has not ended, granting first. A user has
 * at most one (the checkout refuses a second recurring product, and Polar refuses a second
 * subscription when the organization allows one per customer), so "first" only matters for data
 * from before that rule.
 */
export type LiveSubscription = SubscriptionDoc & { _id: unknown };

/** Statuses of a subscription that has not ended (revoked ones carry `endedAt`). */
const LIVE = ["active", "trialing", "past_due", "paused", "incomplete"];
/** Whether a subscription has not ended (Polar may still charge it, or will again). */
export const isLiveSubscription = (s: { status: string; endedAt?: Date | null }): boolean => LIVE.includes(s.status) && !s.endedAt;
const preference = (s: { status: string }) => (s.status === "active" || s.status === "trialing" ? 0 : 1);

export async function liveSubscriptionOf(email: string): Promise<LiveSubscription | null> {
  await connectDb();
  // Another Polar environment's subscription is not this Polar's to change; a team's (seat-based)
  // is changed by its seats on /team (lib/teams), never switched to a personal plan.
  return pickLive(await Subscription.find({ customerEmail: email, seats: null, ...factsHere() }).lean());
}

/** The live one among a user's subscriptions (pure: a page that read them all picks it here). */
export function pickLive<T extends LiveSubscription>(subs: readonly T[]): T | null {
  const live = subs.filter(isLiveSubscription);
  live.sort((a, b) => preference(a) - preference(b) || (b.currentPeriodEnd?.getTime() ?? 0) - (a.currentPeriodEnd?.getTime() ?? 0));
  return live[0] ?? null;
}

/** The products behind a switch: the subscription's and the target's (one read). */
export async function productsById(ids: readonly string[]): Promise<Map<string, ProductDoc>> {
  const products = await Product.find({ polarProductId: { $in: [...new Set(ids)] } }).lean();
  return new Map(products.map((p) => [p.polarProductId, p]));
}

/**
 * A product a subscriber may switch to: on sale, recurring, granting a plan, and without a free
 * trial (a trial is for a first purchase: switching into one would only restart billing).
 */
export function isSwitchTarget(p: ProductDoc | undefined): p is ProductDoc & { plan: string; recurringInterval: string; priceAmount: number } {
  return Boolean(p && !p.isArchived && p.plan && p.recurringInterval && typeof p.priceAmount === "number" && !p.trialInterval);
}
