import "server-only";
import { AlreadyCanceledSubscription } from "@polar-sh/sdk/models/errors/alreadycanceledsubscription";
import { HTTPValidationError } from "@polar-sh/sdk/models/errors/httpvalidationerror";
import { PaymentFailed } from "@polar-sh/sdk/models/errors/paymentfailed";
import { ResourceNotFound } from "@polar-sh/sdk/models/errors/resourcenotfound";
import { SubscriptionLocked } from "@polar-sh/sdk/models/errors/subscriptionlocked";
import { describePolarError } from "@/lib/polar/errors";
import { describeError } from "@/lib/redact";

/**
 * Polar's refusals of a subscription change (`subscriptions.update`: 402, 403, 404, 409, 422),
 * worded for the subscriber, with the detail for the log. With `invoice`, Polar applies a change
 * only if its charge succeeds: a declined card leaves the subscription as it was, and says so.
 */
export function describeChangeRefusal(error: unknown): { message: string; log: string } {
  const log = `Polar refused the change: ${describeError(error)}`;
  if (error instanceof PaymentFailed) {
    return { message: "Your card was declined, so nothing changed. Update your card in Manage billing, then try again.", log };
  }
  if (error instanceof AlreadyCanceledSubscription) {
    return { message: "Your subscription is set to end, so its plan cannot change. Keep your subscription first, then switch.", log };
  }
  if (error instanceof SubscriptionLocked) {
    return { message: "Your subscription is being changed right now. Try again in a moment.", log };
  }
  if (error instanceof ResourceNotFound) {
    return { message: "Polar no longer knows this subscription. Reload the page to see where it stands.", log };
  }
  if (error instanceof HTTPValidationError) {
    // Polar's own sentence (a product in another currency, a plan it cannot switch to, ...).
    const said = error.detail?.map((d) => d.msg).find((m) => typeof m === "string" && m.trim() !== "");
    return { message: `Polar refused the change${said ? `: ${said}` : ""}. Nothing changed.`, log };
  }
  const generic = describePolarError(error);
  return { message: generic.message.replace(/^Checkout is unavailable/, "Plan changes are unavailable"), log: generic.log };
}
