import "server-only";
import { subscriptionsUpdate } from "@polar-sh/sdk/funcs/subscriptionsUpdate.js";
import type { SubscriptionUpdate } from "@polar-sh/sdk/models/components/subscriptionupdate";
import { unwrapAsync } from "@polar-sh/sdk/types/fp.js";
import { recordPolarSubscription } from "@/lib/billing/pull-sync";
import { withKeyedLock } from "@/lib/db/keyed-lock";
import { polar } from "@/lib/polar/client";
import { describeError } from "@/lib/redact";
import type { Done } from "./done";
import { describeChangeRefusal } from "./refusals";
import type { LiveSubscription } from "./subscriber";

/** Done (already so counts: a double click's second request finds the first's result), or why not. */
export type ChangeOutcome = { ok: true; done: Done } | { ok: false; message: string };

/**
 * One subscriber's changes run one after another in this process (a double click, two tabs):
 * the second finds the first's result in MongoDB and says so instead of asking Polar again.
 * Across instances a repeated switch can reach Polar as a change to the product it already has:
 * Polar does not refuse it, and its two proration lines cancel out into a $0 order
 * (server/polar/subscription/update.py), so nothing is charged twice.
 */
export function withSubscriberLock<T>(email: string, fn: () => Promise<T>): Promise<T> {
  return withKeyedLock(`subscription-change:${email}`, fn);
}

/**
 * Sends one change of `sub` to Polar and applies Polar's answer at once, through the same code
 * as the webhooks (the events that follow change nothing more), so the page that reloads after
 * the action already shows it.
 */
export async function sendChange(sub: LiveSubscription, update: SubscriptionUpdate): Promise<ChangeOutcome | null> {
  try {
    const answer = await unwrapAsync(subscriptionsUpdate(polar(), { id: sub.polarSubscriptionId, subscriptionUpdate: update }));
    try {
      await recordPolarSubscription(answer);
    } catch (error) {
      // Polar has it; its webhook (or the reconciler) brings it here.
      console.error(`[plan-change] ${sub.polarSubscriptionId} changed at Polar, not recorded yet: ${describeError(error)}`);
    }
    return null;
  } catch (error) {
    const { message, log } = describeChangeRefusal(error);
    console.error(`[plan-change] ${sub.polarSubscriptionId}: ${log}`);
    return { ok: false, message };
  }
}
