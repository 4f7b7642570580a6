import { addUnits } from "./period";
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

/** When a trial starting at `start` ends (relativedelta on Polar's side); recomputed whenever the checkout changes. */
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
