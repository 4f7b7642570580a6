import { Schema, model, models, type InferSchemaType, type Model } from "mongoose";

/**
 * A team: a seat-based subscription, its owner, and its Polar customer (the buyer's, `type`
 * team). Keyed by the subscription id, the fact that links it to billing; its seats are
 * models/Seat.ts, its seat count and standing the subscription's (models/Subscription.ts).
 */
const teamSchema = new Schema(
  {
    _id: { type: String, required: true },
    // Who manages the team (invites, removes, seats, billing): the buyer, until they hand it on.
    ownerEmail: { type: String, required: true, lowercase: true, trim: true },
    // The billing customer at Polar (the buyer's); unchanged by a move of ownership.
    polarCustomerId: { type: String, required: true },
    billingEmail: { type: String, required: true, lowercase: true, trim: true },
    // Set while the owner's own seat is still to be assigned at Polar (a custom success URL means
    // Polar does not give the buyer a seat): /team, the confirmation page and the cron assign it.
    ownerSeatWantedSince: { type: Date, default: null },
    environment: { type: String, default: null },
  },
  { timestamps: true },
);
// The teams a person owns (/team, the checkout's "one team each").
teamSchema.index({ ownerEmail: 1 });
// The cron's sweep of owners still without their seat.
teamSchema.index({ ownerSeatWantedSince: 1 });

export type TeamDoc = InferSchemaType<typeof teamSchema>;
export const Team: Model<TeamDoc> = (models.Team as Model<TeamDoc> | undefined) ?? model("Team", teamSchema);
