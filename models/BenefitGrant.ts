import { Schema, model, models, type InferSchemaType, type Model } from "mongoose";

/**
 * A benefit Polar granted a customer (a fact, like payments and subscriptions): what a plan includes
 * is Polar's data, read from here, never from product ids in code. `feature` is the benefit's
 * metadata `feature` (a feature flag: what it opens; a meter credit: what it limits); `meterId`
 * the meter a credit benefit credits. Newer facts win (`polarModifiedAt`); a revoked grant stays,
 * `granted: false`.
 */
const benefitGrantSchema = new Schema(
  {
    polarGrantId: { type: String, required: true, unique: true },
    customerEmail: { type: String, required: true, lowercase: true, trim: true, index: true },
    benefitId: { type: String, required: true },
    benefitType: { type: String, required: true },
    feature: { type: String, default: null },
    meterId: { type: String, default: null },
    granted: { type: Boolean, required: true },
    polarModifiedAt: { type: Date, required: true },
    // The Polar environment of the deployment that wrote it (as models/Payment.ts).
    environment: { type: String, default: null },
  },
  { timestamps: true },
);

// A credit benefit's meter, learnt from one grant's webhook, for the grants the customer state lists.
benefitGrantSchema.index({ benefitId: 1 });

export type BenefitGrantDoc = InferSchemaType<typeof benefitGrantSchema>;
export const BenefitGrant: Model<BenefitGrantDoc> =
  (models.BenefitGrant as Model<BenefitGrantDoc> | undefined) ?? model("BenefitGrant", benefitGrantSchema);
