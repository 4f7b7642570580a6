import "server-only";
import { connectDb } from "./db";
import { userLockKey, withKeyedLock } from "./keyed-lock";
import type { UpdateQuery } from "mongoose";
import { planAt } from "@/lib/billing/rules";
import { User, type Plan, type UserDoc } from "@/models/User";

export interface UserView {
  email: string;
  name: string | null;
  /** The plan at the moment of reading: the stored plan, unless its end date has passed. */
  subscriptionStatus: Plan;
  /** Until when that plan holds (null: no end known, or Free). */
  planUntil: Date | null;
  polarCustomerId: string | null;
}

/**
 * Applies `update` to the user with this email, creating the user first if there is none, and
 * returns the user's facts version after it. Not an upsert: FerretDB drops null values from an
 * upsert's $setOnInsert, and the seed's documents hold explicit nulls (`name`,
 * `polarCustomerId`). A concurrent creator is harmless: the unique index on email lets exactly
 * one insert win.
 */
export async function updateOrCreateUser(email: string, update: UpdateQuery<UserDoc>): Promise<{ factsVersion: number }> {
  // No projection: FerretDB's findAndModify does not implement `fields`.
  const apply = () => User.findOneAndUpdate({ email }, update, { returnDocument: "after" }).lean();
  const updated = await apply();
  if (updated) return { factsVersion: updated.factsVersion ?? 0 };
  try {
    await User.create({ email, name: null, polarCustomerId: null, subscriptionStatus: "free", payments: [], factsVersion: 0 });
  } catch (error) {
    if ((error as { code?: unknown }).code !== 11000) throw error;
  }
  const created = await apply();
  if (!created) throw new Error(`The user ${email} vanished while it was being created`);
  return { factsVersion: created.factsVersion ?? 0 };
}

export async function upsertUserOnSignIn(email: string, name: string | null): Promise<void> {
  await connectDb();
  await withKeyedLock(userLockKey(email), () => updateOrCreateUser(email, name ? { $set: { name } } : {}));
}

/** A stored user's plan at this moment (the stored plan is a cache; its end date decides). */
export function planNow(user: Pick<UserDoc, "subscriptionStatus" | "planUntil">, now = new Date()): Plan {
  return planAt({ plan: user.subscriptionStatus, until: user.planUntil }, now);
}

export async function findUserByEmail(email: string): Promise<UserView | null> {
  await connectDb();
  const user = await User.findOne({ email }, { email: 1, name: 1, subscriptionStatus: 1, planUntil: 1, polarCustomerId: 1 }).lean();
  if (!user) return null;
  const plan = planNow(user);
  return {
    email: user.email,
    name: user.name ?? null,
    subscriptionStatus: plan,
    planUntil: plan === "free" ? null : (user.planUntil ?? null),
    polarCustomerId: user.polarCustomerId ?? null,
  };
}
