import "server-only";
import { factsHere } from "@/lib/billing/environment";
import { connectDb } from "@/lib/db/connect";
import { isLiveSubscription } from "@/lib/plan-changes/subscriber";
import { Product } from "@/models/Product";
import { Seat } from "@/models/Seat";
import { Subscription } from "@/models/Subscription";
import { Team } from "@/models/Team";
import type { SeatPricing, TeamRole } from "./rules";

/** A team as /team shows it and the team actions check it, read from MongoDB. */
export interface TeamView {
  id: string;
  ownerEmail: string;
  role: TeamRole;
  productName: string;
  seats: number;
  /** Seats claimed or pending: Polar counts both against the subscription. */
  inUse: number;
  members: Array<{ seatId: string; email: string | null; status: string }>;
  pricing: SeatPricing | null;
  subscription: { status: string; interval: string; periodStart: Date | null; periodEnd: Date | null; live: boolean; cancelAtPeriodEnd: boolean };
  ownerSeatWanted: boolean;
}

/** The seats Polar counts against a subscription: claimed, or assigned and waiting for their member. */
const TAKEN = { $in: ["claimed", "pending"] };

const ownedTeamIds = async (email: string) => (await Team.find({ ownerEmail: email, ...factsHere() }, { _id: 1 }).lean()).map((t) => t._id);

/** The teams `email` belongs to: those they own, then those they hold a seat of (claimed or pending). */
export async function teamIdsOf(email: string): Promise<{ owned: string[]; member: string[] }> {
  const [owned, seats] = await Promise.all([ownedTeamIds(email), Seat.find({ memberEmail: email, status: TAKEN }, { subscriptionId: 1 }).lean()]);
  return { owned, member: seats.map((s) => s.subscriptionId) };
}

/** The team /team shows `email`: one they own with a live subscription first, else one they are a member of. */
export async function teamOf(email: string): Promise<TeamView | null> {
  await connectDb();
  const { owned, member } = await teamIdsOf(email);
  for (const id of [...owned, ...member.filter((m) => !owned.includes(m))]) {
    const view = await readTeam(id, email);
    if (view && (view.subscription.live || view.role === "member")) return view;
  }
  return null;
}

/** One team as `viewer` sees it; null when there is no such team or the viewer is neither its owner nor a member. */
export async function readTeam(id: string, viewer: string): Promise<TeamView | null> {
  await connectDb();
  const [team, sub, seats] = await Promise.all([
    Team.findById(id).lean(),
    Subscription.findOne({ polarSubscriptionId: id, ...factsHere() }).lean(),
    Seat.find({ subscriptionId: id, status: TAKEN }, { memberEmail: 1, status: 1 }).lean(),
  ]);
  if (!team || !sub) return null;
  const role: TeamRole | null = team.ownerEmail === viewer ? "owner" : seats.some((s) => s.memberEmail === viewer) ? "member" : null;
  if (!role) return null;
  const product = sub.productId ? await Product.findOne({ polarProductId: sub.productId }, { name: 1, seatPricing: 1 }).lean() : null;
  return {
    id,
    ownerEmail: team.ownerEmail,
    role,
    productName: product?.name ?? "Team",
    seats: sub.seats ?? 0,
    inUse: seats.length,
    members: seats
      .map((s) => ({ seatId: s._id, email: s.memberEmail ?? null, status: s.status }))
      .sort((a, b) => (a.email ?? "").localeCompare(b.email ?? "")),
    pricing: (product?.seatPricing as SeatPricing | null | undefined) ?? null,
    subscription: {
      status: sub.status,
      interval: sub.recurringInterval ?? "month",
      periodStart: sub.currentPeriodStart ?? null,
      periodEnd: sub.currentPeriodEnd ?? null,
      live: isLiveSubscription(sub),
      cancelAtPeriodEnd: sub.cancelAtPeriodEnd,
    },
    ownerSeatWanted: team.ownerSeatWantedSince != null,
  };
}

/** Whether `email` owns a team whose subscription has not ended (the checkout sells one team each). */
export async function ownsLiveTeam(email: string): Promise<boolean> {
  await connectDb();
  const owned = await ownedTeamIds(email);
  if (owned.length === 0) return false;
  const subs = await Subscription.find({ polarSubscriptionId: { $in: owned } }, { status: 1, endedAt: 1 }).lean();
  return subs.some(isLiveSubscription);
}
