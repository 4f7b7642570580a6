import { formatItemDate, type Period, type ProrationLine } from "./proration";
import type { ProductRecord } from "./store";

/**
 * Seat-based prices as Polar's server computes them, pure:
 *
 * - the tiers (server/polar/product/tiers.py): each `{min_seats, max_seats, price_per_seat}`
 *   (cents), contiguous, only the last one unbounded; the minimum is the first tier's
 *   `min_seats`, the maximum the last one's `max_seats` (`seat_tiers_unit_bounds`,
 *   `ProductPriceSeatUnit.get_minimum_seats`, `get_maximum_seats`);
 * - the amount for a seat count (`Tiers.calculate`): `volume` prices every seat at the rate of
 *   the tier the count falls in, `graduated` each range at its own rate;
 * - the line labels (`OrderItem.format_price_label`, billing_entry/service.py
 *   `_get_static_price_line_item`): "Team (5 seats)", "Team (2 → 5 seats) — From ... to ...";
 * - a seat change's proration (subscription/update.py `_generate_quantity_subscription_update`):
 *   one line for the difference between the new and the old amount, times the share of the
 *   period left, truncated toward zero (`int(Decimal(delta) * factor)`), none when it is 0.
 */

export type SeatTierType = "volume" | "graduated";

export interface SeatTier {
  minSeats: number;
  maxSeats: number | null;
  pricePerSeat: number; // cents
}

export interface SeatTiers {
  type: SeatTierType;
  tiers: SeatTier[]; // sorted by minSeats
}

/** What is wrong with a tier list, as Polar's product schema words it, or null. */
export function seatTiersProblem(t: SeatTiers): string | null {
  if (!t.tiers.length) return "At least one tier is required.";
  const sorted = [...t.tiers].sort((a, b) => a.minSeats - b.minSeats);
  if ((sorted[0]?.minSeats ?? 0) < 1) return "First tier must start at min_seats >= 1";
  for (let i = 0; i + 1 < sorted.length; i++) {
    const current = sorted[i]!;
    const next = sorted[i + 1]!;
    if (current.maxSeats === null) return "Only the last tier can have unlimited max_seats (None)";
    if (next.minSeats !== current.maxSeats + 1) {
      return `Gap or overlap between tiers: tier ending at ${current.maxSeats} and tier starting at ${next.minSeats}`;
    }
  }
  for (const tier of sorted) if (tier.maxSeats !== null && tier.maxSeats < tier.minSeats) return "max_seats must be greater than or equal to min_seats";
  return null;
}

export const minimumSeats = (t: SeatTiers): number => t.tiers[0]?.minSeats ?? 1;
export const maximumSeats = (t: SeatTiers): number | null => t.tiers[t.tiers.length - 1]?.maxSeats ?? null;

/** Polar's `Tiers.calculate` for a whole seat count, in cents. */
export function seatAmount(t: SeatTiers, seats: number): number {
  if (seats <= 0) return 0;
  if (t.type === "volume") {
    for (const tier of t.tiers) if (tier.maxSeats === null || seats <= tier.maxSeats) return tier.pricePerSeat * seats;
    throw new Error(`Polar emulator: no tier covers ${seats} seats`);
  }
  let total = 0;
  let remaining = seats;
  let previousBound = 0;
  for (const tier of t.tiers) {
    if (remaining <= 0) break;
    const inTier = tier.maxSeats === null ? remaining : Math.min(remaining, tier.maxSeats - previousBound);
    total += inTier * tier.pricePerSeat;
    remaining -= inTier;
    if (tier.maxSeats !== null) previousBound = tier.maxSeats;
  }
  return total;
}

/** The per-seat rate a volume price applies to `seats` (for the pages); graduated: the average, rounded. */
export function perSeatRate(t: SeatTiers, seats: number): number {
  return seats > 0 ? Math.round(seatAmount(t, seats) / seats) : 0;
}

/** The seat count a product starts with: the minimum of its tiers; null for a product without seats. */
export const defaultSeats = (p: ProductRecord): number | null => (p.seatTiers ? minimumSeats(p.seatTiers) : null);

/** What one period of a product costs: the fixed price, or the seat price for `seats`. */
export function periodAmount(p: ProductRecord, seats: number | null): number {
  if (!p.seatTiers) return p.priceAmount;
  return seatAmount(p.seatTiers, seats ?? minimumSeats(p.seatTiers));
}

/** Polar's `OrderItem.format_price_label`: the product's name, with the seat count for a seat price. */
export function priceLabel(p: ProductRecord, seats: number | null): string {
  if (!p.seatTiers || seats === null) return p.name;
  return `${p.name} (${seats} seat${seats === 1 ? "" : "s"})`;
}

/**
 * The line a seat change from `oldSeats` to `newSeats` at `at` adds, or null when it prorates to
 * nothing. An increase is charged ("Team (2 → 5 seats) — From <at> to <period end>"), a
 * decrease credited ("Remaining time on Team (5 → 2 seats) — From ... to ...", negative).
 */
export function seatChangeLine(p: ProductRecord & { seatTiers: SeatTiers }, oldSeats: number, newSeats: number, period: Period, at: Date): ProrationLine | null {
  const delta = seatAmount(p.seatTiers, newSeats) - seatAmount(p.seatTiers, oldSeats);
  const total = BigInt(period.end.getTime() - period.start.getTime());
  const remaining = BigInt(Math.max(0, period.end.getTime() - Math.max(at.getTime(), period.start.getTime())));
  if (total <= 0n) return null;
  // int(Decimal(delta) * factor): truncated toward zero; BigInt division truncates the same way.
  const amount = Number((BigInt(delta) * remaining) / total);
  if (amount === 0) return null;
  const transition = `${p.name} (${oldSeats} → ${newSeats} seats)`;
  const dates = `From ${formatItemDate(at)} to ${formatItemDate(period.end)}`;
  return {
    label: amount > 0 ? `${transition} — ${dates}` : `Remaining time on ${transition} — ${dates}`,
    amount,
    proration: true,
    productPriceId: p.priceId,
  };
}
