import type { CheckoutRecord, ProductRecord, TrialInterval } from "./store";

/**
 * Free trials as Polar's server computes them (server/polar/kit/trial.py, models/checkout.py):
 * a trial is a unit and a count, set on the product or overridden by the checkout; it applies to
 * recurring products only, and a checkout with `allow_trial` false has none.
 */

export interface Trial {
  interval: TrialInterval;
  count: number;
}

/**
 * The checkout's trial, if any: the checkout's own interval and count win over the product's,
 * each on its own (Polar's `active_trial_interval` and `active_trial_interval_count`).
 */
export function activeTrial(checkout: Pick<CheckoutRecord, "allowTrial" | "trialInterval" | "trialIntervalCount">, product: ProductRecord): Trial | null {
  if (!checkout.allowTrial || product.recurringInterval === null) return null;
  const interval = checkout.trialInterval ?? product.trialInterval;
  const count = checkout.trialIntervalCount ?? product.trialIntervalCount;
  return interval !== null && count !== null ? { interval, count } : null;
}

const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month + 1, 0)).getUTCDate();

/**
 * `from` plus `count` units. Months and years clamp to the month's last day (Jan 31 + 1 month
 * is Feb 28), as dateutil's relativedelta does on Polar's side, instead of spilling into March.
 */
export function addUnits(from: Date, interval: TrialInterval, count: number): Date {
  const d = new Date(from);
  if (interval === "day" || interval === "week") {
    d.setUTCDate(d.getUTCDate() + count * (interval === "week" ? 7 : 1));
    return d;
  }
  const months = interval === "month" ? count : count * 12;
  const target = d.getUTCMonth() + months;
  const year = d.getUTCFullYear() + Math.floor(target / 12);
  const month = ((target % 12) + 12) % 12;
  d.setUTCDate(1);
  d.setUTCFullYear(year, month, Math.min(from.getUTCDate(), daysInMonth(year, month)));
  return d;
}

/** When a trial starting at `start` ends; Polar recomputes it whenever the checkout changes. */
export function trialEndFrom(start: Date, trial: Trial): Date {
  return addUnits(start, trial.interval, trial.count);
}

/**
 * "14 days free", as Polar's checkout says it: a trial in weeks is shown in days, since its
 * wording has no "weeks free" (clients/packages/checkout CheckoutTrialHeroPrice.tsx).
 */
export function trialFreeText(trial: Trial): string {
  const [unit, count] = trial.interval === "week" ? (["day", trial.count * 7] as const) : ([trial.interval, trial.count] as const);
  return `${count} ${unit}${count === 1 ? "" : "s"} free`;
}

const itemDate = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" });

/** The one line of the $0 order a trial starts with (Polar's `OrderItem.from_trial`). */
export function trialItemLabel(productName: string, start: Date, end: Date): string {
  return `Trial period for ${productName} (${itemDate.format(start)} - ${itemDate.format(end)})`;
}
