import "server-only";
import type { CustomerCancellationReason } from "@polar-sh/sdk/models/components/customercancellationreason";
import type { SubscriptionUpdate } from "@polar-sh/sdk/models/components/subscriptionupdate";
import type { Done } from "./done";
import { liveSubscriptionOf, type LiveSubscription } from "./subscriber";
import { sendChange, withSubscriberLock, type ChangeOutcome } from "./send";

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

/**
 * The change Polar is asked for, or the answer when nothing needs asking (already so) or the
 * request does not fit the subscription's state (Polar would refuse it; the reason is clearer
 * from here). Pure.
 */
export function planManageRequest(sub: LiveSubscription, req: ManageRequest): { update: SubscriptionUpdate; done: Done } | ChangeOutcome {
  switch (req.action) {
    case "cancel":
      if (sub.cancelAtPeriodEnd) return { ok: true, done: "canceled" };
      return { update: { cancelAtPeriodEnd: true, customerCancellationReason: req.reason ?? null, customerCancellationComment: req.comment ?? null }, done: "canceled" };
    case "uncancel":
      if (!sub.cancelAtPeriodEnd) return { ok: true, done: "uncanceled" };
      return { update: { cancelAtPeriodEnd: false }, done: "uncanceled" };
    case "pause":
      if (sub.status === "paused" || sub.pauseAtPeriodEnd) return { ok: true, done: "paused" };
      if (sub.cancelAtPeriodEnd) return { ok: false, message: "Your subscription is set to end. Keep it first, then pause it." };
      if (sub.status !== "active") return { ok: false, message: "Only an active subscription can be paused." };
      if (req.resumesAt && sub.currentPeriodEnd && req.resumesAt <= sub.currentPeriodEnd) {
        return { ok: false, message: `The resume date must be after the pause starts, on ${dateFormat.format(sub.currentPeriodEnd)}.` };
      }
      return { update: { pauseAtPeriodEnd: true, resumesAt: req.resumesAt ?? null }, done: "paused" };
    case "unpause":
      if (!sub.pauseAtPeriodEnd) return { ok: true, done: "unpaused" };
      return { update: { pauseAtPeriodEnd: false }, done: "unpaused" };
    case "resume":
      if (sub.status !== "paused") return { ok: true, done: "resumed" };
      return { update: { resume: true }, done: "resumed" };
  }
}

/** Cancels, keeps, pauses or resumes the subscriber's subscription at Polar (`subscriptions.update`). */
export function manageSubscription(email: string, req: ManageRequest): Promise<ChangeOutcome> {
  return withSubscriberLock(email, async () => {
    const sub = await liveSubscriptionOf(email);
    if (!sub) return { ok: false, message: "You have no subscription to change." };
    const plan = planManageRequest(sub, req);
    if ("ok" in plan) return plan;
    return (await sendChange(sub, plan.update)) ?? { ok: true, done: plan.done };
  });
}
