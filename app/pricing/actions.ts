"use server";

import { redirect } from "next/navigation";
import { after } from "next/server";
import { z } from "zod";
import { checkOnUserRead, getSessionClaim, getSessionEmail } from "@/lib/auth/session";
import { beginCheckout } from "@/lib/checkout/begin";
import { forgetCheckoutIntent, rememberCheckoutIntent } from "@/lib/checkout/intent";
import { env } from "@/lib/env";
import { switchPlan } from "@/lib/plan-changes/switch";
import { validatedAction } from "@/lib/validated-action";

const productInput = z.object({
  productId: z.uuid({ message: "That plan is not available." }),
});

// A team's plan also carries its seat count (bounds checked against the product's price in lib/checkout).
const checkoutInput = productInput.extend({
  seats: z.coerce.number({ message: "Choose how many seats your team needs." }).int({ message: "Choose a whole number of seats." }).positive({ message: "Choose at least one seat." }).optional(),
});

/**
 * The Upgrade button. The buyer's email comes from the session only. A signed-out visitor goes
 * to sign-in and comes back to /pricing?checkout=<id>&intent=<marker>, which submits this again
 * by itself only in the browser that clicked (lib/checkout/intent.ts).
 */
export const startCheckout = validatedAction(checkoutInput, async ({ productId, seats }) => {
  // The session is checked on the checkout's own read of the user: one read, not two, before it acts.
  const claim = await getSessionClaim();
  // The opened checkout is recorded behind the answer: the browser leaves for Polar at once.
  const result = claim && (await beginCheckout(claim.email, productId, seats, { behindAnswer: after, session: checkOnUserRead(claim) }));
  if (!result || (!result.ok && result.signedOut)) {
    const marker = await rememberCheckoutIntent(productId, env().APP_URL.startsWith("https://"));
    const seatCount = seats === undefined ? "" : `&seats=${seats}`;
    redirect(`/signin?callbackUrl=${encodeURIComponent(`/pricing?checkout=${productId}${seatCount}&intent=${marker}`)}`);
  }
  await forgetCheckoutIntent();
  if (!result.ok) return { error: result.message };
  // Polar's checkout, or the user's plan when they are already buying (lib/checkout/in-flight.ts).
  redirect(result.url);
});

/**
 * A subscriber's confirmed Switch: `subscriptions.update` on their subscription (lib/plan-changes).
 * Done, the browser goes to the account page, which shows the new plan or the scheduled switch.
 */
export const switchPlanAction = validatedAction(productInput, async ({ productId }) => {
  const email = await getSessionEmail();
  if (!email) return { error: "Your session ended. Sign in again to change your plan." };
  const result = await switchPlan(email, productId);
  if (!result.ok) return { error: result.message };
  redirect(`/account?done=${result.done}`);
});
