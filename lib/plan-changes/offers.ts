import "server-only";
import type { PlanOffer } from "@/lib/plans/offer";
import { formatPrice } from "@/lib/plans/offer";
import { prorationPreview, switchDirection } from "./rules";
import type { LiveSubscription } from "./subscriber";

/** What the pricing page shows a subscriber on another recurring plan's card. */
export type SwitchOffer =
  | { kind: "current" }
  | { kind: "scheduled"; on: Date }
  | { kind: "switch"; direction: "upgrade" | "downgrade"; preview: string; confirmLabel: string }
  /** A one-time purchase of a tier the subscription already grants, or more. */
  | { kind: "included" }
  /** A trial: for first purchases only (lib/plan-changes/subscriber.ts isSwitchTarget). */
  | { kind: "new-customers" }
  | { kind: "none" };

const dateFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" });

/**
 * The card of `offer` for the holder of `sub`, priced now: an upgrade says what Polar charges
 * today by its per-second proration; a downgrade says when it takes effect (nothing is charged).
 */
export function switchOffer(sub: LiveSubscription, current: PlanOffer | undefined, offer: PlanOffer, now: Date): SwitchOffer {
  if (offer.productId === sub.productId) return { kind: "current" };
  if (!offer.interval) return offer.rank <= (current?.rank ?? 1) ? { kind: "included" } : { kind: "none" };
  if (offer.trial) return { kind: "new-customers" };
  if (offer.amount === null) return { kind: "none" };
  if (sub.pendingProductId === offer.productId && sub.pendingAppliesAt) return { kind: "scheduled", on: sub.pendingAppliesAt };
  const from = {
    amount: sub.amount ?? current?.amount ?? 0,
    currency: sub.currency ?? "",
    interval: sub.recurringInterval ?? current?.interval ?? "month",
    rank: current?.rank ?? 1,
  };
  const to = { amount: offer.amount, currency: offer.currency ?? "", interval: offer.interval, rank: offer.rank };
  const direction = switchDirection(from, to);
  const periodEnd = sub.currentPeriodEnd;
  if (direction === "downgrade" || !sub.currentPeriodStart || !periodEnd) {
    const on = periodEnd ? dateFormat.format(periodEnd) : "your next renewal";
    return {
      kind: "switch",
      direction,
      preview: `Switches to ${offer.name} on ${on}, when your current period ends. Nothing is charged now; from then on ${offer.price} per ${offer.interval}.`,
      confirmLabel: `Confirm switch on ${on}`,
    };
  }
  const p = prorationPreview({ ...from, periodStart: sub.currentPeriodStart, periodEnd }, to, now);
  const amount = formatPrice(Math.max(p.total, 0), offer.currency);
  const credit = formatPrice(p.credit, offer.currency);
  const how = p.periodRestarts
    ? `the full ${offer.price} for a new ${offer.interval} starting today, less ${credit} for the unused part of your current period`
    : `${offer.name} for the rest of this period, less ${credit} for the unused part of your current plan`;
  return {
    kind: "switch",
    direction,
    preview: `Switch now: about ${amount} charged today (${how}; Polar's per-second proration rule, exact at the second you confirm).`,
    confirmLabel: `Confirm and pay ${amount}`,
  };
}
