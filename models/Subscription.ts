import { Schema, model, models, type InferSchemaType, type Model } from "mongoose";

const subscriptionSchema = new Schema(
  {
    polarSubscriptionId: { type: String, required: true, unique: true },
    customerEmail: { type: String, required: true, lowercase: true, trim: true },
    productId: { type: String, default: null },
    // Polar's status: incomplete, trialing, active, past_due, canceled, unpaid, ...
    status: { type: String, required: true },
    // Orders Polar's statuses for events that share one modified_at (lib/billing/rules.ts).
    statusRank: { type: Number, default: 0 },
    currentPeriodStart: { type: Date, default: null },
    currentPeriodEnd: { type: Date, default: null },
    cancelAtPeriodEnd: { type: Boolean, default: false },
    // Polar's price per period of this subscription (cents) and its interval: what a plan
    // change's proration starts from.
    amount: { type: Number, default: null },
    currency: { type: String, default: null },
    recurringInterval: { type: String, default: null },
    // A change Polar applies at the next period start (`pending_update`: a downgrade scheduled
    // with next_period); null when none is scheduled.
    pendingProductId: { type: String, default: null },
    pendingAppliesAt: { type: Date, default: null },
    // Pause: set to pause at the period end; paused since; resumes by itself at (optional).
    pauseAtPeriodEnd: { type: Boolean, default: false },
    pausedAt: { type: Date, default: null },
    resumesAt: { type: Date, default: null },
    endedAt: { type: Date, default: null },
    // Seats bought (a seat-based subscription: a team's, lib/teams); null for a personal one.
    seats: { type: Number, default: null },
    // Polar's modified_at: an older subscription event never overwrites a newer one.
    polarModifiedAt: { type: Date, default: null },
    // The Polar environment of the deployment that wrote it (as models/Payment.ts).
    environment: { type: String, default: null },
  },
  { timestamps: true },
);
// A customer's subscriptions (its prefix), and the confirmation page's latest trial of a product.
subscriptionSchema.index({ customerEmail: 1, currentPeriodEnd: -1 });
// `npm run doctor` counts the facts of other environments than the deployment's.
subscriptionSchema.index({ environment: 1 });

export type SubscriptionDoc = InferSchemaType<typeof subscriptionSchema>;
export const Subscription: Model<SubscriptionDoc> =
  (models.Subscription as Model<SubscriptionDoc> | undefined) ?? model("Subscription", subscriptionSchema);
