import { Schema, model, models, type InferSchemaType, type Model } from "mongoose";

const subscriptionSchema = new Schema(
  {
    polarSubscriptionId: { type: String, required: true, unique: true },
    customerEmail: { type: String, required: true, lowercase: true, trim: true, index: true },
    productId: { type: String, default: null },
    // Polar's status: incomplete, trialing, active, past_due, canceled, unpaid, ...
    status: { type: String, required: true },
    // Orders Polar's statuses for events that share one modified_at (lib/billing/rules.ts).
    statusRank: { type: Number, default: 0 },
    currentPeriodStart: { type: Date, default: null },
    currentPeriodEnd: { type: Date, default: null },
    cancelAtPeriodEnd: { type: Boolean, default: false },
    endedAt: { type: Date, default: null },
    // Polar's modified_at: an older subscription event never overwrites a newer one.
    polarModifiedAt: { type: Date, default: null },
  },
  { timestamps: true },
);

export type SubscriptionDoc = InferSchemaType<typeof subscriptionSchema>;
export const Subscription: Model<SubscriptionDoc> =
  (models.Subscription as Model<SubscriptionDoc> | undefined) ?? model("Subscription", subscriptionSchema);
