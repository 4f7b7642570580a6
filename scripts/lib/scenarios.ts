import type { PaymentStatus } from "../../models/Payment";
import type { Plan } from "../../models/User";
import {
  checkoutWire,
  customerWire,
  event,
  orderWire,
  proMonthlyProduct,
  proProduct,
  subscriptionWire,
  type PolarEventBody,
} from "./polar-payloads";

/**
 * One customer's full Polar event sequence, in Polar's order, and the documents it must leave
 * in MongoDB whatever order it is delivered in. Used by the load-and-chaos harness.
 */
export const SCENARIOS = ["purchase", "subscription", "refund", "revocation", "abandoned"] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface CustomerRun {
  email: string;
  scenario: Scenario;
  events: Array<{ webhookId: string; body: PolarEventBody }>;
  expected: { plan: Plan; paymentStatus: PaymentStatus; polarCustomerId: string | null; subscriptionStatus: string | null };
}

const uuid = (n: number, salt: number) => `${salt.toString(16).padStart(8, "0")}-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;

export function customerRun(index: number, runId: number): CustomerRun {
  const scenario = SCENARIOS[index % SCENARIOS.length]!;
  const email = `customer-${runId}-${index}@example.com`;
  const checkoutId = uuid(index, runId);
  const customer = { id: `cus_${runId}_${index}`, email };
  const subscriptionId = `sub_${runId}_${index}`;
  const orderId = `order_${runId}_${index}`;
  const recurring = scenario === "subscription" || scenario === "revocation";
  const product = recurring ? proMonthlyProduct : proProduct;
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 26, 10, minute));
  const list: PolarEventBody[] = [event("checkout.created", checkoutWire({ id: checkoutId, product, email }))];

  if (scenario === "abandoned") {
    list.push(event("checkout.expired", checkoutWire({ id: checkoutId, product, email, status: "expired" })));
  } else {
    const order = { id: orderId, checkoutId, product, customer, subscriptionId: recurring ? subscriptionId : null };
    const sub = { id: subscriptionId, product, customer, checkoutId };
    list.push(event("checkout.updated", checkoutWire({ id: checkoutId, product, email, status: "confirmed" })));
    list.push(event("customer.created", customerWire(customer)));
    if (recurring) list.push(event("subscription.created", subscriptionWire({ ...sub, status: "incomplete", modifiedAt: at(1) })));
    list.push(event("order.created", orderWire({ ...order, status: "paid" })));
    list.push(event("order.updated", orderWire({ ...order, status: "paid" })));
    list.push(event("order.paid", orderWire({ ...order, status: "paid" })));
    if (recurring) list.push(event("subscription.active", subscriptionWire({ ...sub, status: "active", modifiedAt: at(2) })));
    list.push(event("checkout.updated", checkoutWire({ id: checkoutId, product, email, status: "succeeded", customerId: customer.id })));
    if (scenario === "refund") list.push(event("order.refunded", orderWire({ ...order, status: "refunded" })));
    if (scenario === "revocation") {
      list.push(event("subscription.updated", subscriptionWire({ ...sub, status: "canceled", endedAt: at(3), modifiedAt: at(3) })));
      list.push(event("subscription.revoked", subscriptionWire({ ...sub, status: "canceled", endedAt: at(3), modifiedAt: at(3) })));
    }
  }

  const expected: CustomerRun["expected"] = {
    purchase: { plan: "pro", paymentStatus: "completed", polarCustomerId: customer.id, subscriptionStatus: null },
    subscription: { plan: "pro", paymentStatus: "completed", polarCustomerId: customer.id, subscriptionStatus: "active" },
    refund: { plan: "free", paymentStatus: "refunded", polarCustomerId: customer.id, subscriptionStatus: null },
    revocation: { plan: "free", paymentStatus: "completed", polarCustomerId: customer.id, subscriptionStatus: "canceled" },
    abandoned: { plan: "free", paymentStatus: "expired", polarCustomerId: null, subscriptionStatus: null },
  }[scenario] as CustomerRun["expected"];

  return { email, scenario, events: list.map((body, i) => ({ webhookId: `msg_${runId}_${index}_${i}`, body })), expected };
}
