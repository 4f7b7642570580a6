import "server-only";
import { Seat } from "@/models/Seat";
import { Team } from "@/models/Team";

/**
 * Whose meter a user's usage counts on. Polar credits a seat's meter-credit benefit to the team's
 * billing customer, not to the member (server benefit/strategies/meter_credit: one customer meter
 * per customer and meter), so a team's members share one pool: their events go to the team's
 * customer with the member named (`external_member_id`), and their allowance is the team's meter.
 * Anyone else uses their own.
 */
export interface MeterHolder {
  /** The external id whose customer meter counts the usage. */
  customer: string;
  /** The member using it, for a seat on a team; null otherwise. */
  member: string | null;
}

export async function meterHolderOf(email: string): Promise<MeterHolder> {
  const seat = await Seat.findOne({ memberEmail: email, status: "claimed" }, { subscriptionId: 1 }).lean();
  const team = seat ? await Team.findById(seat.subscriptionId, { billingEmail: 1 }).lean() : null;
  return team ? { customer: team.billingEmail, member: email } : { customer: email, member: null };
}
