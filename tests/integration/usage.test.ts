import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { BenefitGrant } from "@/models/BenefitGrant";
import { CustomerMeter } from "@/models/CustomerMeter";
import { Payment } from "@/models/Payment";
import { Subscription } from "@/models/Subscription";
import { UsageEvent } from "@/models/UsageEvent";
import { clearCollections, setupTestDatabase } from "../helpers/db";
import { deliveriesOf } from "../helpers/deliveries";
import { useEmulatorEnv } from "../helpers/emulator-env";
import { BUSINESS_MONTHLY_ID, PRO_MONTHLY_ID, admin, createCheckout, pay, startHarness, type Harness } from "polar-emulator/testing";

// Usage billing end to end: the app's reports go through the outbox to the local Polar emulator's
// events.ingest (through the SDK), the emulator's meters, credits and grants come back as Polar's
// webhooks through the app's webhook path, and FerretDB holds the facts.
const { uri } = setupTestDatabase(import.meta.url);
let h: Harness;
let andDeliver: ReturnType<typeof deliveriesOf>["andDeliver"];
const FLAG_ID = "6a2f9c4e-1b7d-4e3a-8c5f-0d9e2b4a6c71";
const PRO_CREDITS_ID = "8e3c5a7b-2d1f-4b6e-9a0c-4f7d1e3b5a82";

beforeAll(async () => {
  h = await startHarness();
  useEmulatorEnv(h, uri, "usage-test");
  // Polar sends the state after the grants: the burst is let finish before delivering.
  ({ andDeliver } = deliveriesOf(h, 150));
});
afterAll(async () => h?.stop());
beforeEach(async () => {
  await clearCollections();
  const { syncProducts } = await import("@/lib/billing/product-sync");
  await syncProducts();
});
afterEach(() => vi.restoreAllMocks());

const subscribe = (email: string, productId: string) =>
  andDeliver("customer.state_changed", async () => pay((await createCheckout(h.polar, email, productId)).url));

const lib = async () => ({
  ...(await import("@/lib/usage/reports")),
  ...(await import("@/lib/usage/flush")),
  ...(await import("@/lib/usage/allowance")),
});
const meterAtPolar = async (email: string) => (await h.polar.customers.getStateExternal({ externalId: email })).activeMeters[0];
const flushNow = async () => (await lib()).flushUsage({ deadline: Date.now() + 10_000 });

/** `count` reports the customer used elsewhere (another instance's), straight into Polar's meter. */
async function usedAtPolar(email: string, count: number, prefix: string): Promise<void> {
  await andDeliver("customer.state_changed", () =>
    h.polar.events.ingest({ events: Array.from({ length: count }, (_, i) => ({ name: "report.generated", externalCustomerId: email, externalId: `${prefix}-${i}` })) }),
  );
}

