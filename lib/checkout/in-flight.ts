import "server-only";
import { customersGetStateExternal } from "@polar-sh/sdk/funcs/customersGetStateExternal.js";
import { ResourceNotFound } from "@polar-sh/sdk/models/errors/resourcenotfound";
import { unwrapAsync } from "@polar-sh/sdk/types/fp.js";
import { factsHere } from "@/lib/billing/environment";
import { syncCheckoutFromPolar } from "@/lib/billing/pull-sync";
import { flagForReconcileIfDrifted } from "@/lib/billing/store";
import { polar } from "@/lib/polar/client";
import { Payment } from "@/models/Payment";
import { allProducts } from "@/lib/billing/products";
import type { StateSubscription } from "@/lib/billing/facts";
import { OPENED_WITHIN_MS } from "./confirmation";

/**
 * Before a checkout opens: is this user already buying? A payment is applied when its webhooks
 * arrive (or the confirmation page pulls it), and until then the pricing page still offers a
 * checkout: a second tab, or a user whose events are late or lost, could pay twice. Polar itself
 * refuses a second subscription only when it is paid, and never a second one-time purchase.
 */
export type AlreadyBuying =
  /** A checkout of theirs is paid or being paid (Polar says confirmed or succeeded). */
  | { kind: "paying"; checkoutId: string }
  /** Polar lists a live subscription of theirs that our facts do not show (the user is flagged for the reconciler). */
  | { kind: "subscribed" }
  | { kind: "no" };

const PAYING = new Set<string>(["confirmed", "succeeded"]);

/** A checkout this user opened here and that is still pending with us. */
export interface PendingCheckout { checkoutId: string; checkoutUrl?: string | null; productId?: string | null; createdAt: Date }

/**
 * The checkouts this user opened here in the last hour that are still pending with us, newest
 * first. One read serves both the reuse of a checkout opened a moment ago (lib/checkout/begin.ts)
 * and the pre-check below.
 */
export async function pendingCheckouts(email: string, now = Date.now()): Promise<PendingCheckout[]> {
  return Payment.find(
    { customerEmail: email, status: "pending", checkoutUrl: { $ne: null }, createdAt: { $gte: new Date(now - OPENED_WITHIN_MS) }, ...factsHere() },
    { checkoutId: 1, checkoutUrl: 1, productId: 1, createdAt: 1 },
  )
    .sort({ createdAt: -1 })
    .limit(20)
    .lean();
}

/**
 * Whether the newest checkout this user opened here and still pending with us is paid at Polar:
 * Polar is asked for it, and what it says is applied as the confirmation page would (a paid
 * checkout becomes the plan it bought). One call, only for a user with such a checkout.
 */
async function paying(newest: PendingCheckout | undefined, email: string): Promise<string | null> {
  if (!newest) return null;
  const status = await syncCheckoutFromPolar(newest.checkoutId, email);
  return status !== "not-yours" && PAYING.has(status) ? newest.checkoutId : null;
}

/**
 * Polar's live personal subscriptions of this external id (404: no customer yet, so none). A
 * team's subscription (a seat-based product) is not one: its buyer may still buy a plan of their own.
 */
async function liveAtPolar(email: string): Promise<StateSubscription[]> {
  let live;
  try {
    live = (await unwrapAsync(customersGetStateExternal(polar(), { externalId: email }))).activeSubscriptions;
  } catch (error) {
    if (error instanceof ResourceNotFound) return [];
    throw error;
  }
  if (live.length === 0) return live;
  const teams = new Set((await allProducts()).filter((p) => p.seatPricing != null).map((p) => p.polarProductId));
  return live.filter((s) => !teams.has(s.productId));
}

/** Polar's answer, asked ahead of need: it settles either way, so one nobody reads is no unhandled rejection. */
export type PolarStateAsked = Promise<{ live: StateSubscription[] } | { error: unknown }>;

/**
 * Asks Polar for this user's live subscriptions now, to be read by `alreadyBuying` later. The
 * checkout asks beside its own reads, before they say whether it needs the answer: in production
 * Polar's round trip is the longest wait of the click, and a refused click wastes one read call.
 */
export function askPolarState(email: string): PolarStateAsked {
  return liveAtPolar(email).then(
    (live) => ({ live }),
    (error: unknown) => ({ error }),
  );
}

/**
 * `polarState`: Polar's answer, asked ahead (askPolarState), or null when our facts already show a
 * live subscription (the checkout's own rules decide then). Throws Polar's errors.
 */
export async function alreadyBuying(email: string, pending: readonly PendingCheckout[], polarState: PolarStateAsked | null): Promise<AlreadyBuying> {
  // Side by side: the usual click (no pending checkout) waits for one of them, not both.
  const [paid, state] = await Promise.all([paying(pending[0], email), polarState ?? { live: [] }]);
  if (paid) return { kind: "paying", checkoutId: paid };
  if ("error" in state) throw state.error;
  if (state.live.length === 0) return { kind: "no" };
  // Ours does not show it: the reconciler pulls it in its next run (flagged users first).
  await flagForReconcileIfDrifted(email, state.live);
  return { kind: "subscribed" };
}
