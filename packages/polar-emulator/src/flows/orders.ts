import { refundable } from "../balance";
import { periodAmount } from "../seat-pricing";
import { isoNow, newId, type CheckoutRecord, type OrderRecord, type ProductRecord, type RefundRecord, type SubscriptionRecord } from "../store";
import { touch, type FlowContext } from "./emit";

/**
 * Orders: making one (every order goes through `create`), the checkout's paid order, an order
 * paid, and refunds. What a subscription's orders bill is decided by renewals.ts and
 * subscription-changes.ts.
 */

/** What an order's lines come to. */
export const linesTotal = (lines: readonly { amount: number }[]): number => lines.reduce((a, l) => a + l.amount, 0);

type OrderFields = Omit<
  OrderRecord,
  "id" | "refundedAmount" | "invoiceNumber" | "itemId" | "failedPayments" | "nextPaymentAttemptAt" | "createdAt" | "modifiedAt" | "items" | "appliedBalanceAmount" | "seats"
> &
  Partial<Pick<OrderRecord, "items" | "appliedBalanceAmount" | "createdAt" | "seats">>;

export class Orders {
  constructor(private readonly fx: FlowContext) {}

  /**
   * A new order, stored, with its own ids and invoice number and nothing refunded or retried yet;
   * one line for the product's price and no balance applied unless `items` and
   * `appliedBalanceAmount` say otherwise.
   */
  create(fields: OrderFields): OrderRecord {
    const order: OrderRecord = {
      items: null,
      appliedBalanceAmount: 0,
      seats: null,
      ...fields,
      id: newId(),
      refundedAmount: 0,
      invoiceNumber: this.fx.store.nextInvoiceNumber(),
      itemId: newId(),
      failedPayments: 0,
      nextPaymentAttemptAt: null,
      createdAt: fields.createdAt ?? isoNow(),
      modifiedAt: null,
    };
    this.fx.store.orders.set(order.id, order);
    return order;
  }

  /** The order is paid: `order.updated`, then `order.paid`. */
  paid(order: OrderRecord): void {
    order.status = "paid";
    this.fx.emit.order("order.updated", touch(order));
    this.fx.emit.order("order.paid", touch(order));
  }

  /**
   * The checkout's order, created paid: Polar still sends all three events, in this order. A
   * seat-based product's order carries the seats bought and costs them (line "Team (5 seats)").
   */
  forCheckout(checkout: CheckoutRecord, customerId: string, product: ProductRecord, subscription: SubscriptionRecord | null): OrderRecord {
    const trialPeriod = subscription?.trialStart && subscription.trialEnd ? { start: subscription.trialStart, end: subscription.trialEnd } : null;
    const order = this.create({
      status: "paid",
      customerId,
      productId: product.id,
      checkoutId: checkout.id,
      subscriptionId: subscription?.id ?? null,
      billingReason: subscription ? "subscription_create" : "purchase",
      amount: trialPeriod ? 0 : periodAmount(product, checkout.seats),
      currency: product.priceCurrency,
      trialPeriod,
      metadata: { ...checkout.metadata },
      seats: product.seatTiers ? checkout.seats : null,
    });
    checkout.orderId = order.id;
    this.fx.emit.order("order.created", order);
    this.paid(order);
    return order;
  }

  /** A full refund of what is left: refund.created, order.updated (status refunded), order.refunded. */
  refund(order: OrderRecord): boolean {
    return this.refundPart(order, refundable(order));
  }

  /**
   * A partial refund (half of what is left by default): refund.created, then the order with
   * `refunded_amount` and status `partially_refunded` (`refunded` once nothing is left) in
   * `order.updated` and `order.refunded`, which Polar sends for partial refunds too.
   */
  refundPart(order: OrderRecord, amount?: number): boolean {
    if (order.status !== "paid" && order.status !== "partially_refunded") return false;
    const left = refundable(order);
    const value = Math.min(left, amount ?? Math.max(1, Math.floor(left / 2)));
    if (value <= 0) return false;
    const refund: RefundRecord = {
      id: newId(),
      status: "succeeded",
      reason: "customer_request",
      orderId: order.id,
      subscriptionId: order.subscriptionId,
      customerId: order.customerId,
      amount: value,
      currency: order.currency,
      metadata: {},
      createdAt: isoNow(),
      modifiedAt: null,
    };
    this.fx.store.refunds.set(refund.id, refund);
    this.fx.emit.refund(refund);
    order.refundedAmount += value;
    order.status = refundable(order) <= 0 ? "refunded" : "partially_refunded";
    touch(order);
    this.fx.emit.order("order.updated", order);
    this.fx.emit.order("order.refunded", order);
    this.fx.changed();
    return true;
  }
}