describe("reports: entitlements and credits from Polar's benefits", () => {
  it("a Pro subscriber holds the reports flag and 100 credits, as facts from the webhooks", { timeout: 30_000 }, async () => {
    const email = "pro@example.com";
    await subscribe(email, PRO_MONTHLY_ID);
    const grants = await BenefitGrant.find({ customerEmail: email, granted: true }).lean();
    expect(grants.map((g) => [g.benefitId, g.feature]).sort()).toEqual([[FLAG_ID, "reports"], [PRO_CREDITS_ID, "reports"]].sort());
    expect(await CustomerMeter.findOne({ customerEmail: email }).lean()).toMatchObject({ creditedUnits: 100, consumedUnits: 0 });
    expect(await (await lib()).featureAllowance(email, "reports")).toMatchObject({ kind: "metered", credited: 100, remaining: 100, allowed: true });
  });

  it("each report is one event at Polar, exactly: a retried request and a resent batch count once", { timeout: 30_000 }, async () => {
    const email = "count@example.com";
    await subscribe(email, PRO_MONTHLY_ID);
    const { generateReport } = await lib();
    for (const key of ["key-000001", "key-000002", "key-000003", "key-000002"]) expect((await generateReport(email, key)).kind).toBe("generated");
    expect(await UsageEvent.countDocuments({ customerEmail: email })).toBe(3);
    expect(await andDeliver("customer.state_changed", flushNow)).toEqual({ sent: 3, failed: 0 });
    // Polar's state, computed while it took the batch, counts them: the allowance does not count them again.
    expect(await (await lib()).featureAllowance(email, "reports")).toMatchObject({ used: 3, remaining: 97 });
    // Polar took the batch but the answer was lost: the same events go again.
    await UsageEvent.updateMany({ customerEmail: email }, { $set: { sentAt: null } });
    expect(await flushNow()).toEqual({ sent: 3, failed: 0 });
    expect((await meterAtPolar(email))?.consumedUnits).toBe(3);
  });

  it("a failed ingest is retried with backoff, and loses nothing", { timeout: 30_000 }, async () => {
    const email = "retry@example.com";
    await subscribe(email, PRO_MONTHLY_ID);
    const { generateReport } = await lib();
    await generateReport(email, "retry-0001");
    vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("fetch failed"));
    expect(await flushNow()).toEqual({ sent: 0, failed: 1 });
    vi.restoreAllMocks();
    const waiting = await UsageEvent.findOne({ customerEmail: email }).lean();
    expect(waiting).toMatchObject({ sentAt: null, attempts: 1, lastError: expect.stringMatching(/fetch failed/) });
    expect(waiting!.nextAttemptAt.getTime()).toBeGreaterThan(Date.now());
    expect(await flushNow()).toEqual({ sent: 0, failed: 0 }); // not due yet
    await UsageEvent.updateOne({ customerEmail: email }, { $set: { nextAttemptAt: new Date() } });
    expect(await flushNow()).toEqual({ sent: 1, failed: 0 });
    expect((await meterAtPolar(email))?.consumedUnits).toBe(1);
  });

  it("past the credits, Pro (no usage billing) is refused with 402's message, counting events Polar does not show yet", { timeout: 30_000 }, async () => {
    const email = "limit@example.com";
    await subscribe(email, PRO_MONTHLY_ID);
    await usedAtPolar(email, 98, "elsewhere");
    const { generateReport } = await lib();
    expect((await generateReport(email, "limit-0001")).kind).toBe("generated");
    // Not sent yet: the allowance adds it to Polar's 98.
    const second = await generateReport(email, "limit-0002");
    expect(second).toMatchObject({ kind: "generated", allowance: { used: 100, remaining: 0 } });
    const third = await generateReport(email, "limit-0003");
    expect(third).toMatchObject({ kind: "limit", message: expect.stringMatching(/used all 100 reports included this period\. Upgrade on \/pricing/) });
    // The same key as an accepted report is that report, not a refusal.
    expect((await generateReport(email, "limit-0002")).kind).toBe("generated");
    expect(await UsageEvent.countDocuments({ customerEmail: email })).toBe(2);
  });

  it("Business goes on past its 1,000 credits, and the overage is billed on the renewal order", { timeout: 60_000 }, async () => {
    const email = "business@example.com";
    await subscribe(email, BUSINESS_MONTHLY_ID);
    await usedAtPolar(email, 1_000, "big");
    const { generateReport } = await lib();
    for (let i = 0; i < 4; i++) expect((await generateReport(email, `over-000${i}`)).kind).toBe("generated");
    expect(await (await lib()).featureAllowance(email, "reports")).toMatchObject({ overage: true, overageUnits: 4, allowed: true });
    await flushNow();
    const sub = await Subscription.findOne({ customerEmail: email }).lean();
    await andDeliver("order.paid", () => admin(h.emulator.url, `/admin/subscriptions/${sub!.polarSubscriptionId}/renew`, {}));
    const renewal = await Payment.findOne({ customerEmail: email, billingReason: "subscription_cycle" }).lean();
    // $49 and 4 reports past the credits at $0.05.
    expect(renewal).toMatchObject({ status: "completed", amount: 4900 + 20 });
  });

  it("a revoked benefit closes the feature; a benefit added to a product in Polar opens it, with no deploy", { timeout: 30_000 }, async () => {
    const email = "edited@example.com";
    await subscribe(email, PRO_MONTHLY_ID);
    const { generateReport } = await lib();
    // What Pro Monthly includes, edited in Polar: the credits only, no reports flag.
    await andDeliver("customer.state_changed", () => h.polar.products.updateBenefits({ id: PRO_MONTHLY_ID, productBenefitsUpdate: { benefits: [PRO_CREDITS_ID] } }));
    expect((await generateReport(email, "edit-0001")).kind).toBe("not-entitled");
    await andDeliver("customer.state_changed", () => h.polar.products.updateBenefits({ id: PRO_MONTHLY_ID, productBenefitsUpdate: { benefits: [FLAG_ID, PRO_CREDITS_ID] } }));
    expect((await generateReport(email, "edit-0002")).kind).toBe("generated");
    const sub = await Subscription.findOne({ customerEmail: email }).lean();
    await andDeliver("customer.state_changed", () => h.polar.subscriptions.revoke({ id: sub!.polarSubscriptionId }));
    expect((await generateReport(email, "edit-0003")).kind).toBe("not-entitled");
  });

  it("the reconciler brings grants and balances back when their webhooks were lost", { timeout: 30_000 }, async () => {
    const email = "lost@example.com";
    await subscribe(email, PRO_MONTHLY_ID);
    // 20 reports used elsewhere, their state_changed lost.
    await h.polar.events.ingest({ events: Array.from({ length: 20 }, (_, i) => ({ name: "report.generated", externalCustomerId: email, externalId: `lost-${i}` })) });
    await BenefitGrant.deleteMany({ customerEmail: email });
    const { reconcileUser } = await import("@/lib/billing/reconcile");
    const { recordFetchedState } = await import("@/lib/usage/apply-event");
    const { User } = await import("@/models/User");
    const user = await User.findOne({ email }, { email: 1 }).lean();
    await reconcileUser({ _id: user!._id, email } as never, new Date(), recordFetchedState);
    expect(await BenefitGrant.countDocuments({ customerEmail: email, granted: true })).toBe(2);
    expect(await CustomerMeter.findOne({ customerEmail: email }).lean()).toMatchObject({ consumedUnits: 20, creditedUnits: 100 });
    expect(await (await lib()).featureAllowance(email, "reports")).toMatchObject({ remaining: 80 });
  });
});
