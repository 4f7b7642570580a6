import "server-only";
import { switchDirection } from "./rules";
import { sendChange, withSubscriberLock, type ChangeOutcome } from "./send";
import { isSwitchTarget, liveSubscriptionOf, productsById, type LiveSubscription } from "./subscriber";

/** Why a subscription cannot change plan now, in the subscriber's words; null if it can. */
function blocker(sub: LiveSubscription): string | null {
  if (sub.cancelAtPeriodEnd) return "Your subscription is set to end. Keep it on your account page first, then switch.";
  if (sub.status === "paused" || sub.pauseAtPeriodEnd) return "Your subscription is paused or set to pause. Resume it on your account page first, then switch.";
  if (sub.status === "past_due") return "Your last payment failed. Update your card in Manage billing first, then switch.";
  return null;
}

/**
 * Switches the subscriber's plan to `productId` through `subscriptions.update`, never through a
 * second checkout: an upgrade now with `invoice` (Polar charges the prorated difference, and
 * applies nothing if the charge fails), a downgrade at the next period with `next_period`
 * (Polar keeps it as the subscription's `pending_update`).
 */
export function switchPlan(email: string, productId: string): Promise<ChangeOutcome> {
  return withSubscriberLock(email, async () => {
    const sub = await liveSubscriptionOf(email);
    if (!sub?.productId) return { ok: false, message: "You have no subscription to change. Choose a plan to buy it." };
    const products = await productsById([sub.productId, productId]);
    const target = products.get(productId);
    if (!isSwitchTarget(target)) return { ok: false, message: "That plan is not available." };
    if (sub.productId === productId) return { ok: true, done: "switched" };
    if (sub.pendingProductId === productId) return { ok: true, done: "scheduled" };
    const blocked = blocker(sub);
    if (blocked) return { ok: false, message: blocked };

    const current = products.get(sub.productId);
    const direction = switchDirection(
      { amount: sub.amount ?? current?.priceAmount ?? 0, currency: sub.currency ?? "", interval: sub.recurringInterval ?? current?.recurringInterval ?? "month", rank: current?.rank ?? 1 },
      { amount: target.priceAmount, currency: target.priceCurrency ?? "", interval: target.recurringInterval, rank: target.rank ?? 1 },
    );
    const refused = await sendChange(sub, { productId, prorationBehavior: direction === "upgrade" ? "invoice" : "next_period" });
    return refused ?? { ok: true, done: direction === "upgrade" ? "switched" : "scheduled" };
  });
}

/** Drops a scheduled switch (Polar's `pending_update: null`): the subscription renews as it is. */
export function cancelScheduledSwitch(email: string): Promise<ChangeOutcome> {
  return withSubscriberLock(email, async () => {
    const sub = await liveSubscriptionOf(email);
    if (!sub?.pendingProductId) return { ok: true, done: "kept" };
    return (await sendChange(sub, { pendingUpdate: null })) ?? { ok: true, done: "kept" };
  });
}
