import { Schema, model, models, type InferSchemaType, type Model } from "mongoose";

const webhookEventSchema = new Schema({
  // The `webhook-id` header: the same on every retry, so it is the dedupe key.
  webhookId: { type: String, required: true, unique: true },
  type: { type: String, required: true },
  receivedAt: { type: Date, required: true, default: () => new Date() },
  processedAt: { type: Date, default: null },
  // Why the event could not be applied; cleared once it is.
  error: { type: String, default: null },
  attempts: { type: Number, default: 0 },
  // The verified body exactly as Polar sent it, kept as text so it can be replayed byte for byte.
  payload: { type: String, required: true },
});
webhookEventSchema.index({ processedAt: 1, receivedAt: -1 });

export type WebhookEventDoc = InferSchemaType<typeof webhookEventSchema>;
export const WebhookEvent: Model<WebhookEventDoc> =
  (models.WebhookEvent as Model<WebhookEventDoc> | undefined) ?? model("WebhookEvent", webhookEventSchema);
