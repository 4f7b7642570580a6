import { beforeEach, describe, expect, it } from "vitest";
import { Payment } from "@/models/Payment";
import { Product } from "@/models/Product";
import { Subscription } from "@/models/Subscription";
import { User } from "@/models/User";
import { WebhookEvent } from "@/models/WebhookEvent";
import { clearCollections, setupTestDatabase } from "../helpers/db";
import {
  checkoutWire,
  customerWire,
  event,
  orderWire,
  productWire,
  proMonthlyProduct,
  proProduct,
  subscriptionWire,
  type SubscriptionSpec,
} from "../../scripts/lib/polar-payloads";
import { post } from "../helpers/webhooks";

setupTestDatabase(import.meta.url);

const bob = { id: "cus_bob", email: "bob@example.com" };
const user = () => User.findOne({ email: "bob@example.com" }).lean();
const payment = (checkoutId: string) => Payment.findOne({ checkoutId }).lean();

describe("each event of the table on its own", () => {
  beforeEach(clearCollections);

  it("checkout.created: the user and a pending payment, linked", async () => {
    await post(event("checkout.created", checkoutWire({ id: "co_1", product: proProduct, email: "Bob@Example.com" })));
    const p = await payment("co_1");
    expect(p).toMatchObject({ customerEmail: "bob@example.com", status: "pending", amount: 999, currency: "USD", productId: proProduct.id });
    expect((await user())?.payments.map(String)).toEqual([String(p?._id)]);
    expect((await user())?.subscriptionStatus).toBe("free");
  });

  it("checkout.created without externalCustomerId falls back to the customer email", async () => {
    await post(event("checkout.created", checkoutWire({ id: "co_2", product: proProduct, email: "bob@example.com", externalCustomerId: null })));
    expect((await payment("co_2"))?.customerEmail).toBe("bob@example.com");
  });

  it("checkout.created with no email at all is stored and skipped", async () => {
    const res = await post(event("checkout.created", checkoutWire({ id: "co_3", product: proProduct, email: null, externalCustomerId: null })), "wh_anon");
    // A mapped type is accepted when stored; applying it finds no one to attach it to.
    expect(res).toMatchObject({ status: 200, body: { outcome: "accepted" } });
    expect(await Payment.countDocuments()).toBe(0);
    expect((await WebhookEvent.findOne({ _id: "wh_anon" }).lean())?.status).toBe("skipped");
  });

  it.each([
    ["failed", "failed"],
    ["expired", "expired"],
    ["succeeded", "pending"],
    ["confirmed", "pending"],
  ] as const)("checkout.updated (%s) moves the payment to %s", async (status, expected) => {
    await post(event("checkout.created", checkoutWire({ id: "co_u", product: proProduct, email: "bob@example.com" })));
    await post(event("checkout.updated", checkoutWire({ id: "co_u", product: proProduct, email: "bob@example.com", status })));
    expect((await payment("co_u"))?.status).toBe(expected);
  });

  it("checkout.expired expires a pending payment but never a completed one", async () => {
    await post(event("checkout.expired", checkoutWire({ id: "co_e", product: proProduct, email: "bob@example.com", status: "expired" })));
    expect((await payment("co_e"))?.status).toBe("expired");
    await post(event("order.paid", orderWire({ id: "or_e", checkoutId: "co_e2", product: proProduct, customer: bob })));
    await post(event("checkout.expired", checkoutWire({ id: "co_e2", product: proProduct, email: "bob@example.com", status: "expired" })));
    expect((await payment("co_e2"))?.status).toBe("completed");
  });

  it("customer.created and customer.updated link polarCustomerId, creating the user if missing", async () => {
    await post(event("customer.created", customerWire({ id: "cus_new", email: "bob@example.com" })));
    expect(await user()).toMatchObject({ polarCustomerId: "cus_new", subscriptionStatus: "free", name: null });
    await post(event("customer.updated", customerWire({ id: "cus_new", email: "bob@example.com", name: "Bob" })));
    expect((await user())?.polarCustomerId).toBe("cus_new");
  });

  it("customer.deleted unlinks the customer id", async () => {
    await post(event("customer.created", customerWire({ id: "cus_del", email: "bob@example.com" })));
    await post(event("customer.deleted", customerWire({ id: "cus_del", email: "bob@example.com" })));
    expect((await user())?.polarCustomerId).toBeNull();
  });

  it("order.created pending grants nothing; order.paid completes and upgrades", async () => {
    await post(event("order.created", orderWire({ id: "or_1", checkoutId: "co_o", product: proProduct, customer: bob, status: "pending" })));
    expect(await payment("co_o")).toMatchObject({ status: "pending", metadata: { order_id: "or_1" } });
    expect((await user())?.subscriptionStatus).toBe("free");
    await post(event("order.paid", orderWire({ id: "or_1", checkoutId: "co_o", product: proProduct, customer: bob, status: "paid" })));
    expect((await payment("co_o"))?.status).toBe("completed");
    expect(await user()).toMatchObject({ subscriptionStatus: "pro", polarCustomerId: "cus_bob" });
  });

  it("order.paid upserts the product from the order, with its plan", async () => {
    await post(event("order.paid", orderWire({ id: "or_p", checkoutId: "co_p", product: proProduct, customer: bob })));
    expect(await Product.findOne({ polarProductId: proProduct.id }).lean()).toMatchObject({ name: "Pro", plan: "pro", recurringInterval: null });
  });

  it("a product without the plan metadata grants nothing", async () => {
    const sticker = { id: "0f0e0d0c-0b0a-4009-8807-060504030201", name: "Sticker", amount: 300, plan: null };
    await post(event("order.paid", orderWire({ id: "or_s", checkoutId: "co_s", product: sticker, customer: bob })));
    expect((await payment("co_s"))?.status).toBe("completed");
    expect((await user())?.subscriptionStatus).toBe("free");
  });

  it("order.refunded refunds the payment and returns the user to Free; a late order.paid does not undo it", async () => {
    const order = { id: "or_r", checkoutId: "co_r", product: proProduct, customer: bob };
    await post(event("order.paid", orderWire(order)));
    expect((await user())?.subscriptionStatus).toBe("pro");
    await post(event("order.refunded", orderWire({ ...order, status: "refunded" })));
    expect((await payment("co_r"))?.status).toBe("refunded");
    expect((await user())?.subscriptionStatus).toBe("free");
    await post(event("order.paid", orderWire(order)), "wh_late_paid");
    expect((await payment("co_r"))?.status).toBe("refunded");
    expect((await user())?.subscriptionStatus).toBe("free");
  });

  it("a renewal order without a checkout gets its own payment, keyed by the order", async () => {
    await post(event("order.paid", orderWire({ id: "or_renew", checkoutId: null, product: proMonthlyProduct, customer: bob, subscriptionId: "sub_1", billingReason: "subscription_cycle" })));
    expect(await payment("order:or_renew")).toMatchObject({ status: "completed", metadata: { order_id: "or_renew" }, amount: 1299 });
  });

  it("product.created and product.updated upsert the product; an older update changes nothing", async () => {
    await post(event("product.created", productWire({ ...proProduct, modifiedAt: new Date("2026-02-01T00:00:00Z") })));
    await post(event("product.updated", productWire({ ...proProduct, name: "Pro (2026)", modifiedAt: new Date("2026-03-01T00:00:00Z") })));
    await post(event("product.updated", productWire({ ...proProduct, name: "Pro (old)", modifiedAt: new Date("2026-02-15T00:00:00Z") })));
    expect(await Product.findOne({ polarProductId: proProduct.id }).lean()).toMatchObject({ name: "Pro (2026)", plan: "pro", priceAmount: 999, priceCurrency: "USD" });
  });

  it("an event type it does not map is stored and answered 2xx", async () => {
    const res = await post(event("benefit.created", { id: "x" }), "wh_unknown");
    expect(res.status).toBe(202);
    expect(await WebhookEvent.findOne({ _id: "wh_unknown" }).lean()).toMatchObject({ type: "benefit.created", status: "skipped" });
  });
});

