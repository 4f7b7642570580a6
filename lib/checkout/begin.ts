import "server-only";
import { paymentFromCheckout } from "@/lib/billing/facts";
import { factsHere } from "@/lib/billing/environment";
import { recordPayment } from "@/lib/billing/store";
import { connectDb } from "@/lib/db/connect";
import { PLAN_FIELDS, planNow } from "@/lib/users";
import { env } from "@/lib/env";
import { withKeyedLock } from "@/lib/db/keyed-lock";
import { polar } from "@/lib/polar/client";
import { checkoutsCreate } from "@polar-sh/sdk/funcs/checkoutsCreate.js";
import { unwrapAsync } from "@polar-sh/sdk/types/fp.js";
import { describePolarError } from "@/lib/polar/errors";
import { describeError } from "@/lib/redact";
import { Payment } from "@/models/Payment";
import { Product } from "@/models/Product";
import { planLabel } from "@/lib/billing/rules";
import { liveSubscriptionOf } from "@/lib/plan-changes/subscriber";
import type { SeatPricing } from "@/lib/billing/facts";
import { maxSeatsOf, seatsPrice } from "@/lib/teams/rules";
import { ownsLiveTeam } from "@/lib/teams/team";
import { alreadyBuying } from "./in-flight";
import { User } from "@/models/User";

/**
 * Where the Upgrade click goes (`url`): Polar's hosted checkout, or, for a user already buying,
 * their plan in this app (a path) instead of a second checkout; or nowhere, with a message.
 */
export type CheckoutStart = { ok: true; url: string } | { ok: false; message: string };

/** A second click within this window reuses the checkout the first one opened. */
const REUSE_WINDOW_MS = 60_000;

/**
 * Opens a Polar checkout of `productId` for `email` (taken from the session by the caller, never
 * from the form). The price comes from Polar's product, never from the client.
 */
export async function beginCheckout(email: string, productId: string, seats?: number): Promise<CheckoutStart> {
  // A double click arrives as two concurrent actions: the second waits and reuses the first's checkout.
  return withKeyedLock(`checkout:${email}:${productId}`, () => openCheckout(email, productId, seats));
}

/**
 * A team's plan (a seat-based product) is bought with a seat count within its price's bounds,
 * once per owner: more seats later are a change of the subscription on /team. Its buyer's own
 * plan is another matter, so the personal rules below do not apply to it.
 */
async function teamCheckoutRefusal(email: string, pricing: SeatPricing, seats: number | undefined): Promise<string | null> {
  if (seats === undefined || seatsPrice(pricing, seats) === null) {
    return `Choose between ${pricing.minSeats} and ${maxSeatsOf(pricing)} seats.`;
  }
  return (await ownsLiveTeam(email)) ? "You already have a team. Add seats on your team page instead of buying a second team." : null;
}

async function openCheckout(email: string, productId: string, seats: number | undefined): Promise<CheckoutStart> {
  await connectDb();
  // Independent reads: one round trip of waiting instead of four.
  const [product, user, live, recent] = await Promise.all([
    Product.findOne({ polarProductId: productId, isArchived: false, plan: { $ne: null } }).lean(),
    User.findOne({ email }, PLAN_FIELDS).lean(),
    liveSubscriptionOf(email),
    Payment.findOne(
      { customerEmail: email, productId, status: "pending", checkoutUrl: { $ne: null }, createdAt: { $gte: new Date(Date.now() - REUSE_WINDOW_MS) }, ...factsHere() },
      { checkoutUrl: 1 },
    )
      .sort({ createdAt: -1 })
      .lean(),
  ]);
  if (!product?.plan) return { ok: false, message: "That plan is not available." };
  const pricing = (product.seatPricing as SeatPricing | null | undefined) ?? null;
  if (pricing) {
    const refusal = await teamCheckoutRefusal(email, pricing, seats);
    if (refusal) return { ok: false, message: refusal };
  } else {
    // A subscriber changes plan through subscriptions.update (lib/plan-changes), never through a
    // second checkout: Polar would refuse it, or bill a second subscription beside the first.
    if (live && product.recurringInterval) {
      return { ok: false, message: "You already have a subscription. Switch plans with the Switch buttons instead of buying a second one." };
    }
    if (user && planNow(user) === product.plan) {
      return { ok: false, message: `You're already on ${planLabel(product.plan)}.` };
    }
  }
  if (recent?.checkoutUrl) return { ok: true, url: recent.checkoutUrl };

  let already;
  try {
    already = await alreadyBuying(email, { askPolarState: !live && !pricing });
  } catch (error) {
    const { message, log } = describePolarError(error);
    console.error(`[checkout] ${log}`);
    return { ok: false, message };
  }
  if (already.kind === "paying") return { ok: true, url: `/confirmation?checkout_id=${encodeURIComponent(already.checkoutId)}` };
  if (already.kind === "subscribed") return { ok: true, url: "/account?checkout=subscribed" };

  const appUrl = env().APP_URL;
  let checkout;
  try {
    checkout = await unwrapAsync(checkoutsCreate(polar(), {
      products: [productId],
      ...(pricing ? { seats } : {}),
      externalCustomerId: email,
      customerEmail: email,
      successUrl: `${appUrl}/confirmation?checkout_id={CHECKOUT_ID}`,
      returnUrl: `${appUrl}/pricing`,
    }));
  } catch (error) {
    const { message, log } = describePolarError(error);
    console.error(`[checkout] ${log}`);
    return { ok: false, message };
  }

  // Recorded now through the same code as checkout.created, so the confirmation page knows the
  // payment even if that webhook is late. If this write fails, the webhook records it later.
  try {
    const fact = paymentFromCheckout(checkout);
    if (fact) await recordPayment(fact, { checkoutUrl: checkout.url });
  } catch (error) {
    console.error(`[checkout] opened ${checkout.id} but could not record it yet: ${describeError(error)}`);
  }
  return { ok: true, url: checkout.url };
}
