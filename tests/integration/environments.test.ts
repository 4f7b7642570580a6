import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { Payment } from "@/models/Payment";
import { Subscription } from "@/models/Subscription";
import { User } from "@/models/User";
import { checkoutWire, customerWire, event, orderWire, proProduct } from "../../scripts/lib/polar-payloads";
import { customerRun } from "../../scripts/lib/scenarios";
import { clearCollections, setupTestDatabase } from "../helpers/db";
import { post, SECRET } from "../helpers/webhooks";

// Issue 22, item 3: Preview (Polar sandbox) and Production sharing one MONGODB_URI. Each phase
// runs the app's own code as one deployment or the other (POLAR_SERVER, read on each call by
// lib/billing), on one database; no Polar is running, and a counting fetch shows what production
// would have asked api.polar.sh.
const { uri } = setupTestDatabase(import.meta.url);
const before = { ...process.env };

function deployment(server: "sandbox" | "production"): void {
  delete process.env.POLAR_API_URL;
  process.env.POLAR_SERVER = server;
  process.env.VERCEL_ENV = server === "production" ? "production" : "preview";
}

beforeAll(() => {
  Object.assign(process.env, {
    MONGODB_URI: uri,
    POLAR_ACCESS_TOKEN: "polar_oat_environments_test",
    POLAR_WEBHOOK_SECRET: SECRET,
    APP_URL: "http://localhost:3999",
    NEXTAUTH_SECRET: "x".repeat(40),
    AUTH_LOCAL_OIDC_ISSUER: "http://127.0.0.1:9",
    AUTH_LOCAL_OIDC_ID: "environments-test",
    AUTH_LOCAL_OIDC_SECRET: "environments-test-oidc-secret-0123456789",
    CRON_SECRET: "cron-secret-0123456789",
  });
});
afterAll(() => {
  for (const k of Object.keys(process.env)) if (!(k in before)) delete process.env[k];
  Object.assign(process.env, before);
});
beforeEach(clearCollections);

/** Every request the app's Polar client sends (none should leave this machine: each fails). */
let polarCalls: string[] = [];
beforeEach(() => {
  polarCalls = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
    polarCalls.push(input instanceof Request ? input.url : String(input));
    throw new TypeError("fetch failed: no network in this test");
  });
  vi.spyOn(console, "warn").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

async function deliverRun(run: ReturnType<typeof customerRun>): Promise<void> {
  for (const e of run.events) await post(e.body, e.webhookId);
}

const reconcile = async () => (await import("@/lib/billing/reconcile")).reconcileUsers({ limit: 50, deadline: Date.now() + 20_000 });
const view = async (email: string) => (await import("@/lib/users")).findUserByEmail(email);

