import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Payment } from "@/models/Payment";
import { Subscription } from "@/models/Subscription";
import { User } from "@/models/User";
import { clearCollections, setupTestDatabase } from "../helpers/db";
import { deliveriesOf } from "../helpers/deliveries";
import { useEmulatorEnv } from "../helpers/emulator-env";
import { admin, createCheckout, pay, startHarness, waitFor, type Harness } from "polar-emulator/testing";

// Each plan change a subscriber makes in the app, end to end: lib/plan-changes calls the real
// local Polar emulator's PATCH /v1/subscriptions/{id} through the SDK, Polar's webhooks come
// back through the app's webhook path, and FerretDB holds the facts.
const { uri } = setupTestDatabase(import.meta.url);
let h: Harness;
let deliverSince: ReturnType<typeof deliveriesOf>["deliverSince"];
let andDeliver: ReturnType<typeof deliveriesOf>["andDeliver"];
const ids = new Map<string, string>();
const product = (name: string) => ids.get(name) ?? "";

beforeAll(async () => {
  h = await startHarness();
  useEmulatorEnv(h, uri, "plan-change-test");
  ({ deliverSince, andDeliver } = deliveriesOf(h));
  for (const p of (await h.polar.products.list({ limit: 100 })).result.items) ids.set(p.name, p.id);
});
afterAll(async () => h?.stop());
beforeEach(async () => {
  await clearCollections();
  const { syncProducts } = await import("@/lib/billing/product-sync");
  await syncProducts();
});

async function subscribe(email: string, name: string): Promise<string> {
  await andDeliver("subscription.active", async () => pay((await createCheckout(h.polar, email, product(name))).url));
  const sub = await Subscription.findOne({ customerEmail: email }).lean();
  if (!sub) throw new Error("no subscription recorded");
  return sub.polarSubscriptionId;
}

const user = (email: string) => User.findOne({ email }).lean();
const held = (id: string) => Subscription.findOne({ polarSubscriptionId: id }).lean();
const atPolar = (id: string) => h.polar.subscriptions.get({ id });
const renew = (id: string) => admin(h.emulator.url, `/admin/subscriptions/${id}/renew`, {});
const lib = async () => ({ ...(await import("@/lib/plan-changes/switch")), ...(await import("@/lib/plan-changes/manage")), ...(await import("@/lib/checkout/begin")) });

