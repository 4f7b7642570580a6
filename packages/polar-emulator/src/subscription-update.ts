import type { CancellationReason, Flows } from "./flows";
import { validationError } from "./http";
import { alreadyCanceledSubscription, badRequest, notAUnitBasedSubscription, resourceUnavailable } from "./polar-errors";
import type { SubscriptionRecord } from "./store";
import type { SubscriptionUpdateBody } from "./validation";

/**
 * `PATCH /v1/subscriptions/{id}` and `DELETE /v1/subscriptions/{id}`: which of Polar's
 * subscription operations a body asks for (`SubscriptionService.update`,
 * server/polar/subscription/service.py), and Polar's answer when the flow refuses it. The flows
 * do the work and send the webhooks; the caller answers the subscription as it is afterwards.
 */

/** Polar refuses the preview-only behavior unless the organization has it (the emulated one does not). */
const resetNotEnabled = (input: unknown) =>
  validationError({ type: "value_error", loc: ["body", "proration_behavior"], msg: "The 'reset' proration behavior is not enabled for this organization.", input });

const notEmulated = (field: string, input: unknown) =>
  validationError({ type: "value_error", loc: ["body", field], msg: `The Polar emulator does not emulate ${field}.`, input });

export function updateSubscription(flows: Flows, sub: SubscriptionRecord, update: SubscriptionUpdateBody): void {
  switch (update.kind) {
    case "base": {
      const { product_id, proration_behavior, discount_id, trial_end, metadata } = update.body;
      if (product_id && proration_behavior === "reset") throw resetNotEnabled(proration_behavior);
      if (discount_id) throw validationError({ type: "value_error", loc: ["body", "discount_id"], msg: "Discount does not exist.", input: discount_id });
      if (trial_end) throw notEmulated("trial_end", trial_end);
      if (product_id) flows.subscriptionChanges.changeProduct(sub, product_id, proration_behavior === "reset" ? null : (proration_behavior ?? null), metadata);
      else flows.subscriptionChanges.updateMetadata(sub, metadata);
      return;
    }
    case "cancel": {
      const { cancel_at_period_end, customer_cancellation_reason: reason, customer_cancellation_comment: comment } = update.body;
      if (cancel_at_period_end) {
        if (!flows.subscriptions.cancel(sub, { reason, comment })) throw alreadyCanceledSubscription();
      } else if (!flows.subscriptions.uncancel(sub)) {
        // Polar's `uncancel`: an ended subscription is gone (410), any other not canceling is a 400.
        throw sub.endedAt ? resourceUnavailable() : badRequest();
      }
      return;
    }
    case "revoke":
      revokeSubscription(flows, sub, { reason: update.body.customer_cancellation_reason, comment: update.body.customer_cancellation_comment });
      return;
    case "pause": {
      const { pause_at_period_end, resumes_at } = update.body;
      if (!pause_at_period_end) return flows.subscriptionChanges.cancelScheduledPause(sub);
      const resumesAt = resumes_at ? new Date(resumes_at) : null;
      // Pydantic's FutureDatetime, checked with the body.
      if (resumesAt && resumesAt.getTime() <= Date.now()) {
        throw validationError({ type: "datetime_future", loc: ["body", "resumes_at"], msg: "Input should be in the future", input: resumes_at });
      }
      flows.subscriptionChanges.schedulePause(sub, resumesAt);
      return;
    }
    case "resume":
      flows.subscriptionChanges.resume(sub);
      return;
    case "clear":
      flows.subscriptionChanges.clearPendingUpdate(sub);
      return;
    case "seats": {
      const { seats, proration_behavior } = update.body;
      if (proration_behavior === "reset") throw resetNotEnabled(proration_behavior);
      flows.subscriptionChanges.changeSeats(sub, seats, proration_behavior ?? null);
      return;
    }
    case "units":
      // Polar's answer for a subscription without a unit price, which every emulated one is.
      if (sub.status === "canceled" || sub.cancelAtPeriodEnd) throw alreadyCanceledSubscription();
      throw notAUnitBasedSubscription();
    case "billingPeriod":
      throw notEmulated("current_billing_period_end", update.body.current_billing_period_end);
  }
}

/** Revoke now (`DELETE`, or `{"revoke": true}`): Polar's `_perform_cancellation(immediately=True)`. */
export function revokeSubscription(flows: Flows, sub: SubscriptionRecord, why: CancellationReason = {}): void {
  if (!flows.subscriptions.revoke(sub, why)) throw alreadyCanceledSubscription();
}
