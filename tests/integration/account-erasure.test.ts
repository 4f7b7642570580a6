import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { loadAppModels } from "@/lib/db/app-models";
import { ErasedAccount } from "@/models/ErasedAccount";
import { Payment } from "@/models/Payment";
import { Subscription } from "@/models/Subscription";
import { User } from "@/models/User";
import { clearCollections, setupTestDatabase } from "../helpers/db";
import { deliveriesOf } from "../helpers/deliveries";
import { useEmulatorEnv } from "../helpers/emulator-env";
import { PRO_ID, PRO_MONTHLY_ID, createCheckout, pay, startHarness, waitFor, type Harness } from "polar-emulator/testing";

// "Delete my account" and the retention job, end to end: the app's code revokes at the local Polar
// emulator through the SDK, Polar's webhooks come back through the app's webhook path, FerretDB holds the rest.
const { uri } = setupTestDatabase(import.meta.url);
let h: Harness;
let deliverSince: ReturnType<typeof deliveriesOf>["deliverSince"];
let andDeliver: ReturnType<typeof deliveriesOf>["andDeliver"];

beforeAll(async () => {
  h = await startHarness();
  useEmulatorEnv(h, uri, "erasure-test");
  ({ deliverSince, andDeliver } = deliveriesOf(h));
});
afterAll(async () => h?.stop());
beforeEach(async () => {
  await clearCollections();
  const { syncProducts } = await import("@/lib/billing/product-sync");
  await syncProducts();
});
afterEach(() => vi.restoreAllMocks());

async function buy(email: string, productId: string, lastEvent: string): Promise<void> {
  await andDeliver(lastEvent, async () => pay((await createCheckout(h.polar, email, productId)).url));
}

/**
 * Every collection that still names `email`, over every model in models/ (a model added later is
 * checked too), except the inbox: webhook payloads are kept 90 days for replays (README, Your data).
 */
async function mentionsOf(email: string): Promise<string[]> {
  const found: string[] = [];
  for (const model of await loadAppModels()) {
    if (model.modelName === "WebhookEvent") continue;
    const docs = await model.collection.find({}).toArray();
    if (docs.some((doc) => JSON.stringify(doc).includes(email))) found.push(model.collection.collectionName);
  }
  return found;
}

const erase = async () => import("@/lib/account/erase");

