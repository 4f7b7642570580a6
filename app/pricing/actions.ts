"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { getSessionEmail } from "@/lib/auth/session";
import { beginCheckout } from "@/lib/checkout/begin";
import { forgetCheckoutIntent, rememberCheckoutIntent } from "@/lib/checkout/intent";
import { env } from "@/lib/env";
import { switchPlan } from "@/lib/plan-changes/switch";
import { validatedAction } from "@/lib/validated-action";

const productInput = z.object({
  productId: z.uuid({ message: "That plan is not available." }),
});

/**
 * The Upgrade button. The buyer's email comes from the session only. A signed-out visitor goes
 * to sign-in and comes back to /pricing?checkout=<id>&intent=<marker>, which submits this again
 * by itself only in the browser that clicked (lib/checkout/intent.ts).
 */
export const startCheckout = validatedAction(productInput, async ({ productId }) => {
  const email = await getSessionEmail();
  if (!email) {
    const marker = await rememberCheckoutIntent(productId, env().APP_URL.startsWith("https://"));
    redirect(`/signin?callbackUrl=${encodeURIComponent(`/pricing?checkout=${productId}&intent=${marker}`)}`);
  }
  await forgetCheckoutIntent();
  const result = await beginCheckout(email, productId);
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
