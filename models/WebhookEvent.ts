import { Schema, model, models, type InferSchemaType, type Model } from "mongoose";

/**
 * The inbox. Every verified delivery is one document, written before Polar gets its answer.
 * received: stored, to be applied (by the delivery's `after()`, a redelivery or the sweep).
 * processed: applied. skipped: verified but nothing to apply (a type we do not map, no customer).
 * failed: could not be applied after MAX attempts for a reason a retry did not fix; an operator replays it.
 */
export const WEBHOOK_EVENT_STATUSES = ["received", "processed", "skipped", "failed"] as const;
export type WebhookEventStatus = (typeof WEBHOOK_EVENT_STATUSES)[number];

const webhookEventSchema = new Schema({
  // The `webhook-id` header: the same on every retry and redelivery, so the _id index alone
  // decides duplicates (a fresh event costs one insert and no read).
  _id: { type: String, required: true },
  type: { type: String, required: true },
  status: { type: String, enum: WEBHOOK_EVENT_STATUSES, default: "received", required: true },
  receivedAt: { type: Date, required: true, default: () => new Date() },
  processedAt: { type: Date, default: null },
  // Apply attempts started (a lease taken); an attempt whose holder died counts too.
  attempts: { type: Number, default: 0 },
  // The sweep leaves the event alone before this (backoff after a failed attempt).
  nextAttemptAt: { type: Date, required: true, default: () => new Date() },
  // Whoever applies the event holds it until leaseUntil; a holder that died is taken over after.
  leaseOwner: { type: String, default: null },
  leaseUntil: { type: Date, default: null },
  // Why the last attempt failed; cleared once the event is applied.
  error: { type: String, default: null },
  // The verified body exactly as Polar sent it, so it can be applied later or replayed byte for byte.
  payload: { type: String, required: true },
});
// The sweep's query (status + due time).
webhookEventSchema.index({ status: 1, nextAttemptAt: 1 });
// The operator's lists, newest first: events needing attention (failed, received, skipped) and
// the event log searched by status or by type. Two more keys to write per delivery, against a
// scan of 90 days of events per look on Atlas.
webhookEventSchema.index({ status: 1, receivedAt: -1 });
webhookEventSchema.index({ type: 1, receivedAt: -1 });
// Retention: the cron deletes events after 90 days (a delete, not a TTL index:
// lib/db/ferretdb-workarounds.ts, e/f).
webhookEventSchema.index({ receivedAt: 1 });

export type WebhookEventDoc = InferSchemaType<typeof webhookEventSchema>;
export const WebhookEvent: Model<WebhookEventDoc> =
  (models.WebhookEvent as Model<WebhookEventDoc> | undefined) ?? model("WebhookEvent", webhookEventSchema);
