import { Schema, model, models, type InferSchemaType, type Model } from "mongoose";

export const PLANS = ["free", "pro"] as const;
export type Plan = (typeof PLANS)[number];

const userSchema = new Schema(
  {
    // The email is the identity shared with Polar: it is sent as `externalCustomerId`.
    email: { type: String, required: true, unique: true, lowercase: true, trim: true },
    name: { type: String, default: null },
    // Not unique: FerretDB ignores `sparse`, so a unique index would collide on the many nulls.
    polarCustomerId: { type: String, default: null, index: true },
    // Derived from payments and subscriptions by lib/billing/plan.ts; never set directly.
    subscriptionStatus: { type: String, enum: PLANS, default: "free", required: true },
    payments: [{ type: Schema.Types.ObjectId, ref: "Payment" }],
    // Bumped by every write of a payment or subscription fact; the plan is only saved if no
    // fact changed while it was being computed (optimistic concurrency, no transactions).
    factsVersion: { type: Number, default: 0 },
  },
  { timestamps: true },
);

export type UserDoc = InferSchemaType<typeof userSchema>;
export const User: Model<UserDoc> = (models.User as Model<UserDoc> | undefined) ?? model("User", userSchema);