describe("Delete my account", () => {
  it("revokes the subscription at Polar, deletes the user, keeps the payments without the email, and late events do not bring it back", { timeout: 30_000 }, async () => {
    const email = "leaving@example.com";
    await buy(email, PRO_MONTHLY_ID, "customer.state_changed");
    // A report used: its outbox event, and the grants and meter it was decided on, name the email.
    expect((await (await import("@/lib/usage/reports")).generateReport(email, "leaving-0001")).kind).toBe("generated");
    expect(await mentionsOf(email)).toEqual(expect.arrayContaining(["benefitgrants", "customermeters", "usageevents"]));
    const subId = (await Subscription.findOne({ customerEmail: email }).lean())!.polarSubscriptionId;
    const paid = await Payment.countDocuments({ customerEmail: email });
    expect(paid).toBeGreaterThan(0);
    // Manage billing was opened: a stored customer session (the email and a token) goes too.
    expect((await (await import("@/lib/portal/open")).openPortal(email)).kind).toBe("portal");
    expect(await mentionsOf(email)).toContain("portalsessions");

    const from = h.receiver.received.length;
    expect(await (await erase()).deleteAccount(email)).toEqual({ ok: true });
    const atPolar = await h.polar.subscriptions.get({ id: subId });
    expect(atPolar.status).toBe("canceled");
    expect(atPolar.endedAt).not.toBeNull();
    expect(await User.countDocuments({ email })).toBe(0);
    expect(await Payment.countDocuments({ customerEmail: { $regex: /^erased-/ } })).toBe(paid);
    expect(await mentionsOf(email)).toEqual([]);

    // Polar's events about the revocation (and any redelivery) arrive after the deletion.
    await waitFor("subscription.revoked", () => h.receiver.received.slice(from).some((r) => r.type === "subscription.revoked"));
    await deliverSince(from);
    await deliverSince(0);
    expect(await mentionsOf(email)).toEqual([]);
    expect(await ErasedAccount.findOne({}).lean()).toMatchObject({ reason: "requested", completedAt: expect.any(Date) });
  });

  it("the same email signing up again is a new account whose purchases count", { timeout: 30_000 }, async () => {
    const email = "returning@example.com";
    await buy(email, PRO_ID, "order.paid");
    expect(await (await erase()).deleteAccount(email)).toEqual({ ok: true });
    const { signInIdentity } = await import("@/lib/auth/identities");
    expect(await signInIdentity({ provider: "local-oidc", subject: "s-returning", email, name: null, signedInAs: null })).toEqual({ ok: true, email });
    await buy(email, PRO_ID, "order.paid");
    expect(await User.findOne({ email }).lean()).toMatchObject({ subscriptionStatus: "pro" });
    expect(await Payment.countDocuments({ customerEmail: email })).toBe(1);
  });

  it("deletes nothing when Polar cannot be reached, and says so", { timeout: 30_000 }, async () => {
    const email = "stuck@example.com";
    await buy(email, PRO_MONTHLY_ID, "subscription.active");
    vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("fetch failed"));
    const outcome = await (await erase()).deleteAccount(email);
    vi.restoreAllMocks();
    expect(outcome).toEqual({ ok: false, message: expect.stringMatching(/could not be canceled .* nothing was deleted/) });
    expect(await User.countDocuments({ email })).toBe(1);
    expect(await Payment.countDocuments({ customerEmail: email })).toBeGreaterThan(0);
    expect(await ErasedAccount.countDocuments({})).toBe(0);
  });

  it("a one-time buyer (nothing live at Polar) is deleted without a Polar call", { timeout: 30_000 }, async () => {
    const email = "once@example.com";
    await buy(email, PRO_ID, "order.paid");
    const fetches = vi.spyOn(globalThis, "fetch");
    expect(await (await erase()).deleteAccount(email)).toEqual({ ok: true });
    expect(fetches).not.toHaveBeenCalled();
    expect(await mentionsOf(email)).toEqual([]);
  });
});

describe("the retention job", () => {
  const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000);
  const retention = async () => (await import("@/lib/account/retention")).applyRetention({ limit: 100, deadline: Date.now() + 20_000 });

  it("erases Free accounts nobody signed in to for 90 days, and keeps recent ones and customers", { timeout: 30_000 }, async () => {
    await buy("paying@example.com", PRO_MONTHLY_ID, "subscription.active");
    await User.updateOne({ email: "paying@example.com" }, { $set: { lastSeenAt: daysAgo(200) } });
    await User.create([
      { email: "gone@example.com", lastSeenAt: daysAgo(91) },
      { email: "recent@example.com", lastSeenAt: daysAgo(30) },
    ]);
    expect(await retention()).toMatchObject({ erased: 1 });
    expect((await User.find({}, { email: 1 }).lean()).map((u) => u.email).sort()).toEqual(["paying@example.com", "recent@example.com"]);
    expect(await mentionsOf("gone@example.com")).toEqual([]);
    expect(await ErasedAccount.findOne({}).lean()).toMatchObject({ reason: "inactive" });
  });

  it("finishes an erasure that stopped after its tombstone", { timeout: 30_000 }, async () => {
    const email = "halfway@example.com";
    await buy(email, PRO_ID, "order.paid");
    const { erasureKey, pseudonymOf } = await import("@/lib/erasure-tombstones");
    const user = await User.findOne({ email }).lean();
    // What eraseStored writes first; the process died before the rest.
    await ErasedAccount.create({ _id: erasureKey(email), pseudonym: pseudonymOf(erasureKey(email)), reason: "requested", erasedAt: daysAgo(1), userId: user!._id });
    expect(await retention()).toMatchObject({ finished: 1 });
    expect(await mentionsOf(email)).toEqual([]);
    expect(await ErasedAccount.findOne({}).lean()).toMatchObject({ completedAt: expect.any(Date) });
  });
});
