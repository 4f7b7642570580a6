import { Schema, model, models, type InferSchemaType, type Model } from "mongoose";

/**
 * received: stored, not yet applied (or the database failed mid-way: Polar's retry applies it).
 * processed: applied. skipped: verified but nothing to apply (unknown type, no user in it).
 * failed: could not be applied for a reason a retry cannot fix; kept for an operator to replay.
 */
export const WEBHOOK_EVENT_STATUSES = ["received", "processed", "skipped", "failed"] as const;
export type WebhookEventStatus = (typeof WEBHOOK_EVENT_STATUSES)[number];

const webhookEventSchema = new Schema({
  // The `webhook-id` header, also used as _id: FerretDB 1.x's SQLite backend hands a filter on
  // `_id` alone down to SQLite (explain: filterPushdown) and filters anything else itself. It
  // scans either way (no index use); MongoDB uses _id_.
  _id: { type: String, required: true },
  // The `webhook-id` header: the same on every retry, so it is the dedupe key.
  webhookId: { type: String, required: true, unique: true },
  type: { type: String, required: true },
  status: { type: String, enum: WEBHOOK_EVENT_STATUSES, default: "received", required: true },
  receivedAt: { type: Date, required: true, default: () => new Date() },
  processedAt: { type: Date, default: null },
  // Why the event could not be applied; cleared once it is.
  error: { type: String, default: null },
  attempts: { type: Number, default: 0 },
  // The verified body exactly as Polar sent it, kept as text so it can be replayed byte for byte.
  payload: { type: String, required: true },
});
webhookEventSchema.index({ status: 1, receivedAt: -1 });

export type WebhookEventDoc = InferSchemaType<typeof webhookEventSchema>;
export const WebhookEvent: Model<WebhookEventDoc> =
  (models.WebhookEvent as Model<WebhookEventDoc> | undefined) ?? model("WebhookEvent", webhookEventSchema);
