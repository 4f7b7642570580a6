import "server-only";
import type { Subscription as PolarSubscription } from "@polar-sh/sdk/models/components/subscription";
import type { validateEvent } from "@polar-sh/sdk/webhooks";
import type { PaymentStatus } from "@/models/Payment";
import { identityOf, paymentFromCheckout, paymentFromOrder, productFact, subscriptionFact, type PaymentFact } from "./facts";
import { paymentStatusesBelow } from "./rules";
import { flagForReconcileIfDrifted, linkCustomer, recordPayment, recordProduct, recordSubscription, unlinkCustomer } from "./store";

/**
 * What the SDK's validateEvent returns, plus the subscription events Polar sends and the SDK's
 * validateEvent (0.49) does not know: `subscription.cycled` (a renewal), `subscription.paused`
 * and `subscription.resumed`. lib/webhooks/parse.ts parses their `data` with the SDK's own
 * Subscription schema.
 */
export const SUBSCRIPTION_TYPES_OUTSIDE_SDK = ["subscription.cycled", "subscription.paused", "subscription.resumed"] as const;
export type SubscriptionEventOutsideSdk = { type: (typeof SUBSCRIPTION_TYPES_OUTSIDE_SDK)[number]; timestamp: Date; data: PolarSubscription };
export type PolarEvent = ReturnType<typeof validateEvent> | SubscriptionEventOutsideSdk;
export type ApplyOutcome = "applied" | "ignored";

/** The types applyEvent maps onto the models; any other is stored and answered 202. */
export const MAPPED_EVENT_TYPES: ReadonlySet<string> = new Set<PolarEvent["type"]>([
  "checkout.created",
  "checkout.updated",
  "checkout.expired",
  "customer.created",
  "customer.updated",
  "customer.deleted",
  "customer.state_changed",
  "order.created",
  "order.updated",
  "order.paid",
  "order.refunded",
  "subscription.created",
  "subscription.updated",
  "subscription.active",
  "subscription.canceled",
  "subscription.uncanceled",
  "subscription.revoked",
  "subscription.past_due",
  "subscription.cycled",
  "subscription.paused",
  "subscription.resumed",
  "product.created",
  "product.updated",
]);

/**
 * The status an order event proves at least, whatever the order object says. `order.refunded`
 * is also sent for a partial refund (the order `partially_refunded`), which keeps what was bought:
 * only a full refund proves `refunded`.
 */
function orderEventFloor(type: PolarEvent["type"], order: { status: string }): PaymentStatus | undefined {
  if (type === "order.paid") return "completed";
  if (type === "order.refunded") return order.status === "partially_refunded" ? "completed" : "refunded";
  return undefined;
}

function atLeast(fact: PaymentFact, floor: PaymentStatus | undefined): PaymentFact {
  return floor && paymentStatusesBelow(floor).includes(fact.status) ? { ...fact, status: floor } : fact;
}

/**
 * Applies one verified Polar event to MongoDB (the event table in the design). Safe to call
 * again with the same event and in any order relative to the others.
 */
export async function applyEvent(event: PolarEvent): Promise<ApplyOutcome> {
  switch (event.type) {
    case "checkout.created":
    case "checkout.updated":
    case "checkout.expired": {
      const fact = paymentFromCheckout(event.data);
      if (!fact) return "ignored";
      await recordPayment(fact);
      return "applied";
    }
    case "customer.created":
    case "customer.updated": {
      const email = identityOf(event.data.externalId, event.data.email);
      if (!email) return "ignored";
      await linkCustomer(email, event.data.id);
      return "applied";
    }
    case "customer.deleted":
      await unlinkCustomer(event.data.id);
      return "applied";
    case "customer.state_changed": {
      // A hint, not a fact: the subscription events of the same change carry the facts and
      // usually arrive alongside. If the state disagrees with what we hold, the user is put
      // first in line for the cron's reconciler, which pulls each disagreeing subscription from
      // Polar's API. Not pulled here: that would race the events still in flight and spend API
      // calls on every state change (see reconcile.ts).
      const email = identityOf(event.data.externalId, event.data.email);
      if (!email) return "ignored";
      await flagForReconcileIfDrifted(email, event.data.activeSubscriptions);
      return "applied";
    }
    case "order.created":
    case "order.updated":
    case "order.paid":
    case "order.refunded": {
      if (event.data.product) await recordProduct(productFact(event.data.product));
      const fact = paymentFromOrder(event.data);
      if (!fact) return "ignored";
      await recordPayment(atLeast(fact, orderEventFloor(event.type, event.data)));
      return "applied";
    }
    case "subscription.created":
    case "subscription.updated":
    case "subscription.active":
    case "subscription.canceled":
    case "subscription.uncanceled":
    case "subscription.revoked":
    case "subscription.past_due":
    case "subscription.cycled":
    case "subscription.paused":
    case "subscription.resumed": {
      await recordProduct(productFact(event.data.product));
      const fact = subscriptionFact(event.data);
      if (!fact) return "ignored";
      await recordSubscription(fact);
      return "applied";
    }
    case "product.created":
    case "product.updated":
      await recordProduct(productFact(event.data));
      return "applied";
    default:
      return "ignored";
  }
}
