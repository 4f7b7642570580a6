import type { PaymentStatus } from "../../models/Payment";
import type { Plan } from "../../models/User";
import {
  businessMonthlyProduct,
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
export const SCENARIOS = ["purchase", "subscription", "refund", "revocation", "abandoned", "upgrade", "downgrade", "pause"] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface CustomerRun {
  email: string;
  scenario: Scenario;
  events: Array<{ webhookId: string; body: PolarEventBody }>;
  expected: {
    plan: Plan;
    /** The checkout's payment. */
    paymentStatus: PaymentStatus;
    /** Every payment of the customer: the checkout's, plus a plan change's proration or a renewal. */
    payments: number;
    polarCustomerId: string | null;
    subscriptionStatus: string | null;
    /** The subscription's product at the end, and the switch still scheduled (null: none). */
    subscriptionProductId?: string;
    pendingProductId?: string | null;
  };
}

const uuid = (n: number, salt: number) => `${salt.toString(16).padStart(8, "0")}-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;

export function customerRun(index: number, runId: number): CustomerRun {
  const scenario = SCENARIOS[index % SCENARIOS.length]!;
  const email = `customer-${runId}-${index}@example.com`;
  const checkoutId = uuid(index, runId);
  const customer = { id: `cus_${runId}_${index}`, email };
  const subscriptionId = `sub_${runId}_${index}`;
  const orderId = `order_${runId}_${index}`;
  const changes = scenario === "upgrade" || scenario === "downgrade" || scenario === "pause";
  const recurring = scenario === "subscription" || scenario === "revocation" || changes;
  // A downgrade starts on the higher tier.
  const product = scenario === "downgrade" ? businessMonthlyProduct : recurring ? proMonthlyProduct : proProduct;
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
    const periodEnd = new Date(Date.UTC(2026, 11, 26, 10));
    const period = { currentPeriodStart: new Date(Date.UTC(2026, 10, 26, 10)), currentPeriodEnd: periodEnd };
    if (scenario === "upgrade") {
      // subscriptions.update with invoice: the product now, and a proration order with no checkout.
      const upgraded = { ...sub, ...period, product: businessMonthlyProduct, status: "active" as const, modifiedAt: at(4) };
      list.push(event("subscription.updated", subscriptionWire(upgraded)));
      const proration = { id: `${orderId}_u`, checkoutId: null, product: businessMonthlyProduct, customer, subscriptionId, billingReason: "subscription_update" as const, amount: 1200 };
      list.push(event("order.created", orderWire({ ...proration, status: "paid" })));
      list.push(event("order.updated", orderWire({ ...proration, status: "paid" })));
      list.push(event("order.paid", orderWire({ ...proration, status: "paid" })));
    }
    if (scenario === "downgrade") {
      // next_period: a pending update now, applied by the renewal (cycled, updated, its order).
      const scheduled = { ...sub, ...period, status: "active" as const, modifiedAt: at(4), pendingUpdate: { productId: proMonthlyProduct.id, appliesAt: periodEnd } };
      list.push(event("subscription.updated", subscriptionWire(scheduled)));
      const renewed = { ...sub, product: proMonthlyProduct, status: "active" as const, modifiedAt: at(5), currentPeriodStart: periodEnd, currentPeriodEnd: new Date(Date.UTC(2027, 0, 26, 10)) };
      list.push(event("subscription.cycled", subscriptionWire(renewed)));
      list.push(event("subscription.updated", subscriptionWire(renewed)));
      const renewal = { id: `${orderId}_r`, checkoutId: null, product: proMonthlyProduct, customer, subscriptionId, billingReason: "subscription_cycle" as const };
      list.push(event("order.created", orderWire({ ...renewal, status: "pending" })));
      list.push(event("order.updated", orderWire({ ...renewal, status: "paid" })));
      list.push(event("order.paid", orderWire({ ...renewal, status: "paid" })));
    }
    if (scenario === "pause") {
      list.push(event("subscription.updated", subscriptionWire({ ...sub, ...period, status: "active", modifiedAt: at(4), pauseAtPeriodEnd: true })));
      const paused = { ...sub, ...period, status: "paused" as const, modifiedAt: at(5), pausedAt: at(5) };
      list.push(event("subscription.updated", subscriptionWire(paused)));
      list.push(event("subscription.paused", subscriptionWire(paused)));
    }
    if (scenario === "revocation") {
      list.push(event("subscription.updated", subscriptionWire({ ...sub, status: "canceled", endedAt: at(3), modifiedAt: at(3) })));
      list.push(event("subscription.revoked", subscriptionWire({ ...sub, status: "canceled", endedAt: at(3), modifiedAt: at(3) })));
    }
  }

  const expected: CustomerRun["expected"] = {
    purchase: { plan: "pro", paymentStatus: "completed", payments: 1, polarCustomerId: customer.id, subscriptionStatus: null },
    subscription: { plan: "pro", paymentStatus: "completed", payments: 1, polarCustomerId: customer.id, subscriptionStatus: "active" },
    refund: { plan: "free", paymentStatus: "refunded", payments: 1, polarCustomerId: customer.id, subscriptionStatus: null },
    revocation: { plan: "free", paymentStatus: "completed", payments: 1, polarCustomerId: customer.id, subscriptionStatus: "canceled" },
    abandoned: { plan: "free", paymentStatus: "expired", payments: 1, polarCustomerId: null, subscriptionStatus: null },
    upgrade: {
      plan: "business",
      paymentStatus: "completed",
      payments: 2,
      polarCustomerId: customer.id,
      subscriptionStatus: "active",
      subscriptionProductId: businessMonthlyProduct.id,
      pendingProductId: null,
    },
    downgrade: {
      plan: "pro",
      paymentStatus: "completed",
      payments: 2,
      polarCustomerId: customer.id,
      subscriptionStatus: "active",
      subscriptionProductId: proMonthlyProduct.id,
      pendingProductId: null,
    },
    pause: { plan: "free", paymentStatus: "completed", payments: 1, polarCustomerId: customer.id, subscriptionStatus: "paused", subscriptionProductId: proMonthlyProduct.id },
  }[scenario] as CustomerRun["expected"];

  return { email, scenario, events: list.map((body, i) => ({ webhookId: `msg_${runId}_${index}_${i}`, body })), expected };
}
