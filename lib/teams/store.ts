import "server-only";
import { thisEnvironment } from "@/lib/billing/environment";
import { recordFactsChanged } from "@/lib/billing/store";
import { withKeyedLock } from "@/lib/db/keyed-lock";
import { writeNewer } from "@/lib/db/write-newer";
import { erasureKey, isErased, isPseudonym, pseudonymOf } from "@/lib/erasure-tombstones";
import { Seat } from "@/models/Seat";
import { seatStatusRank, type MemberFact, type SeatFact } from "./facts";

/**
 * Every write of seat facts, as lib/billing/store.ts writes subscriptions: keyed by Polar's id,
 * newer facts win by the seat's own modified_at (a late `customer_seat.assigned` after the
 * `claimed` of the same change, or after a revocation, changes nothing), no transactions. The plan
 * of whoever the seat grants to, or granted to before, is recomputed from all their facts.
 */

export async function recordSeat(given: SeatFact): Promise<void> {
  // A seat outlives its member's account: an erased member is named by their pseudonym, as their
  // payments are, so a late event never brings the email back (lib/account/erase.ts).
  const fact = given.memberEmail && (await isErased(given.memberEmail)) ? { ...given, memberEmail: pseudonymOf(erasureKey(given.memberEmail)) } : given;
  const before = await withKeyedLock(`seat:${fact.seatId}`, async () => {
    const held = await Seat.findById(fact.seatId, { memberEmail: 1 }).lean();
    const rank = seatStatusRank[fact.status];
    const written = await writeNewer(
      Seat,
      { _id: fact.seatId },
      "polarModifiedAt",
      {
        subscriptionId: fact.subscriptionId,
        memberEmail: fact.memberEmail,
        memberId: fact.memberId,
        status: fact.status,
        statusRank: rank,
        claimedAt: fact.claimedAt,
        revokedAt: fact.revokedAt,
        polarModifiedAt: fact.polarModifiedAt,
        environment: thisEnvironment(),
      },
      { statusRank: { $lte: rank } },
    );
    return { written, previous: held?.memberEmail ?? null };
  });
  // Recomputed even when this fact was older than the stored one: the attempt that stored the
  // newer one may have died before the plan was saved.
  const affected = new Set([fact.memberEmail, before.previous].filter((e): e is string => Boolean(e) && !isPseudonym(e!)));
  for (const email of affected) await recordFactsChanged(email);
}

/**
 * `member.updated`: Polar's member changed email or external id; the seats it holds follow it.
 * `member.deleted`: Polar removed the member, and with it every seat it held (Polar revokes them
 * with their own events, which may come later or be lost): the member's seats grant nothing from
 * the moment of the deletion, unless a newer seat fact says otherwise.
 */
export async function recordMember(fact: MemberFact, deletedAt: Date | null): Promise<void> {
  const seats = await Seat.find({ memberId: fact.memberId }, { memberEmail: 1, subscriptionId: 1, status: 1, claimedAt: 1 }).lean();
  for (const seat of seats) {
    await recordSeat({
      seatId: seat._id,
      subscriptionId: seat.subscriptionId,
      memberEmail: fact.email,
      memberId: fact.memberId,
      status: deletedAt ? "revoked" : (seat.status as SeatFact["status"]),
      claimedAt: seat.claimedAt ?? null,
      revokedAt: deletedAt,
      polarModifiedAt: deletedAt ?? fact.polarModifiedAt,
    });
  }
}
