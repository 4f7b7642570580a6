import "server-only";
import { polar } from "@/lib/polar/client";
import { checkoutsGet } from "@polar-sh/sdk/funcs/checkoutsGet.js";
import { ordersList } from "@polar-sh/sdk/funcs/ordersList.js";
import { subscriptionsGet } from "@polar-sh/sdk/funcs/subscriptionsGet.js";
import { unwrap, unwrapAsync } from "@polar-sh/sdk/types/fp.js";
import type { CheckoutStatus } from "@polar-sh/sdk/models/components/checkoutstatus";
import type { Subscription as PolarSubscription } from "@polar-sh/sdk/models/components/subscription";
import { identityOf, paymentFromCheckout, paymentFromOrder, productFact, subscriptionFact } from "./facts";
import { recordPayment, recordProduct, recordSubscription } from "./store";

/**
 * Asks Polar for a checkout (and its order and subscription) and applies what it learns with
 * the same code the webhooks use, so a late webhook never leaves a paying user on Free.
 * Only a checkout of `email` is applied. Returns the checkout's status at Polar.
 */
export async function syncCheckoutFromPolar(checkoutId: string, email: string): Promise<CheckoutStatus | "not-yours"> {
  const checkout = await unwrapAsync(checkoutsGet(polar(), { id: checkoutId }));
  if (identityOf(checkout.externalCustomerId, checkout.customerEmail) !== email) return "not-yours";
  const fact = paymentFromCheckout(checkout);
  if (fact) await recordPayment(fact);
  if (checkout.status !== "succeeded") return checkout.status;

  const orders = unwrap(await ordersList(polar(), { checkoutId, limit: 10 }));
  for (const order of orders.result.items) {
    if (order.product) await recordProduct(productFact(order.product));
    const orderFact = paymentFromOrder(order);
    if (orderFact) await recordPayment(orderFact);
    if (order.subscriptionId) await recordPolarSubscription(await unwrapAsync(subscriptionsGet(polar(), { id: order.subscriptionId })));
  }
  return checkout.status;
}

/**
 * A subscription as Polar's API returned it (a pull, or the answer to `subscriptions.update`),
 * applied as its webhook would be: its product first, then the subscription's facts.
 */
export async function recordPolarSubscription(subscription: PolarSubscription): Promise<void> {
  await recordProduct(productFact(subscription.product));
  const fact = subscriptionFact(subscription);
  if (fact) await recordSubscription(fact);
}
