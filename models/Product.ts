import { Schema, model, models, type InferSchemaType, type Model } from "mongoose";

const productSchema = new Schema(
  {
    polarProductId: { type: String, required: true, unique: true },
    name: { type: String, required: true },
    description: { type: String, default: null },
    // The plan this product grants, from the Polar product's metadata key `plan`; null grants nothing.
    plan: { type: String, default: null },
    // Where the plan stands among the tiers (metadata key `rank`; higher grants more). A plan
    // without one ranks 1, so a catalogue with a single tier needs no rank.
    rank: { type: Number, default: 1 },
    priceAmount: { type: Number, default: null },
    priceCurrency: { type: String, default: null },
    // null for a one-time product, else Polar's interval ("month", "year", ...).
    recurringInterval: { type: String, default: null },
    // Polar's trial before the first charge ("day" and 14: two weeks free); null for none.
    trialInterval: { type: String, default: null },
    trialIntervalCount: { type: Number, default: null },
    isArchived: { type: Boolean, default: false },
    // Meters a metered price bills past the plan's credits (lib/usage/rules.ts: overage allowed).
    meteredMeterIds: { type: [String], default: [] },
    // A seat-based price (Polar's `seat_tiers`): the product is a team's plan, bought by seats
    // and granted to each seat's member, never to the buyer as such (lib/teams). Null otherwise.
    // (lib/billing/facts.ts SeatPricing, written whole from Polar's `seat_tiers`.)
    seatPricing: { type: Schema.Types.Mixed, default: null },
    // Polar's modified_at (or created_at): an older product event never overwrites a newer one.
    polarModifiedAt: { type: Date, default: null },
  },
  { timestamps: true },
);
// requirePlan's look-up of a tier's rank.
productSchema.index({ plan: 1, rank: 1 });

export type ProductDoc = InferSchemaType<typeof productSchema>;
export const Product: Model<ProductDoc> =
  (models.Product as Model<ProductDoc> | undefined) ?? model("Product", productSchema);
