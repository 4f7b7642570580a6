import "server-only";
import { customersGetStateExternal } from "@polar-sh/sdk/funcs/customersGetStateExternal.js";
import { ResourceNotFound } from "@polar-sh/sdk/models/errors/resourcenotfound";
import { unwrapAsync } from "@polar-sh/sdk/types/fp.js";
import { factsHere } from "@/lib/billing/environment";
import { syncCheckoutFromPolar } from "@/lib/billing/pull-sync";
import { flagForReconcileIfDrifted } from "@/lib/billing/store";
import { polar } from "@/lib/polar/client";
import { Payment } from "@/models/Payment";
import { Product } from "@/models/Product";
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

/**
 * The newest checkout this user opened here in the last hour that is still pending with us:
 * Polar is asked for it, and what it says is applied as the confirmation page would (a paid
 * checkout becomes the plan it bought). One call, only for a user with such a checkout.
 */
async function payingCheckout(email: string): Promise<string | null> {
  const pending = await Payment.findOne(
    { customerEmail: email, status: "pending", checkoutUrl: { $ne: null }, createdAt: { $gte: new Date(Date.now() - OPENED_WITHIN_MS) }, ...factsHere() },
    { checkoutId: 1 },
  )
    .sort({ createdAt: -1 })
    .lean();
  if (!pending) return null;
  const status = await syncCheckoutFromPolar(pending.checkoutId, email);
  return status !== "not-yours" && PAYING.has(status) ? pending.checkoutId : null;
}

/**
 * Polar's live personal subscriptions of this external id (404: no customer yet, so none). A
 * team's subscription (a seat-based product) is not one: its buyer may still buy a plan of their own.
 */
async function liveAtPolar(email: string) {
  let live;
  try {
    live = (await unwrapAsync(customersGetStateExternal(polar(), { externalId: email }))).activeSubscriptions;
  } catch (error) {
    if (error instanceof ResourceNotFound) return [];
    throw error;
  }
  if (live.length === 0) return live;
  const teams = await Product.find({ polarProductId: { $in: live.map((s) => s.productId) }, seatPricing: { $ne: null } }, { polarProductId: 1 }).lean();
  return live.filter((s) => !teams.some((t) => t.polarProductId === s.productId));
}

/**
 * `askPolarState`: false when our facts already show a live subscription (the checkout's own
 * rules decide then, and Polar's state would say nothing new). Throws Polar's errors.
 */
export async function alreadyBuying(email: string, opts: { askPolarState: boolean }): Promise<AlreadyBuying> {
  // Side by side: the usual click (no pending checkout) waits for one of them, not both.
  const [paying, live] = await Promise.all([payingCheckout(email), opts.askPolarState ? liveAtPolar(email) : []]);
  if (paying) return { kind: "paying", checkoutId: paying };
  if (live.length === 0) return { kind: "no" };
  // Ours does not show it: the reconciler pulls it in its next run (flagged users first).
  await flagForReconcileIfDrifted(email, live);
  return { kind: "subscribed" };
}