describe("switching plan through subscriptions.update", () => {
  it("upgrade now: Business at once, one subscription, a prorated charge in the history equal to the preview", { timeout: 30_000 }, async () => {
    const email = "up@example.com";
    const id = await subscribe(email, "Pro Monthly");
    const { prorationPreview } = await import("@/lib/plan-changes/rules");
    const before = await held(id);
    const expected = prorationPreview(
      { amount: 1299, interval: "month", periodStart: before!.currentPeriodStart!, periodEnd: before!.currentPeriodEnd! },
      { amount: 4900, interval: "month" },
      new Date(),
    ).total;

    const { switchPlan } = await lib();
    expect(await andDeliver("order.paid", () => switchPlan(email, product("Business Monthly")))).toEqual({ ok: true, done: "switched" });
    expect(await held(id)).toMatchObject({ productId: product("Business Monthly"), status: "active", pendingProductId: null });
    expect(await user(email)).toMatchObject({ subscriptionStatus: "business", planRank: 2 });
    expect((await atPolar(id)).productId).toBe(product("Business Monthly"));
    expect((await h.polar.subscriptions.list({ externalCustomerId: email })).result.items).toHaveLength(1);

    const change = await Payment.findOne({ customerEmail: email, billingReason: "subscription_update" }).lean();
    expect(change).toMatchObject({ status: "completed", productId: product("Business Monthly") });
    // Polar prorates at the second it applies the change: a few seconds after the preview.
    expect(Math.abs(change!.amount! - expected)).toBeLessThanOrEqual(2);
    const { listPayments } = await import("@/lib/account/payments");
    expect((await listPayments(email)).map((p) => p.reason).sort()).toEqual(["plan-change", "purchase"]);
  });

  it("a double click (two concurrent switches) makes one change and one charge", { timeout: 30_000 }, async () => {
    const email = "double@example.com";
    const id = await subscribe(email, "Pro Monthly");
    const { switchPlan } = await lib();
    const from = h.receiver.received.length;
    const results = await Promise.all([switchPlan(email, product("Business Monthly")), switchPlan(email, product("Business Monthly"))]);
    expect(results).toEqual([{ ok: true, done: "switched" }, { ok: true, done: "switched" }]);
    await waitFor("order.paid", () => h.receiver.received.slice(from).some((r) => r.type === "order.paid"));
    await deliverSince(from);
    expect(h.receiver.received.slice(from).filter((r) => r.type === "order.created")).toHaveLength(1);
    expect(await Payment.countDocuments({ customerEmail: email, billingReason: "subscription_update" })).toBe(1);
    expect((await held(id))?.productId).toBe(product("Business Monthly"));
  });

  it("downgrade at renewal: scheduled (pending_update), the plan kept until Polar applies it with the renewal", { timeout: 30_000 }, async () => {
    const email = "down@example.com";
    const id = await subscribe(email, "Business Monthly");
    const { switchPlan } = await lib();
    expect(await andDeliver("subscription.updated", () => switchPlan(email, product("Pro Monthly")))).toEqual({ ok: true, done: "scheduled" });
    const scheduled = await held(id);
    expect(scheduled).toMatchObject({ productId: product("Business Monthly"), pendingProductId: product("Pro Monthly") });
    expect(scheduled!.pendingAppliesAt).toEqual(scheduled!.currentPeriodEnd);
    expect(await user(email)).toMatchObject({ subscriptionStatus: "business" });
    expect(await Payment.countDocuments({ customerEmail: email })).toBe(1); // nothing charged now

    await andDeliver("order.paid", () => renew(id));
    expect(await held(id)).toMatchObject({ productId: product("Pro Monthly"), pendingProductId: null });
    expect(await user(email)).toMatchObject({ subscriptionStatus: "pro", planRank: 1 });
    expect(await Payment.findOne({ customerEmail: email, billingReason: "subscription_cycle" }).lean()).toMatchObject({ amount: 1299, status: "completed" });
  });

  it("a scheduled switch can be taken back: Polar drops the pending update and the renewal keeps the plan", { timeout: 30_000 }, async () => {
    const email = "keep@example.com";
    const id = await subscribe(email, "Business Monthly");
    const { switchPlan, cancelScheduledSwitch } = await lib();
    await andDeliver("subscription.updated", () => switchPlan(email, product("Pro Monthly")));
    expect(await andDeliver("subscription.updated", () => cancelScheduledSwitch(email))).toEqual({ ok: true, done: "kept" });
    expect((await held(id))?.pendingProductId).toBeNull();
    await andDeliver("order.paid", () => renew(id));
    expect(await held(id)).toMatchObject({ productId: product("Business Monthly") });
    expect(await user(email)).toMatchObject({ subscriptionStatus: "business" });
  });

  it("monthly -> yearly is an upgrade now: the period restarts for a year and the year is charged less the unused month", { timeout: 30_000 }, async () => {
    const email = "yearly@example.com";
    const id = await subscribe(email, "Pro Monthly");
    const { switchPlan } = await lib();
    expect(await andDeliver("order.paid", () => switchPlan(email, product("Pro Yearly")))).toEqual({ ok: true, done: "switched" });
    const sub = await held(id);
    expect(sub).toMatchObject({ productId: product("Pro Yearly"), recurringInterval: "year" });
    expect(sub!.currentPeriodEnd!.getTime() - sub!.currentPeriodStart!.getTime()).toBeGreaterThan(360 * 86_400_000);
    const change = await Payment.findOne({ customerEmail: email, billingReason: "subscription_update" }).lean();
    expect(change!.amount).toBeGreaterThanOrEqual(12990 - 1299);
    expect(change!.amount).toBeLessThanOrEqual(12990);
    expect(await user(email)).toMatchObject({ subscriptionStatus: "pro" });
  });
});

