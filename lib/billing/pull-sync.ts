import "server-only";
import { polar } from "@/lib/polar";
import { identityOf, paymentFromCheckout, paymentFromOrder, productFact, subscriptionFact } from "./facts";
import { recordPayment, recordProduct, recordSubscription } from "./store";

/**
 * Asks Polar for a checkout (and its order and subscription) and applies what it learns with
 * the same code the webhooks use, so a late webhook never leaves a paying user on Free.
 * Only a checkout of `email` is applied.
 */
export async function syncCheckoutFromPolar(checkoutId: string, email: string): Promise<"synced" | "not-yours"> {
  const checkout = await polar().checkouts.get({ id: checkoutId });
  if (identityOf(checkout.externalCustomerId, checkout.customerEmail) !== email) return "not-yours";
  const fact = paymentFromCheckout(checkout);
  if (fact) await recordPayment(fact);
  if (checkout.status !== "succeeded") return "synced";

  const orders = await polar().orders.list({ checkoutId, limit: 10 });
  for (const order of orders.result.items) {
    if (order.product) await recordProduct(productFact(order.product));
    const orderFact = paymentFromOrder(order);
    if (orderFact) await recordPayment(orderFact);
    if (order.subscriptionId) {
      const subscription = await polar().subscriptions.get({ id: order.subscriptionId });
      await recordProduct(productFact(subscription.product));
      const subFact = subscriptionFact(subscription);
      if (subFact) await recordSubscription(subFact);
    }
  }
  return "synced";
}
