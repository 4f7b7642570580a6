import type { SeatPricing } from "@/lib/billing/facts";
import { maxSeatsOf } from "@/lib/teams/rules";

/**
 * A product as the pricing page offers it. Pure (no database, no `server-only`), so the wording
 * of a price and a trial is tested on its own (tests/unit/plan-offer.test.ts).
 */

export interface PlanOffer {
  productId: string;
  name: string;
  description: string | null;
  plan: string;
  /** The tier's rank (Polar metadata `rank`): the pricing page orders tiers by it. */
  rank: number;
  price: string;
  /** The price in cents and its currency, for a plan change's preview (null: no fixed price). */
  amount: number | null;
  currency: string | null;
  interval: string | null;
  /** "14 days free" when the product starts with a free trial (recurring products only). */
  trial: string | null;
  /** A team's plan, sold by the seat: its price per seat is `price`, and its seat count is chosen before checkout. */
  seats: { min: number; max: number; pricing: SeatPricing; volume: string | null } | null;
}

/** The product fields an offer is made of, as the Product collection holds them. */
export interface OfferProduct {
  polarProductId: string;
  name: string;
  description?: string | null;
  plan?: string | null;
  rank?: number | null;
  priceAmount?: number | null;
  priceCurrency?: string | null;
  recurringInterval?: string | null;
  trialInterval?: string | null;
  trialIntervalCount?: number | null;
  seatPricing?: SeatPricing | null;
}

export function formatPrice(amount: number | null, currency: string | null): string {
  if (amount === null || !currency) return "—";
  return new Intl.NumberFormat("en-US", { style: "currency", currency }).format(amount / 100);
}

const TRIAL_UNITS = new Set(["day", "week", "month", "year"]);

/**
 * "14 days free", as Polar's checkout words it: a trial counted in weeks is shown in days.
 * Null for no trial, or one this app does not understand (a unit Polar may add later).
 */
export function trialText(interval: string | null | undefined, count: number | null | undefined): string | null {
  if (!interval || !TRIAL_UNITS.has(interval) || !count || count < 1) return null;
  const [unit, n] = interval === "week" ? ["day", count * 7] : [interval, count];
  return `${n} ${unit}${n === 1 ? "" : "s"} free`;
}

/** "$8 per seat from 10 seats": the tiers after the first, as a buyer reads them. */
export function volumeText(pricing: SeatPricing): string | null {
  const later = [...pricing.tiers].sort((a, b) => a.minSeats - b.minSeats).slice(1);
  if (later.length === 0) return null;
  const how = pricing.tierType === "graduated" ? "for each seat" : "per seat";
  return later.map((t) => `${formatPrice(t.pricePerSeat, pricing.currency)} ${how} from ${t.minSeats} seats`).join(", ");
}

export function toPlanOffer(p: OfferProduct): PlanOffer {
  const base = { productId: p.polarProductId, name: p.name, description: p.description ?? null, plan: p.plan ?? "", rank: p.rank ?? 1, interval: p.recurringInterval ?? null };
  const pricing = p.seatPricing ?? null;
  if (pricing) {
    const first = [...pricing.tiers].sort((a, b) => a.minSeats - b.minSeats)[0];
    return {
      ...base,
      price: `${formatPrice(first?.pricePerSeat ?? null, pricing.currency)} per seat`,
      amount: null,
      currency: pricing.currency,
      trial: null,
      seats: { min: pricing.minSeats, max: maxSeatsOf(pricing), pricing, volume: volumeText(pricing) },
    };
  }
  return {
    ...base,
    price: formatPrice(p.priceAmount ?? null, p.priceCurrency ?? null),
    amount: p.priceAmount ?? null,
    currency: p.priceCurrency ?? null,
    // Polar applies a product's trial to recurring products only (checkout's active_trial_interval).
    trial: p.recurringInterval ? trialText(p.trialInterval, p.trialIntervalCount) : null,
    seats: null,
  };
}