describe("subscriptions", () => {
  beforeEach(clearCollections);
  const t = (minutes: number) => new Date(Date.UTC(2026, 10, 26, 10, minutes));
  const sub = (s: Partial<SubscriptionSpec>): SubscriptionSpec => ({ id: "sub_1", product: proMonthlyProduct, customer: bob, status: "active", modifiedAt: t(0), ...s });

  it("created (incomplete) grants nothing; active grants Pro", async () => {
    await post(event("subscription.created", subscriptionWire(sub({ status: "incomplete", modifiedAt: t(1) }))));
    expect((await user())?.subscriptionStatus).toBe("free");
    await post(event("subscription.active", subscriptionWire(sub({ status: "active", modifiedAt: t(2) }))));
    expect((await user())?.subscriptionStatus).toBe("pro");
    expect(await Subscription.findOne({ polarSubscriptionId: "sub_1" }).lean()).toMatchObject({ status: "active", customerEmail: "bob@example.com" });
  });

  it("the first subscription order does not grant Pro on its own once the subscription is revoked", async () => {
    await post(event("order.paid", orderWire({ id: "or_first", checkoutId: "co_sub", product: proMonthlyProduct, customer: bob, subscriptionId: "sub_1" })));
    await post(event("subscription.active", subscriptionWire(sub({ modifiedAt: t(2) }))));
    expect((await user())?.subscriptionStatus).toBe("pro");
    await post(event("subscription.revoked", subscriptionWire(sub({ status: "canceled", endedAt: t(5), modifiedAt: t(5) }))));
    expect((await user())?.subscriptionStatus).toBe("free");
  });

  it("canceled keeps Pro to the period end; uncanceled keeps it; revoked ends it", async () => {
    await post(event("subscription.active", subscriptionWire(sub({ modifiedAt: t(2) }))));
    await post(event("subscription.canceled", subscriptionWire(sub({ cancelAtPeriodEnd: true, modifiedAt: t(3) }))));
    expect((await user())?.subscriptionStatus).toBe("pro");
    await post(event("subscription.uncanceled", subscriptionWire(sub({ cancelAtPeriodEnd: false, modifiedAt: t(4) }))));
    expect((await Subscription.findOne({ polarSubscriptionId: "sub_1" }).lean())?.cancelAtPeriodEnd).toBe(false);
    await post(event("subscription.revoked", subscriptionWire(sub({ status: "canceled", endedAt: t(5), modifiedAt: t(5) }))));
    expect((await user())?.subscriptionStatus).toBe("free");
  });

  it("past_due ends Pro at once by default (Polar's default), and keeps it for BILLING_GRACE_DAYS from the period start", async () => {
    const periodStart = new Date(Date.now() - 86_400_000);
    await post(event("subscription.past_due", subscriptionWire(sub({ status: "past_due", modifiedAt: t(6), currentPeriodStart: periodStart }))));
    expect((await user())?.subscriptionStatus).toBe("free");
    process.env.BILLING_GRACE_DAYS = "7";
    try {
      await post(event("subscription.updated", subscriptionWire(sub({ status: "past_due", modifiedAt: t(7), currentPeriodStart: periodStart }))));
      expect(await user()).toMatchObject({ subscriptionStatus: "pro", planUntil: new Date(periodStart.getTime() + 7 * 86_400_000) });
    } finally {
      delete process.env.BILLING_GRACE_DAYS;
    }
  });

  it("a late, older subscription.active after the revocation changes nothing", async () => {
    await post(event("subscription.revoked", subscriptionWire(sub({ status: "canceled", endedAt: t(5), modifiedAt: t(5) }))));
    await post(event("subscription.active", subscriptionWire(sub({ modifiedAt: t(2) }))));
    await post(event("subscription.updated", subscriptionWire(sub({ modifiedAt: t(3) }))));
    expect(await Subscription.findOne({ polarSubscriptionId: "sub_1" }).lean()).toMatchObject({ status: "canceled" });
    expect((await user())?.subscriptionStatus).toBe("free");
  });

  it("two events from one change (same modified_at) settle on the later status", async () => {
    await post(event("subscription.revoked", subscriptionWire(sub({ status: "canceled", endedAt: t(7), modifiedAt: t(7) }))));
    await post(event("subscription.updated", subscriptionWire(sub({ status: "active", modifiedAt: t(7) }))));
    expect((await Subscription.findOne({ polarSubscriptionId: "sub_1" }).lean())?.status).toBe("canceled");
  });
});

