import { NextRequest } from "next/server";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { Payment } from "@/models/Payment";
import { Subscription } from "@/models/Subscription";
import { User } from "@/models/User";
import { WebhookEvent } from "@/models/WebhookEvent";
import { DriftRepair } from "@/models/DriftRepair";
import { clearCollections, setupTestDatabase } from "../helpers/db";
import { TEST_CRON_SECRET, useEmulatorEnv } from "../helpers/emulator-env";
import { createCheckout, pay, PRO_ID, PRO_MONTHLY_ID, startHarness, waitFor, type Harness } from "polar-emulator/testing";
import { event, proMonthlyProduct, subscriptionWire } from "../../scripts/lib/polar-payloads";
import { post } from "../helpers/webhooks";

// The cron route and the reconciler against the real local Polar emulator and FerretDB.
const { uri } = setupTestDatabase(import.meta.url);
const CRON_SECRET = TEST_CRON_SECRET;
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  useEmulatorEnv(h, uri, "cron-test");
});
afterAll(async () => h?.stop());
beforeEach(clearCollections);

async function cron(authorization?: string): Promise<Response> {
  const { GET } = await import("@/app/api/cron/billing/route");
  return GET(new NextRequest("http://localhost:3999/api/cron/billing", { headers: authorization ? { authorization } : {} }));
}

/** Delivers what the emulator sent from `from` on to the app's receiver, in order. */
async function deliverReceived(from: number, except: (type: string) => boolean = () => false): Promise<void> {
  const { receiveWebhook } = await import("@/lib/webhooks/receive");
  for (const r of h.receiver.received.slice(from)) {
    if (except(r.type)) continue;
    const res = await receiveWebhook(r.body, r.headers, process.env.POLAR_WEBHOOK_SECRET!);
    await res.afterAnswer?.();
  }
}

/** Buys `productId` for `email` at the emulator and delivers its events (all but `except`) to the app. */
async function buy(email: string, productId: string, lastEvent: string, except?: (type: string) => boolean): Promise<void> {
  const from = h.receiver.received.length;
  await pay((await createCheckout(h.polar, email, productId)).url);
  await waitFor(lastEvent, () => h.receiver.received.slice(from).some((r) => r.type === lastEvent));
  await deliverReceived(from, except);
}

/** An action in Polar's customer portal (refund, revoke): its webhooks never reach the app. */
async function inPortal(email: string, path: string): Promise<void> {
  const { customerPortalUrl } = await h.polar.customerSessions.create({ externalCustomerId: email });
  const token = new URL(customerPortalUrl).searchParams.get("customer_session_token") ?? "";
  const res = await fetch(`${h.emulator.url}${path}`, { method: "POST", body: new URLSearchParams({ customer_session_token: token }), redirect: "manual" });
  expect(res.status).toBe(303);
}

