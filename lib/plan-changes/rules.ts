/**
 * lib/plan-changes: what a subscriber can do after the first purchase (switch plan, cancel,
 * pause, resume) through Polar's `subscriptions.update`. This file is the pure part: which way a
 * switch goes and what Polar will charge for it. No I/O, no `server-only`: tested on its own.
 */

/** A recurring price as a switch compares it: cents per interval. */
export interface RecurringPrice {
  amount: number;
  currency: string;
  interval: string;
  /** The tier's rank (metadata `rank`): it breaks a tie of price and interval. */
  rank: number;
}

const intervalOrder: Record<string, number> = { day: 0, week: 1, month: 2, year: 3 };

/**
 * An upgrade applies now and charges the prorated difference (Polar's `invoice`); a downgrade
 * is scheduled for the next period (`next_period`), so nobody pays for, or loses, time already
 * bought. A longer interval is an upgrade (monthly -> yearly: the year is paid now), a shorter
 * one a downgrade; at one interval the higher price is the upgrade, and at one price the
 * higher tier.
 */
export function switchDirection(from: RecurringPrice, to: RecurringPrice): "upgrade" | "downgrade" {
  const a = intervalOrder[from.interval] ?? 2;
  const b = intervalOrder[to.interval] ?? 2;
  if (a !== b) return b > a ? "upgrade" : "downgrade";
  if (from.amount !== to.amount) return to.amount > from.amount ? "upgrade" : "downgrade";
  return to.rank >= from.rank ? "upgrade" : "downgrade";
}

/** Python's round() on a Decimal, which Polar's server uses: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (Math.abs(diff - 0.5) > 1e-9) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}

export interface ProrationPreview {
  /** The unused part of the current period at the old price (what Polar credits). */
  credit: number;
  /** The new price for the rest of the period, or the whole new period when the interval changes. */
  debit: number;
  /** debit - credit: charged now when positive, credited when negative (cents). */
  total: number;
  /** Whether the billing period restarts now (the interval changes). */
  periodRestarts: boolean;
}

/**
 * What Polar charges now for switching with `invoice`, by its per-second rule (server
 * polar/subscription/update.py): the unused share of the current period, (end - now) / (end -
 * start) in seconds, of the old price is credited, and the same share of the new price is
 * debited, each rounded to the cent. When the interval changes the period restarts now, so the
 * whole new price is debited. Discounts and taxes are not modelled: the app sells neither.
 */
export function prorationPreview(
  from: { amount: number; interval: string; periodStart: Date; periodEnd: Date },
  to: { amount: number; interval: string },
  now: Date,
): ProrationPreview {
  const total = from.periodEnd.getTime() - from.periodStart.getTime();
  const remaining = from.periodEnd.getTime() - now.getTime();
  // Polar counts whole seconds (timedelta.total_seconds() of microsecond datetimes): milliseconds here.
  const share = total > 0 && remaining > 0 ? remaining / total : 0;
  const periodRestarts = from.interval !== to.interval;
  const credit = roundHalfEven(from.amount * share);
  const debit = periodRestarts ? to.amount : roundHalfEven(to.amount * share);
  return { credit, debit, total: debit - credit, periodRestarts };
}