describe("what a payment grants is fixed when it completes; owners move with the facts", () => {
  beforeEach(clearCollections);
  const order = { id: "or_fix", checkoutId: "co_fix", product: proProduct, customer: bob };

  it("removing the plan from a product later does not take a past purchase away", async () => {
    await post(event("order.paid", orderWire(order)));
    expect((await user())?.subscriptionStatus).toBe("pro");
    await post(event("product.updated", productWire({ ...proProduct, plan: null, modifiedAt: new Date("2026-06-01T00:00:00Z") })));
    // Any later fact of Bob's recomputes his plan: the purchase still grants what it granted.
    await post(event("order.updated", orderWire(order)));
    expect((await Product.findOne({ polarProductId: proProduct.id }).lean())?.plan).toBeNull();
    expect(await payment("co_fix")).toMatchObject({ status: "completed", plan: "pro" });
    expect((await user())?.subscriptionStatus).toBe("pro");
  });

  it("adding a plan to a product later does not upgrade its past buyers", async () => {
    const cheap = { ...proProduct, plan: null };
    await post(event("order.paid", orderWire({ ...order, product: cheap })));
    expect((await user())?.subscriptionStatus).toBe("free");
    await post(event("product.updated", productWire({ ...proProduct, plan: "pro", modifiedAt: new Date("2026-06-01T00:00:00Z") })));
    await post(event("order.updated", orderWire({ ...order, product: cheap })));
    expect(await payment("co_fix")).toMatchObject({ status: "completed", plan: "none" });
    expect((await user())?.subscriptionStatus).toBe("free");
  });

  it("a subscription whose newer facts name another customer moves: the new owner gains the plan, the old one loses it", async () => {
    const t = (minutes: number) => new Date(Date.UTC(2026, 10, 26, 10, minutes));
    const robert = { id: "cus_bob", email: "robert@example.com", externalId: null };
    await post(event("subscription.active", subscriptionWire({ id: "sub_move", product: proMonthlyProduct, customer: { ...bob, externalId: null }, status: "active", modifiedAt: t(1) })));
    expect((await user())?.subscriptionStatus).toBe("pro");
    // The customer changed the email on their Polar account (no external id to pin it).
    await post(event("subscription.updated", subscriptionWire({ id: "sub_move", product: proMonthlyProduct, customer: robert, status: "active", modifiedAt: t(2) })));
    expect((await User.findOne({ email: "robert@example.com" }).lean())?.subscriptionStatus).toBe("pro");
    expect((await user())?.subscriptionStatus).toBe("free");
  });

  it("a payment whose order names another customer moves, and both plans are recomputed", async () => {
    await post(event("order.paid", orderWire({ ...order, customer: { ...bob, externalId: null } })));
    expect((await user())?.subscriptionStatus).toBe("pro");
    await post(event("order.updated", orderWire({ ...order, customer: { id: "cus_bob", email: "robert@example.com", externalId: null } })));
    expect((await payment("co_fix"))?.customerEmail).toBe("robert@example.com");
    expect((await User.findOne({ email: "robert@example.com" }).lean())?.subscriptionStatus).toBe("pro");
    expect((await user())?.subscriptionStatus).toBe("free");
  });
});
