import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { forgetProducts } from "@/lib/billing/products";
import { Payment } from "@/models/Payment";
import { Product } from "@/models/Product";
import { User } from "@/models/User";
import { startPolarEmulator, type PolarEmulator } from "polar-emulator";
import { pay } from "polar-emulator/testing";
import { PRO_MONTHLY_PRODUCT_ID, PRO_PRODUCT_ID } from "../../scripts/lib/polar-payloads";
import { clearCollections, setupTestDatabase } from "../helpers/db";

// The checkout path against the real local Polar emulator (its SDK wire format) and FerretDB.
const { uri } = setupTestDatabase(import.meta.url);
const TOKEN = "polar_oat_checkout_test";
let emulator: PolarEmulator;
let receiver: Server;

function setEnv(overrides: Record<string, string> = {}): void {
  Object.assign(process.env, {
    MONGODB_URI: uri,
    POLAR_ACCESS_TOKEN: TOKEN,
    POLAR_API_URL: emulator.url,
    POLAR_WEBHOOK_SECRET: "whsec_checkout_test_secret",
    APP_URL: "http://localhost:3999",
    NEXTAUTH_SECRET: "x".repeat(40),
    AUTH_LOCAL_OIDC_ISSUER: "http://127.0.0.1:9",
    AUTH_LOCAL_OIDC_ID: "checkout-test",
    AUTH_LOCAL_OIDC_SECRET: "checkout-test-oidc-secret-0123456789",
    CRON_SECRET: "cron-secret-0123456789",
    ...overrides,
  });
}

beforeAll(async () => {
  // The emulator's webhooks go to a receiver that accepts them: this file tests the API side.
  receiver = createServer((req, res) => req.resume().on("end", () => res.writeHead(200).end("{}")));
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const address = receiver.address();
  const port = typeof address === "object" && address ? address.port : 0;
  emulator = await startPolarEmulator({ port: 0, accessTokens: [TOKEN], webhookUrl: `http://127.0.0.1:${port}/`, webhookSecret: "whsec_checkout_test_secret", log: () => {} });
  setEnv();
});

