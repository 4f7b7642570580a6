import { Schema, model, models, type InferSchemaType, type Model } from "mongoose";

/**
 * The outbox of usage events the app owes Polar (lib/usage/outbox.ts): written in the request that
 * used the feature, sent to `events.ingest` behind the answer and by the cron. `_id` is the event's
 * `external_id` at Polar, stable across retries, so Polar counts each once however often it is sent.
 */
const usageEventSchema = new Schema({
  _id: { type: String, required: true },
  // Whose customer meter counts it: the user, or for a team member the team's billing customer.
  customerEmail: { type: String, required: true, lowercase: true, trim: true },
  // The team member who used it (sent as `external_member_id`); null for anyone else.
  memberEmail: { type: String, default: null },
  name: { type: String, required: true },
  metadata: { type: Schema.Types.Mixed, default: {} },
  createdAt: { type: Date, required: true },
  // When Polar acknowledged it (null: not yet).
  sentAt: { type: Date, default: null },
  attempts: { type: Number, default: 0 },
  nextAttemptAt: { type: Date, required: true },
  lastError: { type: String, default: null },
});

// The flush's pick: unsent events that are due, oldest first.
usageEventSchema.index({ sentAt: 1, nextAttemptAt: 1 });
// A customer's events Polar's meter may not show yet (the allowance), and the account's chart.
usageEventSchema.index({ customerEmail: 1, sentAt: 1 });
// A member's events, which an erasure deletes (their customer is the team's).
usageEventSchema.index({ memberEmail: 1 });

export type UsageEventDoc = InferSchemaType<typeof usageEventSchema>;
export const UsageEvent: Model<UsageEventDoc> = (models.UsageEvent as Model<UsageEventDoc> | undefined) ?? model("UsageEvent", usageEventSchema);
