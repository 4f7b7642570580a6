import { Schema, model, models, type InferSchemaType, type Model } from "mongoose";

/**
 * An account deleted at its owner's request or by the retention job (lib/account/erase.ts), keyed
 * by a hash of its email: Polar keeps sending events about it for a while (the revocation the
 * deletion caused, redeliveries), and lib/billing/store.ts must not rebuild the user from them.
 * Holds no email. `completedAt` null: the erasure stopped half-way, and the retention job finishes it.
 */
const erasedAccountSchema = new Schema(
  {
    _id: { type: String, required: true },
    // The pseudonym the anonymized payments and subscriptions carry instead of the email.
    pseudonym: { type: String, required: true },
    // Who asked: the user, or the retention job.
    reason: { type: String, enum: ["requested", "inactive"], required: true },
    erasedAt: { type: Date, required: true },
    // The user being erased, so an erasure that stopped before the user was deleted can find its
    // email again and finish (lib/account/retention.ts).
    userId: { type: Schema.Types.ObjectId, default: null },
    completedAt: { type: Date, default: null },
    // When the email signed up again: from then on its events are a new account's (lib/auth/identities.ts).
    liftedAt: { type: Date, default: null },
  },
);

// The retention job's pick of erasures that stopped half-way.
erasedAccountSchema.index({ completedAt: 1, erasedAt: 1 });

export type ErasedAccountDoc = InferSchemaType<typeof erasedAccountSchema>;
export const ErasedAccount: Model<ErasedAccountDoc> =
  (models.ErasedAccount as Model<ErasedAccountDoc> | undefined) ?? model("ErasedAccount", erasedAccountSchema);
