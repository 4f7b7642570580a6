import "server-only";
import { connectDb } from "./db/connect";
import { updateElseInsert } from "./db/ferretdb-workarounds";
import type { UpdateQuery } from "mongoose";
import { thisEnvironment } from "@/lib/billing/environment";
import { cachedPlanAt } from "@/lib/billing/rules";
import { ofEnvironment } from "@/lib/polar/environment";
import { FREE_PLAN, User, type Plan, type UserDoc } from "@/models/User";

export interface UserView {
  email: string;
  name: string | null;
  /** The plan at the moment of reading: the stored plan, unless its end date has passed. */
  subscriptionStatus: Plan;
  /** That plan's rank among the tiers (0: Free). */
  planRank: number;
  /** Until when that plan holds (null: no end known, or Free). */
  planUntil: Date | null;
  polarCustomerId: string | null;
}

/**
 * Applies `update` to the user with this email, creating the user first if there is none, and
 * returns the user's facts version after it. The new user's document holds explicit nulls, as
 * the seed's do (`name`, `polarCustomerId`); the unique index on email lets one creator win.
 */
export async function updateOrCreateUser(email: string, update: UpdateQuery<UserDoc>): Promise<{ factsVersion: number }> {
  const user = await updateElseInsert(User, { email }, update, {
    email,
    name: null,
    polarCustomerId: null,
    subscriptionStatus: FREE_PLAN,
    planRank: 0,
    // First seen: a user created by a webhook (never signed in) ages towards retention from here.
    lastSeenAt: new Date(),
    payments: [],
    factsVersion: 0,
  });
  return { factsVersion: user.factsVersion ?? 0 };
}

/** The user fields planNow reads: every reader's projection includes them. */
export const PLAN_FIELDS = { subscriptionStatus: 1, planUntil: 1, billingEnvironment: 1 } as const;

/**
 * A stored user's plan at this moment: the stored plan is a cache, its end date decides, and a
 * cache another Polar environment's deployment wrote (sharing this database) is Free here.
 */
export function planNow(user: Pick<UserDoc, "subscriptionStatus" | "planUntil" | "billingEnvironment">, now = new Date()): Plan {
  return cachedPlanAt({ plan: user.subscriptionStatus, until: user.planUntil, environment: user.billingEnvironment }, now, thisEnvironment());
}

export async function findUserByEmail(email: string): Promise<UserView | null> {
  await connectDb();
  const user = await User.findOne({ email }, { email: 1, name: 1, planRank: 1, polarCustomerId: 1, ...PLAN_FIELDS }).lean();
  if (!user) return null;
  const plan = planNow(user);
  const lapsed = plan === FREE_PLAN;
  return {
    email: user.email,
    name: user.name ?? null,
    subscriptionStatus: plan,
    planRank: lapsed ? 0 : (user.planRank ?? 1),
    planUntil: lapsed ? null : (user.planUntil ?? null),
    // A customer another environment linked is not one this deployment's Polar knows.
    polarCustomerId: ofEnvironment(user.billingEnvironment, thisEnvironment()) ? (user.polarCustomerId ?? null) : null,
  };
}
