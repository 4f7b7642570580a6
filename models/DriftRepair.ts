import { Schema, model, models, type InferSchemaType, type Model } from "mongoose";

/**
 * One repair the reconciler made: what our facts said, what Polar said, and the plan before and
 * after. Names the user by id, not email (operator screens and exports outlive accounts).
 */
const driftRepairSchema = new Schema({
  at: { type: Date, required: true, default: () => new Date() },
  userId: { type: Schema.Types.ObjectId, required: true, ref: "User" },
  // "subscription" | "payment" | "plan": which fact was pulled from Polar (or the plan alone, when only time moved it).
  kind: { type: String, required: true },
  // The Polar id of the subscription or order, or "plan".
  subject: { type: String, required: true },
  before: { type: String, required: true },
  after: { type: String, required: true },
  planBefore: { type: String, required: true },
  planAfter: { type: String, required: true },
});
driftRepairSchema.index({ at: -1 });

export type DriftRepairDoc = InferSchemaType<typeof driftRepairSchema>;
export const DriftRepair: Model<DriftRepairDoc> =
  (models.DriftRepair as Model<DriftRepairDoc> | undefined) ?? model("DriftRepair", driftRepairSchema);