describe("GET /api/cron/billing: Vercel Cron's bearer secret", () => {
  it.each([
    ["no Authorization header", undefined],
    ["a wrong secret", "Bearer not-the-secret-at-all"],
    ["the secret without Bearer", CRON_SECRET],
    ["a prefix of the secret", `Bearer ${CRON_SECRET.slice(0, -1)}`],
  ])("%s: 401 and nothing runs", async (_, authorization) => {
    await WebhookEvent.collection.insertOne({ _id: "wh_due", type: "checkout.created", status: "received", payload: "{}", receivedAt: new Date(), attempts: 0, nextAttemptAt: new Date(0) } as never);
    const res = await cron(authorization);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ ok: false, error: "unauthorized" });
    expect(await WebhookEvent.findById("wh_due").lean()).toMatchObject({ attempts: 0 });
  });

  it("with the secret: runs the sweep, the plans, the reconciler and retention, and reports each", async () => {
    const res = await cron(`Bearer ${CRON_SECRET}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      ok: true,
      swept: { applied: 0, failed: 0 },
      plansRecomputed: 0,
      reconciled: { checked: 0, repaired: 0, errors: 0 },
      eventsDeleted: 0,
    });
  });
});

describe("the reconciler, against Polar's customer state", () => {
  it("reaches everyone: a flagged Free user who paid (events lost) is repaired in the first run beside 200 paid users, who are all visited within 5 runs", { timeout: 60_000 }, async () => {
    const long = new Date(Date.UTC(2020, 0, 1));
    const paid = Array.from({ length: 200 }, (_, i) => `paid-${i}@example.com`);
    // Paid by one-time purchases (no Polar order to ask about), checked long ago, not recently active.
    const payments = await Payment.insertMany(paid.map((email, i) => ({ checkoutId: `co_paid_${i}`, customerEmail: email, status: "completed", plan: "pro", productId: PRO_ID })));
    await User.insertMany(paid.map((email, i) => ({ email, subscriptionStatus: "pro", planRank: 1, reconciledAt: long, payments: [payments[i]!._id] })));

    // A Free user whose subscription's events were all lost; only Polar's state change arrives.
    const email = "lost-everything@example.com";
    await buy(email, PRO_MONTHLY_ID, "customer.state_changed", (type) => type.startsWith("subscription.") || type.startsWith("order.") || type.startsWith("checkout."));
    await User.updateOne({ email }, { $set: { factsChangedAt: long, reconciledAt: long } });
    const flagged = await User.findOne({ email }).lean();
    expect(flagged).toMatchObject({ subscriptionStatus: "free", reconcileRequestedAt: expect.any(Date) });

    expect(await (await cron(`Bearer ${CRON_SECRET}`)).json()).toMatchObject({ reconciled: { checked: 50, errors: 0 } });
    expect(await User.findOne({ email }).lean()).toMatchObject({ subscriptionStatus: "pro", reconcileRequestedAt: null });

    for (let run = 2; run <= 5; run++) await cron(`Bearer ${CRON_SECRET}`);
    expect(await User.countDocuments({ email: { $in: paid }, reconciledAt: long })).toBe(0);
    expect(await User.countDocuments({ email: { $in: paid }, subscriptionStatus: "pro" })).toBe(200);
  });

  it("a subscription Polar answers 404 for, of a customer Polar knows, is ended instead of failing that user's check on every run", { timeout: 30_000 }, async () => {
    const email = "ghost@example.com";
    // A customer at Polar (a one-time purchase), and a subscription of theirs Polar never had.
    await buy(email, PRO_ID, "order.paid");
    const ghost = "5e0c1f2a-0000-4000-8000-00000000dead";
    await post(event("subscription.active", subscriptionWire({ id: ghost, product: proMonthlyProduct, customer: { id: "cus_ghost", email }, status: "active", modifiedAt: new Date() })));
    expect(await (await cron(`Bearer ${CRON_SECRET}`)).json()).toMatchObject({ reconciled: { errors: 0 } });
    expect(await Subscription.findOne({ polarSubscriptionId: ghost }).lean()).toMatchObject({ status: "canceled", endedAt: expect.any(Date) });
  });

  it("a 404 for a customer Polar does not know either (another organization's token): nothing is ended, the check fails", { timeout: 30_000 }, async () => {
    const email = "unknown-at-polar@example.com";
    const id = "5e0c1f2a-0000-4000-8000-00000000beef";
    await post(event("subscription.active", subscriptionWire({ id, product: proMonthlyProduct, customer: { id: "cus_unknown", email }, status: "active", modifiedAt: new Date() })));
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      expect(await (await cron(`Bearer ${CRON_SECRET}`)).json()).toMatchObject({ reconciled: { errors: 1 } });
    } finally {
      warn.mockRestore();
    }
    const held = await Subscription.findOne({ polarSubscriptionId: id }).lean();
    expect(held?.status).toBe("active");
    expect(held?.endedAt ?? null).toBeNull();
    expect((await User.findOne({ email }).lean())?.subscriptionStatus).toBe("pro");
  });

  it("repairs a lost subscription.revoked: the user goes to Free and the repair is recorded", { timeout: 30_000 }, async () => {
    const email = "lost-revocation@example.com";
    await buy(email, PRO_MONTHLY_ID, "subscription.active");
    expect((await User.findOne({ email }).lean())?.subscriptionStatus).toBe("pro");

    // Revoked at Polar; its webhooks never reach the app.
    const [sub] = (await h.polar.subscriptions.list({ externalCustomerId: email })).result.items;
    await inPortal(email, `/portal/subscriptions/${sub!.id}/revoke`);
    expect((await h.polar.customers.getStateExternal({ externalId: email })).activeSubscriptions).toEqual([]);
    expect((await User.findOne({ email }).lean())?.subscriptionStatus).toBe("pro");

    const res = await cron(`Bearer ${CRON_SECRET}`);
    expect(await res.json()).toMatchObject({ reconciled: { checked: 1, repaired: 1, errors: 0 } });
    const user = await User.findOne({ email }).lean();
    expect(user?.subscriptionStatus).toBe("free");
    expect(await Subscription.findOne({ polarSubscriptionId: sub!.id }).lean()).toMatchObject({ status: "canceled", endedAt: expect.any(Date) });
    const repairs = await DriftRepair.find({ userId: user!._id }).lean();
    expect(repairs).toHaveLength(1);
    expect(repairs[0]).toMatchObject({ kind: "subscription", subject: sub!.id, planBefore: "pro", planAfter: "free" });
    expect(repairs[0]!.before).toMatch(/^active/);
    expect(repairs[0]!.after).toMatch(/^canceled/);

    // A second run finds nothing to repair.
    expect(await (await cron(`Bearer ${CRON_SECRET}`)).json()).toMatchObject({ reconciled: { repaired: 0, errors: 0 } });
  });

  it("repairs a lost order.refunded of a one-time purchase", { timeout: 30_000 }, async () => {
    const email = "lost-refund@example.com";
    await buy(email, PRO_ID, "order.paid");
    expect((await User.findOne({ email }).lean())?.subscriptionStatus).toBe("pro");

    const [order] = (await h.polar.orders.list({ externalCustomerId: email })).result.items;
    await inPortal(email, `/portal/orders/${order!.id}/refund`);

    expect(await (await cron(`Bearer ${CRON_SECRET}`)).json()).toMatchObject({ reconciled: { checked: 1, repaired: 1 } });
    expect((await User.findOne({ email }).lean())?.subscriptionStatus).toBe("free");
  });

  it("repairs a lost subscription.active: Polar lists it active, the app never heard of it", { timeout: 30_000 }, async () => {
    const email = "lost-activation@example.com";
    // Only the checkout's events arrive: the order and the subscription are lost.
    await buy(email, PRO_MONTHLY_ID, "subscription.active", (type) => type.startsWith("subscription.") || type.startsWith("order."));
    await User.updateOne({ email }, { $set: { factsChangedAt: new Date() } });
    expect((await User.findOne({ email }).lean())?.subscriptionStatus).toBe("free");

    expect(await (await cron(`Bearer ${CRON_SECRET}`)).json()).toMatchObject({ reconciled: { checked: 1, repaired: 1, errors: 0 } });
    expect((await User.findOne({ email }).lean())?.subscriptionStatus).toBe("pro");
  });
});

describe("plans that end with time", () => {
  it("a canceled subscription's period ends with no event: Free on read at once, and the cron updates the stored plan", async () => {
    const email = "period-end@example.com";
    const customer = { id: "cus_pe", email };
    const end = new Date(Date.now() + 1_500);
    await post(event("subscription.canceled", subscriptionWire({ id: "sub_pe", product: proMonthlyProduct, customer, status: "active", cancelAtPeriodEnd: true, currentPeriodEnd: end, modifiedAt: new Date() })));
    const { findUserByEmail } = await import("@/lib/users");
    expect(await findUserByEmail(email)).toMatchObject({ subscriptionStatus: "pro", planUntil: end });

    await new Promise((r) => setTimeout(r, end.getTime() - Date.now() + 50));
    // Nothing arrived and no job ran: the read alone says Free.
    expect(await findUserByEmail(email)).toMatchObject({ subscriptionStatus: "free", planUntil: null });
    expect((await User.findOne({ email }).lean())?.subscriptionStatus).toBe("pro");

    const { recomputeDuePlans } = await import("@/lib/billing/reconcile");
    expect(await recomputeDuePlans({ limit: 10, deadline: Date.now() + 10_000 })).toBe(1);
    expect(await User.findOne({ email }).lean()).toMatchObject({ subscriptionStatus: "free", planUntil: null });
  });
});
