/**
 * Calendar arithmetic as Polar's server does it: dateutil's `relativedelta` (a month or year on
 * from the 31st clamps to the month's last day, where JavaScript's Date would spill into the next
 * month) and, for billing periods, the subscription's anchor day (`RecurringInterval.get_next_period`
 * in polar/enums.py), so a period that was clamped to Feb 28 goes back to the 31st in March.
 */

export type CalendarUnit = "day" | "week" | "month" | "year";

export const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month + 1, 0)).getUTCDate();

/** `from` plus `count` units, months and years clamped to the month's last day. */
export function addUnits(from: Date, unit: CalendarUnit, count: number): Date {
  const d = new Date(from);
  if (unit === "day" || unit === "week") {
    d.setUTCDate(d.getUTCDate() + count * (unit === "week" ? 7 : 1));
    return d;
  }
  const target = d.getUTCMonth() + (unit === "month" ? count : count * 12);
  const year = d.getUTCFullYear() + Math.floor(target / 12);
  const month = ((target % 12) + 12) % 12;
  d.setUTCDate(1);
  d.setUTCFullYear(year, month, Math.min(from.getUTCDate(), daysInMonth(year, month)));
  return d;
}

/**
 * The end of the billing period starting at `from`. `anchorDay` is the day the subscription
 * bills on: the day it started, or the day its trial ended (Polar moves the anchor then).
 */
export function nextPeriodEnd(from: Date, unit: CalendarUnit, anchorDay: number): Date {
  const next = addUnits(from, unit, 1);
  if ((unit === "month" || unit === "year") && next.getUTCDate() !== anchorDay) {
    next.setUTCDate(Math.min(anchorDay, daysInMonth(next.getUTCFullYear(), next.getUTCMonth())));
  }
  return next;
}
