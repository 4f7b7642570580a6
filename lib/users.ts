import "server-only";
import { connectDb } from "./db";
import { User, type Plan } from "@/models/User";

export interface UserView {
  email: string;
  name: string | null;
  subscriptionStatus: Plan;
  polarCustomerId: string | null;
}

export async function upsertUserOnSignIn(email: string, name: string | null): Promise<void> {
  await connectDb();
  await User.updateOne(
    { email },
    { $setOnInsert: { email, subscriptionStatus: "free", payments: [] }, ...(name ? { $set: { name } } : {}) },
    { upsert: true },
  );
}

export async function findUserByEmail(email: string): Promise<UserView | null> {
  await connectDb();
  const user = await User.findOne({ email }, { email: 1, name: 1, subscriptionStatus: 1, polarCustomerId: 1 }).lean();
  if (!user) return null;
  return {
    email: user.email,
    name: user.name ?? null,
    subscriptionStatus: user.subscriptionStatus,
    polarCustomerId: user.polarCustomerId ?? null,
  };
}
