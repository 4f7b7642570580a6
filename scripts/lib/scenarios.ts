import type { PaymentStatus } from "../../models/Payment";
import type { Plan } from "../../models/User";
import {
  businessMonthlyProduct,
  checkoutWire,
  customerWire,
  event,
  memberWire,
  orderWire,
  proMonthlyProduct,
  proProduct,
  seatWire,
  subscriptionWire,
  teamMonthlyProduct,
  type MemberSpec,
  type PolarEventBody,
} from "./polar-payloads";

/**
 * One customer's full Polar event sequence, in Polar's order, and the documents it must leave
 * in MongoDB whatever order it is delivered in. Used by the load-and-chaos harness.
 */
export const SCENARIOS = ["purchase", "subscription", "refund", "revocation", "abandoned", "upgrade", "downgrade", "pause", "team", "team-revoked"] as const;
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
    /** A team's members and the plan each must end on (the buyer holds no seat here: nothing assigns one without Polar). */
    members?: Array<{ email: string; plan: Plan }>;
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
  const team = scenario === "team" || scenario === "team-revoked";
  const recurring = scenario === "subscription" || scenario === "revocation" || changes || team;
  // A downgrade starts on the higher tier.
  const product = team ? teamMonthlyProduct : scenario === "downgrade" ? businessMonthlyProduct : recurring ? proMonthlyProduct : proProduct;
  const members: MemberSpec[] = ["a", "b"].map((m) => ({ id: `mem_${runId}_${index}_${m}`, customerId: customer.id, email: `member-${runId}-${index}-${m}@example.com` }));
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 26, 10, minute));
  const list: PolarEventBody[] = [event("checkout.created", checkoutWire({ id: checkoutId, product, email }))];

  if (scenario === "abandoned") {
    list.push(event("checkout.expired", checkoutWire({ id: checkoutId, product, email, status: "expired" })));
  } else {
    const order = { id: orderId, checkoutId, product, customer, subscriptionId: recurring ? subscriptionId : null };
    const sub = { id: subscriptionId, product, customer, checkoutId, ...(team ? { seats: 3 } : {}) };
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
    if (team) {
      // Two members get a seat each (assigned with immediate_claim: Polar sends `claimed` before
      // `assigned`, both with the seat as it is then); the second is removed again.
      list.push(event("member.created", memberWire({ id: `mem_${runId}_${index}_owner`, customerId: customer.id, email, role: "owner" })));
      members.forEach((member, i) => {
        const seat = { id: `seat_${runId}_${index}_${i}`, subscriptionId, member, status: "claimed" as const, modifiedAt: at(6 + i) };
        list.push(event("member.created", memberWire(member)));
        list.push(event("customer_seat.claimed", seatWire(seat)));
        list.push(event("customer_seat.assigned", seatWire(seat)));
      });
      list.push(event("customer_seat.revoked", seatWire({ id: `seat_${runId}_${index}_1`, subscriptionId, member: members[1]!, status: "revoked", modifiedAt: at(8) })));
    }
    if (scenario === "team-revoked") {
      list.push(event("subscription.updated", subscriptionWire({ ...sub, status: "canceled", endedAt: at(9), modifiedAt: at(9) })));
      list.push(event("subscription.revoked", subscriptionWire({ ...sub, status: "canceled", endedAt: at(9), modifiedAt: at(9) })));
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
    // The buyer holds no seat, so no plan; the kept member has the team's, the removed one none.
    team: {
      plan: "free",
      paymentStatus: "completed",
      payments: 1,
      polarCustomerId: customer.id,
      subscriptionStatus: "active",
      members: [{ email: members[0]!.email, plan: "team" }, { email: members[1]!.email, plan: "free" }],
    },
    // The subscription revoked: every member loses the plan.
    "team-revoked": {
      plan: "free",
      paymentStatus: "completed",
      payments: 1,
      polarCustomerId: customer.id,
      subscriptionStatus: "canceled",
      members: members.map((m) => ({ email: m.email, plan: "free" })),
    },
  }[scenario] as CustomerRun["expected"];

  return { email, scenario, events: list.map((body, i) => ({ webhookId: `msg_${runId}_${index}_${i}`, body })), expected };
}
