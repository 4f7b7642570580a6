import type { CustomerSeat } from "@polar-sh/sdk/models/components/customerseat";
import type { Member } from "@polar-sh/sdk/models/components/member";
import { identityOf } from "@/lib/billing/facts";

/**
 * Polar's seats and members as the facts models/Seat.ts stores. Pure: no I/O. A seat's member is
 * identified as every user of this app is, by our external id (the email we send as
 * `external_member_id`), falling back to the email Polar holds for the seat.
 */

export type SeatStatus = "pending" | "claimed" | "revoked";

export interface SeatFact {
  seatId: string;
  subscriptionId: string;
  /** Who holds the seat (null: a revoked seat may keep no member). */
  memberEmail: string | null;
  memberId: string | null;
  status: SeatStatus;
  claimedAt: Date | null;
  revokedAt: Date | null;
  /** The seat's modified_at (created_at before its first change): a seat row is reused after a revocation, so only time orders its facts. */
  polarModifiedAt: Date;
}

const STATUSES = new Set<string>(["pending", "claimed", "revoked"]);

/** Null for a seat of a one-time order (the app sells teams by subscription only) or a status Polar may add later. */
export function seatFact(seat: CustomerSeat): SeatFact | null {
  if (!seat.subscriptionId || !STATUSES.has(seat.status)) return null;
  return {
    seatId: seat.id,
    subscriptionId: seat.subscriptionId,
    memberEmail: identityOf(seat.member?.externalId, seat.email ?? seat.member?.email ?? seat.customerEmail),
    memberId: seat.memberId ?? seat.member?.id ?? null,
    status: seat.status as SeatStatus,
    claimedAt: seat.claimedAt ?? null,
    revokedAt: seat.revokedAt ?? null,
    polarModifiedAt: seat.modifiedAt ?? seat.createdAt,
  };
}

/** Orders two facts of one seat with the same modified_at (two webhooks of one change): revoked last. */
export const seatStatusRank: Record<SeatStatus, number> = { pending: 0, claimed: 1, revoked: 2 };

export interface MemberFact {
  memberId: string;
  email: string;
  polarCustomerId: string;
  role: string;
  polarModifiedAt: Date;
}

export function memberFact(member: Member): MemberFact | null {
  const email = identityOf(member.externalId, member.email);
  if (!email) return null;
  return { memberId: member.id, email, polarCustomerId: member.customerId, role: member.role, polarModifiedAt: member.modifiedAt ?? member.createdAt };
}