describe("a preview's sandbox payments in production's database", () => {
  it("grant nothing in production on any read path, stay stored and tagged, and production's reconciler never asks Polar about them", { timeout: 30_000 }, async () => {
    // The preview deployment: a one-time purchase (A) and a subscription (B), paid with the sandbox test card.
    deployment("sandbox");
    const purchase = customerRun(0, 71);
    const subscription = customerRun(1, 71);
    await deliverRun(purchase);
    await deliverRun(subscription);
    expect(await view(purchase.email)).toMatchObject({ subscriptionStatus: "pro" });
    expect(await view(subscription.email)).toMatchObject({ subscriptionStatus: "pro" });

    deployment("production");
    const { listPayments, accountSubscription } = await import("@/lib/account/payments");
    const { liveSubscriptionOf } = await import("@/lib/plan-changes/subscriber");
    const { loadConfirmation } = await import("@/lib/checkout/confirmation");
    for (const run of [purchase, subscription]) {
      // What requirePlan, /pro, /account, /pricing and the header read (getCurrentUser).
      expect(await view(run.email)).toMatchObject({ subscriptionStatus: "free", planRank: 0, planUntil: null, polarCustomerId: null });
      expect(await listPayments(run.email)).toEqual([]);
      expect(await accountSubscription(run.email)).toEqual({ standing: null, live: null });
      expect(await liveSubscriptionOf(run.email)).toBeNull();
      const checkoutId = String((run.events[0]!.body.data as { id: string }).id);
      expect(await loadConfirmation(checkoutId, run.email)).toEqual({ kind: "not-found" });
    }
    const { reconcileCandidates, recomputeDuePlans } = await import("@/lib/billing/reconcile");
    expect(await reconcileCandidates(50, new Date())).toEqual([]);
    expect(await reconcile()).toEqual({ checked: 0, repaired: 0, errors: 0 });
    expect(await recomputeDuePlans({ limit: 50, deadline: Date.now() + 10_000 })).toBe(0);
    expect(polarCalls).toEqual([]);

    // Stored as they came, tagged with the environment they came from; nothing ended or moved.
    expect(await Payment.findOne({ customerEmail: purchase.email }).lean()).toMatchObject({ status: "completed", plan: "pro", environment: "sandbox" });
    expect(await Subscription.findOne({ customerEmail: subscription.email }).lean()).toMatchObject({ status: "active", endedAt: null, environment: "sandbox" });
    expect(await User.findOne({ email: subscription.email }).lean()).toMatchObject({ subscriptionStatus: "pro", billingEnvironment: "sandbox" });
  });

  it("the same events from production's own webhooks grant Pro, and its reconciler asks Polar about them (the counting fetch sees it)", async () => {
    deployment("production");
    const subscription = customerRun(1, 72);
    await deliverRun(subscription);
    expect(await view(subscription.email)).toMatchObject({ subscriptionStatus: "pro", polarCustomerId: "cus_72_1" });
    expect(await Subscription.findOne({ customerEmail: subscription.email }).lean()).toMatchObject({ environment: "production" });
    expect(await reconcile()).toMatchObject({ errors: 1 });
    expect(polarCalls.length).toBeGreaterThan(0);
    expect(polarCalls.every((url) => url.startsWith("https://api.polar.sh/"))).toBe(true);
  });

  it("a preview purchase with a production customer's email leaves their production plan and customer alone", async () => {
    deployment("production");
    const paying = customerRun(1, 73);
    await deliverRun(paying);

    deployment("sandbox");
    const email = paying.email;
    const checkoutId = "00000073-0000-4000-8000-00000000abcd";
    const customer = { id: "cus_sandbox_73", email };
    await post(event("checkout.created", checkoutWire({ id: checkoutId, product: proProduct, email })));
    await post(event("customer.created", customerWire(customer)));
    await post(event("order.paid", orderWire({ id: "order_sandbox_73", checkoutId, product: proProduct, customer, status: "paid" })));
    expect(await Payment.findOne({ checkoutId }).lean()).toMatchObject({ status: "completed", environment: "sandbox" });

    deployment("production");
    expect(await view(email)).toMatchObject({ subscriptionStatus: "pro", polarCustomerId: "cus_73_1" });
    expect(await User.findOne({ email }).lean()).toMatchObject({ billingEnvironment: "production", polarCustomerId: "cus_73_1" });
    expect((await (await import("@/lib/account/payments")).listPayments(email)).map((p) => p.status)).toEqual(["completed"]);
  });

  it("production's first fact about a user a preview wrote resets what the preview cached and linked", async () => {
    deployment("sandbox");
    const previewed = customerRun(0, 74);
    await deliverRun(previewed);
    expect(await User.findOne({ email: previewed.email }).lean()).toMatchObject({ subscriptionStatus: "pro", polarCustomerId: "cus_74_0", billingEnvironment: "sandbox" });

    // A checkout opened in production: pending, so no plan is recomputed; the sandbox cache must not become production's Pro.
    deployment("production");
    await post(event("checkout.created", checkoutWire({ id: "00000074-0000-4000-8000-0000000000aa", product: proProduct, email: previewed.email })));
    expect(await User.findOne({ email: previewed.email }).lean()).toMatchObject({ subscriptionStatus: "free", polarCustomerId: null, billingEnvironment: "production" });
    expect(await view(previewed.email)).toMatchObject({ subscriptionStatus: "free" });
    expect(await Payment.countDocuments({ customerEmail: previewed.email, environment: "sandbox" })).toBe(1);
  });
});
