import "server-only";
import { WebhookEvent } from "@/models/WebhookEvent";

export type Claim = "new" | "unfinished" | "done";

/**
 * Stores the event under its `webhook-id` before anything is applied. A redelivery of an event
 * already applied is answered without touching anything; one whose earlier attempt did not
 * finish is applied again (every handler is idempotent).
 */
export async function claimEvent(webhookId: string, type: string, payload: string): Promise<Claim> {
  const claim = () =>
    WebhookEvent.findOneAndUpdate(
      { _id: webhookId },
      { $setOnInsert: { webhookId, type, payload, status: "received", receivedAt: new Date() }, $inc: { attempts: 1 } },
      // No projection: FerretDB's findAndModify does not implement `fields`.
      { upsert: true, returnDocument: "before" },
    ).lean();
  let previous;
  try {
    previous = await claim();
  } catch (error) {
    if ((error as { code?: unknown }).code !== 11000) throw error;
    previous = await claim(); // a concurrent delivery inserted it first
  }
  if (!previous) return "new";
  return previous.status === "processed" || previous.status === "skipped" ? "done" : "unfinished";
}

export async function markApplied(webhookId: string, outcome: "applied" | "ignored"): Promise<void> {
  await WebhookEvent.updateOne(
    { _id: webhookId },
    { $set: { status: outcome === "applied" ? "processed" : "skipped", processedAt: new Date(), error: null } },
  );
}

/** Records why an event could not be applied; never downgrades one a concurrent delivery applied. */
export async function markFailed(webhookId: string, error: string): Promise<void> {
  await WebhookEvent.updateOne({ webhookId, status: { $in: ["received", "failed"] } }, { $set: { status: "failed", error } });
}

/** A signed event that the SDK cannot parse (e.g. a type newer than the SDK): kept, not applied. */
export async function storeUnparsed(webhookId: string, type: string, payload: string, reason: string): Promise<void> {
  await WebhookEvent.updateOne(
    { _id: webhookId },
    { $setOnInsert: { webhookId, type, payload, receivedAt: new Date(), status: "skipped", processedAt: new Date(), error: reason }, $inc: { attempts: 1 } },
    { upsert: true },
  );
}
