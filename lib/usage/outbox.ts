import "server-only";
import { connectDb } from "@/lib/db/connect";
import { isDuplicateKey } from "@/lib/db/write-newer";
import { UsageEvent } from "@/models/UsageEvent";
import type { MeterHolder } from "./holder";

/**
 * The usage events the app owes Polar, written in the request that used the feature
 * (models/UsageEvent.ts). The id is the caller's idempotency key: a retried request finds its
 * event already here and counts nothing twice, here or at Polar (the id is Polar's `external_id`).
 */
export async function recordUsage(event: { id: string; holder: MeterHolder; name: string; metadata: Record<string, string | number | boolean> }): Promise<"recorded" | "repeated"> {
  await connectDb();
  const now = new Date();
  const { customer, member } = event.holder;
  try {
    await UsageEvent.create({ _id: event.id, customerEmail: customer, memberEmail: member, name: event.name, metadata: event.metadata, createdAt: now, nextAttemptAt: now });
    return "recorded";
  } catch (error) {
    if (isDuplicateKey(error)) return "repeated";
    throw error;
  }
}

/**
 * This customer's events Polar's meter may not count yet: not sent, or sent after the meter's
 * snapshot (`asOf`; null: no snapshot, every event).
 */
export async function pendingUsage(email: string, asOf: Date | null): Promise<number> {
  await connectDb();
  if (!asOf) return UsageEvent.countDocuments({ customerEmail: email });
  return UsageEvent.countDocuments({ customerEmail: email, $or: [{ sentAt: null }, { sentAt: { $gt: asOf } }] });
}