afterAll(async () => {
  await emulator?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

/** The calls the app made to the emulator (its request log) whose method and path start so. */
async function polarCalls(method: string, prefix: string): Promise<number> {
  const log = (await (await fetch(`${emulator.url}/admin/requests.json`)).json()) as { requests: Array<{ method: string; path: string }> };
  return log.requests.filter((r) => r.method === method && r.path.startsWith(prefix)).length;
}

async function emulatorCheckout(id: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${emulator.url}/v1/checkouts/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return (await res.json()) as Record<string, unknown>;
}

describe("checkout against the Polar emulator", () => {
  beforeEach(async () => {
    await clearCollections();
    const { syncProducts } = await import("@/lib/billing/product-sync");
    await syncProducts();
  });

  it("syncs the plans from Polar's product list", async () => {
    const products = await Product.find({}).sort({ rank: 1, priceAmount: 1, name: 1 }).lean();
    expect(products.map((p) => [p.name, p.plan, p.rank, p.priceAmount, p.priceCurrency, p.recurringInterval, p.trialInterval, p.trialIntervalCount])).toEqual([
      ["Pro", "pro", 1, 999, "USD", null, null, null],
      ["Pro Monthly", "pro", 1, 1299, "USD", "month", null, null],
      ["Pro Trial", "pro", 1, 1299, "USD", "month", "day", 14],
      ["Pro Yearly", "pro", 1, 12990, "USD", "year", null, null],
      // Sold by the seat: no fixed price (lib/teams prices its seats from the tiers).
      ["Team", "team", 1.5, null, "USD", "month", null, null],
      ["Business Monthly", "business", 2, 4900, "USD", "month", null, null],
      ["Business Yearly", "business", 2, 49000, "USD", "year", null, null],
    ]);
  });

  it("opens a checkout for the session's email with the confirmation success URL, and records it as pending", async () => {
    const { beginCheckout } = await import("@/lib/checkout/begin");
    const result = await beginCheckout("carol@example.com", PRO_PRODUCT_ID);
    if (!result.ok) throw new Error(result.message);
    expect(result.url.startsWith(emulator.url)).toBe(true);
    const payment = await Payment.findOne({ customerEmail: "carol@example.com" }).lean();
    expect(payment).toMatchObject({ status: "pending", productId: PRO_PRODUCT_ID, amount: 999, checkoutUrl: result.url });
    const remote = await emulatorCheckout(payment!.checkoutId);
    expect(remote).toMatchObject({
      external_customer_id: "carol@example.com",
      customer_email: "carol@example.com",
      success_url: "http://localhost:3999/confirmation?checkout_id={CHECKOUT_ID}",
      status: "open",
    });
  });

  it("a double submit, even at the same instant, opens one checkout", async () => {
    const { beginCheckout } = await import("@/lib/checkout/begin");
    const [a, b] = await Promise.all([beginCheckout("dan@example.com", PRO_PRODUCT_ID), beginCheckout("dan@example.com", PRO_PRODUCT_ID)]);
    const c = await beginCheckout("dan@example.com", PRO_PRODUCT_ID);
    expect(a).toEqual(b);
    expect(c).toEqual(a);
    expect(await Payment.countDocuments({ customerEmail: "dan@example.com" })).toBe(1);
  });

  it("with the checkout recorded behind the answer, as the action does, a double submit still opens one", async () => {
    const { beginCheckout } = await import("@/lib/checkout/begin");
    const behind: Array<Promise<unknown>> = [];
    const opts = { behindAnswer: (recording: Promise<unknown>) => void behind.push(recording) };
    const [a, b] = await Promise.all([beginCheckout("hal@example.com", PRO_PRODUCT_ID, undefined, opts), beginCheckout("hal@example.com", PRO_PRODUCT_ID, undefined, opts)]);
    expect(a).toMatchObject({ ok: true });
    expect(b).toEqual(a);
    await Promise.all(behind);
    expect(await Payment.countDocuments({ customerEmail: "hal@example.com", status: "pending" })).toBe(1);
  });

  it("a session checked on the checkout's own read of the user: one that no longer holds opens nothing, one that holds opens a checkout", async () => {
    const { beginCheckout } = await import("@/lib/checkout/begin");
    const { checkOnUserRead } = await import("@/lib/auth/session");
    await User.create({ email: "ivy@example.com", sessionVersion: 1, identities: [{ provider: "google", subject: "g-ivy", linkedAt: new Date() }] });
    const session = (version: number, email = "ivy@example.com") => checkOnUserRead({ email, provider: "google", subject: "g-ivy", version });
    const creates = await polarCalls("POST", "/v1/checkouts");
    // Issued before "sign out everywhere" (version 0; the user is at 1).
    expect(await beginCheckout("ivy@example.com", PRO_PRODUCT_ID, undefined, { session: session(0) })).toEqual({
      ok: false,
      message: "Your session ended. Sign in again to upgrade.",
      signedOut: true,
    });
    // A user deleted since the cookie was sealed: no user, no session.
    expect(await beginCheckout("gone@example.com", PRO_PRODUCT_ID, undefined, { session: session(1, "gone@example.com") })).toMatchObject({ ok: false, signedOut: true });
    expect(await polarCalls("POST", "/v1/checkouts")).toBe(creates);
    expect(await Payment.countDocuments({})).toBe(0);
    const held = await beginCheckout("ivy@example.com", PRO_PRODUCT_ID, undefined, { session: session(1) });
    expect(held.ok && held.url.startsWith(emulator.url)).toBe(true);
    expect(await polarCalls("POST", "/v1/checkouts")).toBe(creates + 1);
  });

  it("a user with no Polar customer: Polar's state is asked (404) and the checkout opens as before", async () => {
    const { beginCheckout } = await import("@/lib/checkout/begin");
    const [states, creates] = [await polarCalls("GET", "/v1/customers/external/"), await polarCalls("POST", "/v1/checkouts")];
    const result = await beginCheckout("newcomer@example.com", PRO_MONTHLY_PRODUCT_ID);
    expect(result.ok && result.url.startsWith(emulator.url)).toBe(true);
    expect(await polarCalls("GET", "/v1/customers/external/")).toBe(states + 1);
    expect(await polarCalls("POST", "/v1/checkouts")).toBe(creates + 1);
  });

  it("a checkout paid a moment ago, its webhooks not arrived: the next Upgrade goes to its confirmation, not to a second checkout", async () => {
    const { beginCheckout } = await import("@/lib/checkout/begin");
    const email = "second-tab@example.com";
    const first = await beginCheckout(email, PRO_PRODUCT_ID);
    if (!first.ok) throw new Error(first.message);
    expect((await pay(first.url)).status).toBe(303);
    const { checkoutId } = (await Payment.findOne({ customerEmail: email }).lean())!;
    const creates = await polarCalls("POST", "/v1/checkouts");
    // Another tab, still showing Upgrade: Pro Monthly this time.
    expect(await beginCheckout(email, PRO_MONTHLY_PRODUCT_ID)).toEqual({ ok: true, url: `/confirmation?checkout_id=${checkoutId}` });
    expect(await polarCalls("POST", "/v1/checkouts")).toBe(creates);
    // Asking Polar applied what it said, as the confirmation page would.
    expect(await Payment.findOne({ checkoutId }).lean()).toMatchObject({ status: "completed" });
    expect((await User.findOne({ email }).lean())?.subscriptionStatus).toBe("pro");
  });

  it("a checkout opened and left unpaid does not hold the next one", async () => {
    const { beginCheckout } = await import("@/lib/checkout/begin");
    const email = "changed-mind@example.com";
    const first = await beginCheckout(email, PRO_PRODUCT_ID);
    const second = await beginCheckout(email, PRO_MONTHLY_PRODUCT_ID);
    expect(first.ok && second.ok && first.url !== second.url && second.url.startsWith(emulator.url)).toBe(true);
    expect(await Payment.countDocuments({ customerEmail: email, status: "pending" })).toBe(2);
  });

  it("a subscription Polar lists that our database has not applied (its webhooks lost): no second checkout, the user is flagged for the reconciler", async () => {
    const email = "lost-events@example.com";
    // Bought at Polar; the emulator's webhooks go to a receiver that drops them.
    const direct = await fetch(`${emulator.url}/v1/checkouts/`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ products: [PRO_MONTHLY_PRODUCT_ID], external_customer_id: email, customer_email: email, success_url: "http://localhost:3999/confirmation" }),
    });
    expect((await pay(((await direct.json()) as { url: string }).url)).status).toBe(303);
    expect(await User.findOne({ email }).lean()).toBeNull();

    const { beginCheckout } = await import("@/lib/checkout/begin");
    const creates = await polarCalls("POST", "/v1/checkouts");
    expect(await beginCheckout(email, PRO_MONTHLY_PRODUCT_ID)).toEqual({ ok: true, url: "/account?checkout=subscribed" });
    expect(await beginCheckout(email, PRO_PRODUCT_ID)).toEqual({ ok: true, url: "/account?checkout=subscribed" });
    expect(await polarCalls("POST", "/v1/checkouts")).toBe(creates);
    expect(await User.findOne({ email }).lean()).toMatchObject({ reconcileRequestedAt: expect.any(Date) });
    expect(await Payment.countDocuments({ customerEmail: email })).toBe(0);
  });

  it("refuses a product that does not exist or grants no plan", async () => {
    const { beginCheckout } = await import("@/lib/checkout/begin");
    expect(await beginCheckout("erin@example.com", "00000000-0000-4000-8000-000000000000")).toEqual({ ok: false, message: "That plan is not available." });
    await Product.updateOne({ polarProductId: PRO_PRODUCT_ID }, { $set: { plan: null } });
    // Changed behind the app's back: seen once the process's copy of the catalogue is dropped, as
    // the product's webhook or the copy's age would drop it (lib/billing/products.ts).
    forgetProducts();
    expect(await beginCheckout("erin@example.com", PRO_PRODUCT_ID)).toEqual({ ok: false, message: "That plan is not available." });
    expect(await Payment.countDocuments()).toBe(0);
  });

  it("tells a user already on the plan so, without opening a checkout", async () => {
    await User.create({ email: "frank@example.com", subscriptionStatus: "pro" });
    const { beginCheckout } = await import("@/lib/checkout/begin");
    expect(await beginCheckout("frank@example.com", PRO_PRODUCT_ID)).toEqual({ ok: false, message: "You're already on Pro." });
    expect(await Payment.countDocuments()).toBe(0);
  });

  it("a rejected token gives a clear message naming the server used, and writes nothing", async () => {
    vi.resetModules();
    setEnv({ POLAR_ACCESS_TOKEN: "polar_oat_wrong" });
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const { beginCheckout } = await import("@/lib/checkout/begin");
      const result = await beginCheckout("gina@example.com", PRO_PRODUCT_ID);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.message).toBe(
        `Checkout is unavailable: the Polar API at ${emulator.url} rejected the app's access token. This is a configuration problem on our side; please try again later.`,
      );
      expect(String(errors.mock.calls[0]?.[0])).toContain("Polar 401");
      expect(await Payment.countDocuments()).toBe(0);
    } finally {
      errors.mockRestore();
      vi.resetModules();
      setEnv();
    }
  });
});
