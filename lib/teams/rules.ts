/**
 * lib/teams: the pure rules of a seat-based plan. What a number of seats costs under Polar's
 * tiers, which seat counts a team may move to, what a seat change charges now, and who holds a
 * seat. No I/O, no `server-only`: tested on its own (tests/unit/team-rules.test.ts).
 */
import type { SeatPricing } from "@/lib/billing/facts";
import { prorationPreview, type ProrationPreview } from "@/lib/plan-changes/rules";

export type { SeatPricing };

/** Polar's own ceiling for a subscription's seats when the price sets none (docs: seat-based pricing, limitations). */
export const POLAR_MAX_SEATS = 1000;

export const maxSeatsOf = (pricing: SeatPricing): number => pricing.maxSeats ?? POLAR_MAX_SEATS;

/**
 * What `seats` seats cost per period (cents), as Polar's server prices them (polar/product/
 * tiers.py): tiers in order, each up to its `maxSeats`; volume prices every seat at the first
 * tier whose bound covers the count, graduated fills each tier at its own rate. Null outside the
 * price's bounds.
 */
export function seatsPrice(pricing: SeatPricing, seats: number): number | null {
  if (!Number.isInteger(seats) || seats < pricing.minSeats || seats > maxSeatsOf(pricing)) return null;
  const tiers = [...pricing.tiers].sort((a, b) => a.minSeats - b.minSeats);
  if (pricing.tierType === "volume") {
    const tier = tiers.find((t) => t.maxSeats === null || seats <= t.maxSeats);
    return tier ? seats * tier.pricePerSeat : null;
  }
  let total = 0;
  let previousBound = 0;
  for (const tier of tiers) {
    const left = seats - previousBound;
    if (left <= 0) break;
    total += (tier.maxSeats === null ? left : Math.min(left, tier.maxSeats - previousBound)) * tier.pricePerSeat;
    if (tier.maxSeats === null) return total;
    previousBound = tier.maxSeats;
  }
  return seats > previousBound ? null : total;
}

/** The lowest price per seat the tiers offer (what the pricing card says "from"). */
export function fromPricePerSeat(pricing: SeatPricing): number | null {
  const prices = pricing.tiers.map((t) => t.pricePerSeat);
  return prices.length > 0 ? Math.min(...prices) : null;
}

export type SeatCountCheck = { ok: true } | { ok: false; message: string };

/**
 * Whether a team may move to `next` seats: a whole number within the price's bounds, never
 * below the seats in use (Polar refuses that too; saying so first spares a round trip and words
 * it for the owner), and a change at all.
 */
export function checkSeatCount(pricing: SeatPricing, current: number, inUse: number, next: number): SeatCountCheck {
  if (!Number.isInteger(next)) return { ok: false, message: "Choose a whole number of seats." };
  if (next === current) return { ok: false, message: `Your team already has ${current} seats.` };
  if (next < inUse) {
    return { ok: false, message: `${inUse} seats are in use: remove members before going below ${inUse} seats.` };
  }
  if (next < pricing.minSeats) return { ok: false, message: `The Team plan needs at least ${pricing.minSeats} seats.` };
  if (next > maxSeatsOf(pricing)) return { ok: false, message: `The Team plan allows at most ${maxSeatsOf(pricing)} seats.` };
  return { ok: true };
}

/**
 * What a seat change charges now (positive) or credits (negative): Polar prorates a seat change
 * like a price change within the same interval (the old period price credited, the new debited,
 * for the unused share of the period), so the plan changes' rule applies to the two totals.
 */
export function seatChangePreview(
  pricing: SeatPricing,
  sub: { seats: number; interval: string; periodStart: Date; periodEnd: Date },
  next: number,
  now: Date,
): ProrationPreview | null {
  const from = seatsPrice(pricing, sub.seats);
  const to = seatsPrice(pricing, next);
  if (from === null || to === null) return null;
  return prorationPreview({ amount: from, interval: sub.interval, periodStart: sub.periodStart, periodEnd: sub.periodEnd }, { amount: to, interval: sub.interval }, now);
}

/** Who may do what in a team. The owner manages it and may not leave while owning it. */
export type TeamRole = "owner" | "member";

export type LeaveCheck = { ok: true } | { ok: false; message: string };

export function checkLeave(role: TeamRole): LeaveCheck {
  return role === "owner"
    ? { ok: false, message: "You own this team: make another member the owner before you leave." }
    : { ok: true };
}
