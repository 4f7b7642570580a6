import "server-only";
import type { validateEvent } from "@polar-sh/sdk/webhooks";
import type { PaymentStatus } from "@/models/Payment";
import { identityOf, paymentFromCheckout, paymentFromOrder, productFact, subscriptionFact, type PaymentFact } from "./facts";
import { paymentStatusesBelow } from "./rules";
import { linkCustomer, recordPayment, recordProduct, recordSubscription, unlinkCustomer } from "./store";

export type PolarEvent = ReturnType<typeof validateEvent>;
export type ApplyOutcome = "applied" | "ignored";

/** The types applyEvent maps onto the models; any other is stored and answered 202. */
export const MAPPED_EVENT_TYPES: ReadonlySet<string> = new Set<PolarEvent["type"]>([
  "checkout.created",
  "checkout.updated",
  "checkout.expired",
  "customer.created",
  "customer.updated",
  "customer.deleted",
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
  "product.created",
  "product.updated",
]);

/** The status an order event proves at least, whatever the order object says. */
const orderEventFloor: Partial<Record<PolarEvent["type"], PaymentStatus>> = {
  "order.paid": "completed",
  "order.refunded": "refunded",
};

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
    case "order.created":
    case "order.updated":
    case "order.paid":
    case "order.refunded": {
      if (event.data.product) await recordProduct(productFact(event.data.product));
      const fact = paymentFromOrder(event.data);
      if (!fact) return "ignored";
      await recordPayment(atLeast(fact, orderEventFloor[event.type]));
      return "applied";
    }
    case "subscription.created":
    case "subscription.updated":
    case "subscription.active":
    case "subscription.canceled":
    case "subscription.uncanceled":
    case "subscription.revoked":
    case "subscription.past_due": {
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
