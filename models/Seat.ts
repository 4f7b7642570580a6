import { Schema, model, models, type InferSchemaType, type Model } from "mongoose";

/**
 * A seat of a team's subscription, as Polar's customer-seats API and `customer_seat.*` webhooks
 * describe it (lib/teams/facts.ts). Keyed by Polar's seat id: Polar reuses a revoked seat for
 * the next assignment, so one document follows the seat through its members.
 */
const seatSchema = new Schema(
  {
    _id: { type: String, required: true },
    subscriptionId: { type: String, required: true },
    // Our external id of the member (the email), lower-cased; null: nobody holds it.
    memberEmail: { type: String, default: null },
    memberId: { type: String, default: null },
    // pending (assigned, not claimed), claimed (grants the team's plan), revoked.
    status: { type: String, required: true },
    statusRank: { type: Number, default: 0 },
    claimedAt: { type: Date, default: null },
    revokedAt: { type: Date, default: null },
    // The seat's modified_at at Polar: an older seat event never overwrites a newer one.
    polarModifiedAt: { type: Date, required: true },
    // The Polar environment of the deployment that wrote it (as models/Payment.ts).
    environment: { type: String, default: null },
  },
  { timestamps: true },
);
// A member's seats: the plan's derivation (claimed ones) and /team's membership.
seatSchema.index({ memberEmail: 1, status: 1 });
// A team's seats: /team's list, the seats in use, and the members whose plan follows the subscription.
seatSchema.index({ subscriptionId: 1, status: 1 });
// member.updated/deleted name the member only by Polar's id.
seatSchema.index({ memberId: 1 });

export type SeatDoc = InferSchemaType<typeof seatSchema>;
export const Seat: Model<SeatDoc> = (models.Seat as Model<SeatDoc> | undefined) ?? model("Seat", seatSchema);
