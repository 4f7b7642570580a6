import { validationError } from "./http";
import { alreadyCanceledSubscription } from "./polar-errors";
import { periodAfterChange, productChangeLines, type Period, type ProrationLine } from "./proration";
import type { ProductRecord, SubscriptionRecord } from "./store";
import { trialEndFrom } from "./trial";

/**
 * What a product change does to a subscription, decided before anything changes (so a refusal
 * or a declined charge leaves it untouched), from Polar's `validate_product_change` and
 * `update_product` (server/polar/subscription/service.py) and `SubscriptionUpdate.apply_update`
 * (server/polar/models/subscription_update.py).
 */

export type ProrationBehavior = "invoice" | "prorate" | "next_period";

const productError = (msg: string, input: string) => validationError({ type: "value_error", loc: ["body", "product_id"], msg, input });

/**
 * The product a subscription may move to, or Polar's refusal, checked in Polar's order: a
 * canceled or canceling subscription (403), then the product: unknown, archived, one-time, or
 * without a price in the subscription's currency (422). Polar does not refuse the current product.
 */
export function changeTarget(sub: SubscriptionRecord, product: ProductRecord | undefined, productId: string): ProductRecord {
  if (sub.status === "canceled" || sub.status === "unpaid" || sub.cancelAtPeriodEnd) throw alreadyCanceledSubscription();
  if (!product) throw productError("Product does not exist.", productId);
  if (product.isArchived) throw productError("Product is archived.", productId);
  if (product.recurringInterval === null) throw productError("Product is not recurring.", productId);
  if (product.priceCurrency !== sub.currency) throw productError("This product doesn't have a price for the subscription currency.", productId);
  // `validate_product_change`: seats cannot be dropped by a plan change.
  if (sub.seats !== null && !product.seatTiers) throw productError("Can't switch from a seat-based to a non-seat-based product.", productId);
  // Polar gives the customer a team and a claimed seat on the way (`_promote_seats_for_seat_transition`):
  // not emulated, refused rather than done halfway.
  if (sub.seats === null && product.seatTiers) throw productError("The Polar emulator does not emulate a change from a product without seats to a seat-based one.", productId);
  return product;
}

export type ImmediateChange =
  /**
   * A trialing subscription: no proration (nothing was paid). The trial is recomputed from its
   * start with the new product's trial; `trialEnd` null when the new product has none or it is
   * already over: the trial ends now and the subscription renews at once (Polar's `cycle`).
   */
  | { kind: "trial"; period: Period; trialEnd: Date | null }
  /**
   * Any other: the new product from now, the proration `lines` invoiced now (`invoice`) or
   * carried to the next renewal order (`prorate`, which Polar turns into `invoice` when the
   * billing interval changes).
   */
  | { kind: "prorated"; period: Period; anchorDay: number; lines: ProrationLine[]; invoiceNow: boolean };

export function planImmediateChange(
  sub: SubscriptionRecord,
  from: ProductRecord,
  to: ProductRecord,
  behavior: Exclude<ProrationBehavior, "next_period">,
  at: Date,
): ImmediateChange {
  const current = { start: new Date(sub.currentPeriodStart), end: new Date(sub.currentPeriodEnd) };
  const intervalChanged = to.recurringInterval !== sub.recurringInterval;
  const period = periodAfterChange(current, to.recurringInterval ?? sub.recurringInterval, sub.recurringInterval, at);
  if (sub.status === "trialing") {
    const start = sub.trialStart ? new Date(sub.trialStart) : current.start;
    const end = to.trialInterval && to.trialIntervalCount ? trialEndFrom(start, { interval: to.trialInterval, count: to.trialIntervalCount }) : null;
    return { kind: "trial", period, trialEnd: end && end > at ? end : null };
  }
  const lines = productChangeLines({ from, paidAmount: sub.amount, to, current, next: period, at, seats: sub.seats });
  return {
    kind: "prorated",
    period,
    // apply_update re-anchors on the new cycle's start: the current start, or now on an interval change.
    anchorDay: period.start.getUTCDate(),
    lines,
    invoiceNow: (behavior === "invoice" || intervalChanged) && lines.length > 0,
  };
}
