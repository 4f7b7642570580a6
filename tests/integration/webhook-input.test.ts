import { beforeEach, describe, expect, it, vi } from "vitest";
import * as applyModule from "@/lib/billing/apply-event";
import { receiveWebhook } from "@/lib/webhooks/receive";
import { Payment } from "@/models/Payment";
import { User } from "@/models/User";
import { WebhookEvent } from "@/models/WebhookEvent";
import { clearCollections, setupTestDatabase } from "../helpers/db";
import { checkoutWire, event, orderWire, proProduct, sign } from "../../scripts/lib/polar-payloads";
import { SECRET, postDelivery } from "../helpers/webhooks";

vi.mock("@/lib/billing/apply-event", async (importOriginal) => {
  const original = await importOriginal<typeof applyModule>();
  return { ...original, applyEvent: vi.fn(original.applyEvent) };
});

setupTestDatabase(import.meta.url);

const body = JSON.stringify(event("checkout.created", checkoutWire({ id: "co_in", product: proProduct, email: "eve@example.com" })));

async function expectNothingWritten(): Promise<void> {
  expect(await WebhookEvent.countDocuments()).toBe(0);
  expect(await Payment.countDocuments()).toBe(0);
  expect(await User.countDocuments()).toBe(0);
}

function expectNoLeak(response: { body: object }): void {
  const text = JSON.stringify(response.body);
  expect(text).not.toContain(SECRET);
  expect(text).not.toMatch(/\/work\/|node_modules|at \w+ \(/);
}

describe("bad input gets a clear status and writes nothing", () => {
  beforeEach(clearCollections);

  it("a wrong signature: 403", async () => {
    const d = sign(body, "whsec_someone_else");
    const res = await postDelivery(d);
    expect(res).toEqual({ status: 403, body: { ok: false, error: "invalid signature" } });
    await expectNothingWritten();
  });

  it("only a signed delivery counts as load for the apply scheduler: 100 forged ones count none", async () => {
    const scheduler = (globalThis as { __applyScheduler?: { answeringStarted(): void } }).__applyScheduler;
    if (!scheduler) throw new Error("the apply scheduler is not loaded");
    const counted = vi.spyOn(scheduler, "answeringStarted");
    try {
      for (let i = 0; i < 100; i++) expect((await receiveWebhook(body, sign(body, "whsec_someone_else").headers, SECRET)).status).toBe(403);
      expect(counted).not.toHaveBeenCalled();
      await postDelivery(sign(body, SECRET));
      expect(counted).toHaveBeenCalledTimes(1);
    } finally {
      counted.mockRestore();
    }
  });

  it("missing signature headers: 403", async () => {
    const res = await receiveWebhook(body, { "content-type": "application/json" }, SECRET);
    expect(res.status).toBe(403);
    await expectNothingWritten();
  });

  it("a stale timestamp (10 minutes old): 403", async () => {
    const d = sign(body, SECRET, "wh_stale", new Date(Date.now() - 10 * 60_000));
    expect((await postDelivery(d)).status).toBe(403);
    await expectNothingWritten();
  });

  it("a body tampered with after signing: 403", async () => {
    const d = sign(body, SECRET);
    const res = await postDelivery({ ...d, body: d.body.replace("eve@example.com", "mallory@example.com") });
    expect(res.status).toBe(403);
    await expectNothingWritten();
  });

  it("the secret without its whsec_ prefix is a different key: 403", async () => {
    const d = sign(body, SECRET.replace(/^whsec_/, ""));
    expect((await postDelivery(d)).status).toBe(403);
  });

  it("a signed body that is not JSON: 400", async () => {
    const res = await postDelivery(sign("this is not json", SECRET));
    expect(res).toEqual({ status: 400, body: { ok: false, error: "body is not valid JSON" } });
    await expectNothingWritten();
  });

  it("a signed event of an unknown type: stored, 202", async () => {
    const res = await postDelivery(sign(JSON.stringify(event("discount.created", { id: "dis_x" })), SECRET, "wh_discount"));
    expect(res.status).toBe(202);
    expect(await WebhookEvent.findOne({ _id: "wh_discount" }).lean()).toMatchObject({ type: "discount.created", status: "skipped" });
    expect(await Payment.countDocuments()).toBe(0);
  });

  it("a signed event of a mapped type that the SDK cannot parse: stored and answered 200, then skipped by the applier with the reason", async () => {
    const res = await postDelivery(sign(JSON.stringify(event("order.paid", { id: "broken" })), SECRET, "wh_broken"));
    expect(res.status).toBe(200);
    const stored = await WebhookEvent.findOne({ _id: "wh_broken" }).lean();
    expect(stored).toMatchObject({ type: "order.paid", status: "skipped", attempts: 1 });
    expect(stored?.error).toMatch(/^not applied: SDKValidationError/);
    expect(await Payment.countDocuments()).toBe(0);
  });

  it("the route's verifier (Standard Webhooks, Polar's key construction) accepts and refuses exactly what the SDK's validateEvent does", async () => {
    const { validateEvent, WebhookVerificationError: SdkVerificationError } = await import("@polar-sh/sdk/webhooks");
    const { WebhookVerificationError } = await import("standardwebhooks");
    const { polarWebhook } = await import("@/lib/webhooks/signature");
    const good = sign(body, SECRET, "wh_same");
    const deliveries = [
      good,
      sign(body, "whsec_someone_else"),
      sign(body, SECRET.replace(/^whsec_/, "")),
      sign(body, SECRET, "wh_stale", new Date(Date.now() - 10 * 60_000)),
      { ...good, body: good.body.replace("eve@example.com", "mallory@example.com") },
      { ...good, headers: { ...good.headers, "webhook-id": "wh_other" } },
    ];
    const verdict = (check: () => unknown) => {
      try {
        check();
        return "accepted";
      } catch (error) {
        // Anything else (the SDK's parse of the good delivery, say) is past the signature check.
        return error instanceof WebhookVerificationError || error instanceof SdkVerificationError ? "refused" : "accepted";
      }
    };
    const ours = deliveries.map((d) => verdict(() => polarWebhook(SECRET).verify(d.body, d.headers)));
    const sdk = deliveries.map((d) => verdict(() => validateEvent(d.body, d.headers, SECRET)));
    expect(ours).toEqual(["accepted", "refused", "refused", "refused", "refused", "refused"]);
    expect(ours).toEqual(sdk);
  });

  it("an event that keeps failing is answered 200, retried with backoff, marked failed after MAX_ATTEMPTS, and replayable", async () => {
    const { applyInboxEvent, MAX_ATTEMPTS } = await import("@/lib/webhooks/applier");
    vi.mocked(applyModule.applyEvent).mockRejectedValue(new Error("mapping bug for eve@example.com: boom"));
    const d = sign(JSON.stringify(event("order.paid", orderWire({ id: "or_f", checkoutId: "co_f", product: proProduct, customer: { id: "cus_f", email: "eve@example.com" } }))), SECRET, "wh_fail");
    const res = await postDelivery(d);
    // Stored: Polar's part is done, whatever applying it does next.
    expect(res.status).toBe(200);
    expectNoLeak(res);
    const first = await WebhookEvent.findOne({ _id: "wh_fail" }).lean();
    // Waiting for its next attempt, with the error (emails removed) and a backoff.
    expect(first).toMatchObject({ status: "received", attempts: 1, error: "Error: mapping bug for <email>: boom", leaseOwner: null });
    expect(first!.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 20_000);
    for (let attempt = 2; attempt <= MAX_ATTEMPTS; attempt++) await applyInboxEvent("wh_fail", { dueOnly: false });
    const failed = await WebhookEvent.findOne({ _id: "wh_fail" }).lean();
    expect(failed).toMatchObject({ status: "failed", attempts: MAX_ATTEMPTS, error: "Error: mapping bug for <email>: boom" });
    expect(await Payment.countDocuments()).toBe(0);
    const { listAttentionEvents, replayEvent } = await import("@/lib/webhooks/operator");
    expect((await listAttentionEvents()).map((e) => [e.webhookId, e.status])).toContainEqual(["wh_fail", "failed"]);

    // The operator replays it after the fix: applied now, and a second replay changes nothing.
    vi.mocked(applyModule.applyEvent).mockRestore();
    expect(await replayEvent("wh_fail")).toBe("applied");
    expect(await WebhookEvent.findOne({ _id: "wh_fail" }).lean()).toMatchObject({ status: "processed", error: null });
    expect((await User.findOne({ email: "eve@example.com" }).lean())?.subscriptionStatus).toBe("pro");
    const before = await Payment.findOne({ checkoutId: "co_f" }).lean();
    expect(await replayEvent("wh_fail")).toBe("already-applied");
    expect(await Payment.findOne({ checkoutId: "co_f" }).lean()).toEqual(before);
  });
});
