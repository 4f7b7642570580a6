import "server-only";
import { customerSeatsListSeats } from "@polar-sh/sdk/funcs/customerSeatsListSeats.js";
import { subscriptionsGet } from "@polar-sh/sdk/funcs/subscriptionsGet.js";
import { ResourceNotFound } from "@polar-sh/sdk/models/errors/resourcenotfound";
import { unwrapAsync } from "@polar-sh/sdk/types/fp.js";
import { recordPolarSubscription } from "@/lib/billing/pull-sync";
import { endLostSubscription } from "@/lib/billing/store";
import { polar } from "@/lib/polar/client";
import { Seat } from "@/models/Seat";
import { seatFact, type SeatStatus } from "./facts";
import { recordSeat } from "./store";
import { teamIdsOf } from "./team";

/**
 * The reconciler's part for teams (lib/billing/reconcile.ts calls it for each user it checks):
 * every team the user owns or holds a seat of is compared with Polar, its subscription and its
 * seats, and what drifted is repaired through the same writes as the webhooks. A lost
 * `customer_seat.revoked` or `subscription.revoked` can then keep a member's access only until
 * the member (a paid user, so checked every few runs) is reconciled.
 */
export async function reconcileTeamsOf(email: string): Promise<void> {
  const { owned, member } = await teamIdsOf(email);
  for (const id of new Set([...owned, ...member])) await reconcileTeam(id);
}

async function reconcileTeam(subscriptionId: string): Promise<void> {
  try {
    await recordPolarSubscription(await unwrapAsync(subscriptionsGet(polar(), { id: subscriptionId })));
  } catch (error) {
    if (!(error instanceof ResourceNotFound)) throw error;
    await endLostSubscription(subscriptionId);
    return;
  }
  const asOf = new Date();
  const list = await unwrapAsync(customerSeatsListSeats(polar(), { subscriptionId }));
  const listed = new Set<string>();
  for (const seat of list.seats) {
    listed.add(seat.id);
    const fact = seatFact(seat);
    if (fact) await recordSeat(fact);
  }
  // A seat we hold as taken that Polar no longer lists is gone there: revoked as of this check
  // (a newer fact, so a late event of its past changes nothing).
  const held = await Seat.find({ subscriptionId, status: { $in: ["claimed", "pending"] } }).lean();
  for (const seat of held) {
    if (listed.has(seat._id)) continue;
    await recordSeat({
      seatId: seat._id,
      subscriptionId,
      memberEmail: seat.memberEmail ?? null,
      memberId: seat.memberId ?? null,
      status: "revoked" satisfies SeatStatus,
      claimedAt: seat.claimedAt ?? null,
      revokedAt: asOf,
      polarModifiedAt: asOf,
    });
  }
}
