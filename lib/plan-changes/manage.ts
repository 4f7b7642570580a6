import "server-only";
import type { CustomerCancellationReason } from "@polar-sh/sdk/models/components/customercancellationreason";
import type { SubscriptionUpdate } from "@polar-sh/sdk/models/components/subscriptionupdate";
import { liveSubscriptionOf, type LiveSubscription } from "./subscriber";
import { sendChange, withSubscriberLock, type ChangeOutcome } from "./switch";

/** Polar's cancellation reasons (CustomerCancellationReason), as the account page offers them. */
export const CANCELLATION_REASONS = {
  too_expensive: "Too expensive",
  missing_features: "Missing features",
  switched_service: "Switched to another service",
  unused: "I don't use it enough",
  customer_service: "Customer service",
  low_quality: "Quality",
  too_complex: "Too complicated",
  other: "Other",
} as const satisfies Record<CustomerCancellationReason & string, string>;
export const CANCELLATION_REASON_VALUES = Object.keys(CANCELLATION_REASONS) as [keyof typeof CANCELLATION_REASONS, ...(keyof typeof CANCELLATION_REASONS)[]];

/** What the account page can ask of a subscription; the portal keeps cards and invoices. */
export type ManageRequest =
  | { action: "cancel"; reason?: CustomerCancellationReason; comment?: string }
  | { action: "uncancel" }
  | { action: "pause"; resumesAt?: Date }
  | { action: "unpause" }
  | { action: "resume" };

const dateFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" });
const onEnd = (sub: LiveSubscription) => (sub.currentPeriodEnd ? ` on ${dateFormat.format(sub.currentPeriodEnd)}` : " at the end of this period");

/**
 * The change Polar is asked for, or the answer when nothing needs asking (already so) or the
 * request does not fit the subscription's state (Polar would refuse it; the reason is clearer
 * from here). Pure.
 */
export function planManageRequest(sub: LiveSubscription, req: ManageRequest): { update: SubscriptionUpdate; done: string } | ChangeOutcome {
  switch (req.action) {
    case "cancel":
      if (sub.cancelAtPeriodEnd) return { ok: true, message: `Your subscription ends${onEnd(sub)}.` };
      return {
        update: { cancelAtPeriodEnd: true, customerCancellationReason: req.reason ?? null, customerCancellationComment: req.comment ?? null },
        done: `Canceled: your plan stays until it ends${onEnd(sub)}.`,
      };
    case "uncancel":
      if (!sub.cancelAtPeriodEnd) return { ok: true, message: "Your subscription renews as usual." };
      return { update: { cancelAtPeriodEnd: false }, done: "Your subscription continues and renews as usual." };
    case "pause":
      if (sub.status === "paused" || sub.pauseAtPeriodEnd) return { ok: true, message: "Your subscription is already set to pause." };
      if (sub.cancelAtPeriodEnd) return { ok: false, message: "Your subscription is set to end. Keep it first, then pause it." };
      if (sub.status !== "active") return { ok: false, message: "Only an active subscription can be paused." };
      if (req.resumesAt && sub.currentPeriodEnd && req.resumesAt <= sub.currentPeriodEnd) {
        return { ok: false, message: `The resume date must be after the pause starts${onEnd(sub)}.` };
      }
      return {
        update: { pauseAtPeriodEnd: true, resumesAt: req.resumesAt ?? null },
        done: `Your subscription pauses${onEnd(sub)}${req.resumesAt ? ` and resumes on ${dateFormat.format(req.resumesAt)}` : ""}.`,
      };
    case "unpause":
      if (!sub.pauseAtPeriodEnd) return { ok: true, message: "No pause is scheduled." };
      return { update: { pauseAtPeriodEnd: false }, done: "The pause is canceled: your subscription renews as usual." };
    case "resume":
      if (sub.status !== "paused") return { ok: true, message: "Your subscription is not paused." };
      return { update: { resume: true }, done: "Your subscription is active again. Polar charged the new period." };
  }
}

/** Cancels, keeps, pauses or resumes the subscriber's subscription at Polar (`subscriptions.update`). */
export function manageSubscription(email: string, req: ManageRequest): Promise<ChangeOutcome> {
  return withSubscriberLock(email, async () => {
    const sub = await liveSubscriptionOf(email);
    if (!sub) return { ok: false, message: "You have no subscription to change." };
    const plan = planManageRequest(sub, req);
    if ("ok" in plan) return plan;
    return (await sendChange(sub, plan.update)) ?? { ok: true, message: plan.done };
  });
}
