import "server-only";
import { polar } from "@/lib/polar";
import { checkoutsGet } from "@polar-sh/sdk/funcs/checkoutsGet.js";
import { ordersList } from "@polar-sh/sdk/funcs/ordersList.js";
import { subscriptionsGet } from "@polar-sh/sdk/funcs/subscriptionsGet.js";
import { unwrap, unwrapAsync } from "@polar-sh/sdk/types/fp.js";
import { identityOf, paymentFromCheckout, paymentFromOrder, productFact, subscriptionFact } from "./facts";
import { recordPayment, recordProduct, recordSubscription } from "./store";

/**
 * Asks Polar for a checkout (and its order and subscription) and applies what it learns with
 * the same code the webhooks use, so a late webhook never leaves a paying user on Free.
 * Only a checkout of `email` is applied.
 */
export async function syncCheckoutFromPolar(checkoutId: string, email: string): Promise<"synced" | "not-yours"> {
  const checkout = await unwrapAsync(checkoutsGet(polar(), { id: checkoutId }));
  if (identityOf(checkout.externalCustomerId, checkout.customerEmail) !== email) return "not-yours";
  const fact = paymentFromCheckout(checkout);
  if (fact) await recordPayment(fact);
  if (checkout.status !== "succeeded") return "synced";

  const orders = unwrap(await ordersList(polar(), { checkoutId, limit: 10 }));
  for (const order of orders.result.items) {
    if (order.product) await recordProduct(productFact(order.product));
    const orderFact = paymentFromOrder(order);
    if (orderFact) await recordPayment(orderFact);
    if (order.subscriptionId) {
      const subscription = await unwrapAsync(subscriptionsGet(polar(), { id: order.subscriptionId }));
      await recordProduct(productFact(subscription.product));
      const subFact = subscriptionFact(subscription);
      if (subFact) await recordSubscription(subFact);
    }
  }
  return "synced";
}