describe("reconciled against Polar's customer state", () => {
  it("a switch and a scheduled pause made at Polar whose webhooks never arrived: the reconciler brings both", { timeout: 30_000 }, async () => {
    const email = "lost-change@example.com";
    const id = await subscribe(email, "Pro Monthly");
    // Changed at Polar (the portal, another instance); none of its events reach the app.
    await h.polar.subscriptions.update({ id, subscriptionUpdate: { productId: product("Business Monthly"), prorationBehavior: "invoice" } });
    const { reconcileUsers } = await import("@/lib/billing/reconcile");
    expect(await reconcileUsers({ limit: 10, deadline: Date.now() + 10_000 })).toMatchObject({ checked: 1, repaired: 1, errors: 0 });
    expect(await held(id)).toMatchObject({ productId: product("Business Monthly") });
    expect(await user(email)).toMatchObject({ subscriptionStatus: "business" });

    // A pause the customer state does not show: found by the state's newer modified_at.
    await h.polar.subscriptions.update({ id, subscriptionUpdate: { pauseAtPeriodEnd: true } });
    expect(await reconcileUsers({ limit: 10, deadline: Date.now() + 10_000 })).toMatchObject({ checked: 1, errors: 0 });
    expect(await held(id)).toMatchObject({ pauseAtPeriodEnd: true });
  });
});

describe("cancel, uncancel, pause, resume from the account page", () => {
  it("cancel with Polar's reason keeps the plan to the period end; uncancel renews again", { timeout: 30_000 }, async () => {
    const email = "cancel@example.com";
    const id = await subscribe(email, "Pro Monthly");
    const { manageSubscription } = await lib();
    expect(await andDeliver("subscription.canceled", () => manageSubscription(email, { action: "cancel", reason: "too_expensive", comment: "next year" }))).toEqual({ ok: true, done: "canceled" });
    const canceled = await held(id);
    expect(canceled).toMatchObject({ cancelAtPeriodEnd: true, status: "active" });
    expect(await atPolar(id)).toMatchObject({ customerCancellationReason: "too_expensive", customerCancellationComment: "next year" });
    expect(await user(email)).toMatchObject({ subscriptionStatus: "pro", planUntil: canceled!.currentPeriodEnd });

    expect(await andDeliver("subscription.uncanceled", () => manageSubscription(email, { action: "uncancel" }))).toEqual({ ok: true, done: "uncanceled" });
    expect((await held(id))?.cancelAtPeriodEnd).toBe(false);
    // A canceled subscription's plan cannot change (uncancel first): said before Polar is asked.
    await manageSubscription(email, { action: "cancel" });
    const { switchPlan } = await lib();
    expect(await switchPlan(email, product("Business Monthly"))).toEqual({ ok: false, message: "Your subscription is set to end. Keep it on your account page first, then switch." });
  });

  it("pause at the period end keeps the plan until then; the renewal pauses it (Free, no order); resume charges a new period (Pro)", { timeout: 30_000 }, async () => {
    const email = "pause@example.com";
    const id = await subscribe(email, "Pro Monthly");
    const { manageSubscription } = await lib();
    expect(await andDeliver("subscription.updated", () => manageSubscription(email, { action: "pause" }))).toEqual({ ok: true, done: "paused" });
    const set = await held(id);
    expect(set).toMatchObject({ status: "active", pauseAtPeriodEnd: true });
    expect(await user(email)).toMatchObject({ subscriptionStatus: "pro", planUntil: set!.currentPeriodEnd });

    const paymentsBefore = await Payment.countDocuments({ customerEmail: email });
    await andDeliver("subscription.paused", () => renew(id));
    expect(await held(id)).toMatchObject({ status: "paused", pausedAt: expect.any(Date) });
    expect(await user(email)).toMatchObject({ subscriptionStatus: "free" });
    expect(await Payment.countDocuments({ customerEmail: email })).toBe(paymentsBefore);

    expect(await andDeliver("order.paid", () => manageSubscription(email, { action: "resume" }))).toEqual({ ok: true, done: "resumed" });
    expect(await held(id)).toMatchObject({ status: "active", pausedAt: null });
    expect(await user(email)).toMatchObject({ subscriptionStatus: "pro" });
    expect(await Payment.countDocuments({ customerEmail: email })).toBe(paymentsBefore + 1);
  });
});

