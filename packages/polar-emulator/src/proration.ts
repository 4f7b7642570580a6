import { nextPeriodEnd } from "./period";
import { periodAmount, priceLabel } from "./seat-pricing";
import type { ProductRecord, RecurringInterval } from "./store";

/**
 * A product change's proration, as Polar's server computes it (server/polar/subscription/update.py,
 * `_calculate_time_proration` and `_generate_product_*_proration_billing_entries`; the line labels
 * from `_get_static_price_line_item` in server/polar/billing_entry/service.py):
 *
 * - per second: the share of the period still to run, `(end - at) / (end - start)`, 0 once it is over;
 * - a credit for the old price's unused share, `round(old * share)`, and a charge for the new
 *   price over the rest of the new period, `round(new * share')`, each rounded on its own with
 *   Python's `round()` on a Decimal, which rounds half to even;
 * - the difference is the sum of the two lines (new - unused): positive is charged, negative credited.
 *
 * The new period is the current one, unless the billing interval changes: then it starts now
 * and runs one new interval, anchored on today (`_generate_product_subscription_update`), so the
 * new price's share is the whole price.
 */

export interface Period {
  start: Date;
  end: Date;
}

/** An order line before it is stored (store.ts's OrderItemRecord, without its id). */
export interface ProrationLine {
  label: string;
  amount: number; // negative for the credit
  proration: boolean;
  productPriceId: string | null;
}

/**
 * `amount * (end - at) / (end - start)`, rounded half to even, computed as an exact fraction of
 * milliseconds (Polar divides seconds as Decimals; the emulator's clock has milliseconds).
 *
 * On Polar a period never starts in the future; in the emulator it does after a renewal brought
 * forward (Renew now): the clock stands at the new period's start then, so the share is whole.
 */
export function prorated(amount: number, period: Period, at: Date): number {
  const total = BigInt(period.end.getTime() - period.start.getTime());
  const remaining = BigInt(period.end.getTime() - Math.max(at.getTime(), period.start.getTime()));
  if (remaining <= 0n || total <= 0n) return 0;
  const numerator = BigInt(amount) * remaining;
  const quotient = numerator / total;
  const twice = (numerator % total) * 2n;
  // Half to even: above half rounds up, exactly half rounds to the even neighbour.
  const up = twice > total || (twice === total && quotient % 2n !== 0n);
  return Number(up ? quotient + 1n : quotient);
}

const itemDate = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" });

/** Polar's line dates: babel's `format_date(date, locale="en_US")`, e.g. "Mar 5, 2026". */
export const formatItemDate = (d: Date): string => itemDate.format(d);

/** The period the new product runs in after a change made at `at`. */
export function periodAfterChange(current: Period, to: RecurringInterval, from: RecurringInterval, at: Date): Period {
  if (to === from) return current;
  return { start: at, end: nextPeriodEnd(at, to, at.getUTCDate()) };
}

/**
 * The two proration lines of a change from `from` (at `paidAmount`, what the subscription
 * costs) to `to` at `at`: the credit first, then the charge, as Polar generates them. A free
 * price has no line (Polar's `_collect_proratable_amounts` skips zero amounts).
 */
export function productChangeLines(opts: { from: ProductRecord; paidAmount: number; to: ProductRecord; current: Period; next: Period; at: Date; seats?: number | null }): ProrationLine[] {
  const { from, paidAmount, to, current, next, at } = opts;
  // A seat-based product's lines are for the subscription's seats ("Team (5 seats)").
  const seats = opts.seats ?? null;
  const toAmount = periodAmount(to, seats);
  const lines: ProrationLine[] = [];
  if (paidAmount !== 0) {
    const unused = prorated(paidAmount, current, at);
    lines.push({
      label: `Remaining time on ${priceLabel(from, seats)} — From ${formatItemDate(at)} to ${formatItemDate(current.end)}`,
      amount: unused === 0 ? 0 : -unused, // never -0
      proration: true,
      productPriceId: from.priceId,
    });
  }
  if (toAmount !== 0) {
    lines.push({
      label: `${priceLabel(to, seats)} — From ${formatItemDate(at)} to ${formatItemDate(next.end)}`,
      amount: prorated(toAmount, next, at),
      proration: true,
      productPriceId: to.priceId,
    });
  }
  return lines;
}
