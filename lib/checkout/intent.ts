import "server-only";
import { randomBytes } from "node:crypto";
import { cookies } from "next/headers";

/**
 * A checkout started before sign-in continues after it only if it was started here: the Upgrade
 * click sets a short-lived random marker in a cookie and puts the same value in the URL it
 * returns to. A link to /pricing?checkout=... from anywhere else has no matching cookie, so it
 * opens nothing by itself.
 */
const COOKIE = "checkout_intent";
const MAX_AGE_S = 10 * 60;

export interface CheckoutIntent {
  productId: string;
  marker: string;
}

/** Set by the Upgrade action of a signed-out visitor; returns the marker for the return URL. */
export async function rememberCheckoutIntent(productId: string, secure: boolean): Promise<string> {
  const marker = randomBytes(16).toString("base64url");
  (await cookies()).set(COOKIE, `${productId}.${marker}`, { httpOnly: true, sameSite: "lax", secure, path: "/", maxAge: MAX_AGE_S });
  return marker;
}

/** Whether `/pricing?checkout=productId&intent=marker` continues the checkout this browser started. */
export async function isOwnCheckoutIntent(productId: string | undefined, marker: string | undefined): Promise<boolean> {
  if (!productId || !marker) return false;
  return (await cookies()).get(COOKIE)?.value === `${productId}.${marker}`;
}

/** Used once: the checkout it continued is open now. */
export async function forgetCheckoutIntent(): Promise<void> {
  const jar = await cookies();
  if (jar.has(COOKIE)) jar.delete(COOKIE);
}
