"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { getSessionEmail } from "@/lib/auth";
import { beginCheckout } from "@/lib/checkout";
import { validatedAction } from "@/lib/validated-action";

const checkoutInput = z.object({
  productId: z.uuid({ message: "That plan is not available." }),
});

/**
 * The Upgrade button. The buyer's email comes from the session only; a signed-out visitor goes
 * to sign-in and comes back to /pricing?checkout=<id>, which submits this again by itself.
 */
export const startCheckout = validatedAction(checkoutInput, async ({ productId }) => {
  const email = await getSessionEmail();
  if (!email) redirect(`/signin?callbackUrl=${encodeURIComponent(`/pricing?checkout=${productId}`)}`);
  const result = await beginCheckout(email, productId);
  if (!result.ok) return { error: result.message };
  redirect(result.url);
});