describe("refusals", () => {
  it("a declined card on an upgrade: a clear message, and nothing changes here or at Polar", { timeout: 30_000 }, async () => {
    const email = "declined@example.com";
    const id = await subscribe(email, "Pro Monthly");
    const customerId = (await atPolar(id)).customerId;
    expect((await admin(h.emulator.url, `/admin/customers/${customerId}/decline-next-charge`, {})).ok).toBe(true);
    const { switchPlan } = await lib();
    expect(await switchPlan(email, product("Business Monthly"))).toEqual({
      ok: false,
      message: "Your card was declined, so nothing changed. Update your card in Manage billing, then try again.",
    });
    expect((await atPolar(id)).productId).toBe(product("Pro Monthly"));
    expect(await held(id)).toMatchObject({ productId: product("Pro Monthly") });
    expect(await user(email)).toMatchObject({ subscriptionStatus: "pro" });
  });

  it("a product in another currency: Polar's refusal, worded, and nothing changes", { timeout: 30_000 }, async () => {
    const email = "currency@example.com";
    const id = await subscribe(email, "Pro Monthly");
    const res = await admin(h.emulator.url, "/admin/products", {
      name: "Business Monthly EUR",
      priceAmount: 4500,
      priceCurrency: "eur",
      recurringInterval: "month",
      metadata: { plan: "business", rank: 2 },
    });
    expect(res.ok).toBe(true);
    const eur = ((await res.json()) as { id: string }).id;
    const { syncProducts } = await import("@/lib/billing/product-sync");
    await syncProducts();
    const { switchPlan } = await lib();
    const result = await switchPlan(email, eur);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(/^Polar refused the change: .*currency.*\. Nothing changed\.$/i);
    expect((await atPolar(id)).productId).toBe(product("Pro Monthly"));
  });

  it("a subscriber never gets a second checkout for a recurring product, whatever the form said", { timeout: 30_000 }, async () => {
    const email = "second@example.com";
    await subscribe(email, "Pro Monthly");
    const { beginCheckout } = await lib();
    const refusal = { ok: false, message: "You already have a subscription. Switch plans with the Switch buttons instead of buying a second one." };
    // A tampered product id, and a double click (two submissions at once).
    expect(await beginCheckout(email, product("Business Monthly"))).toEqual(refusal);
    expect(await Promise.all([beginCheckout(email, product("Pro Yearly")), beginCheckout(email, product("Pro Yearly"))])).toEqual([refusal, refusal]);
    expect(await Payment.countDocuments({ customerEmail: email })).toBe(1);
    expect((await h.polar.subscriptions.list({ externalCustomerId: email })).result.items).toHaveLength(1);
  });

  it("a second instance that opened a checkout before the first purchase applied: Polar refuses the second subscription at payment", { timeout: 30_000 }, async () => {
    const email = "race@example.com";
    const stale = await createCheckout(h.polar, email, product("Business Monthly"));
    await subscribe(email, "Pro Monthly");
    const res = await pay(stale.url);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("You already have an active subscription.");
    expect((await h.polar.subscriptions.list({ externalCustomerId: email })).result.items).toHaveLength(1);
  });
});
