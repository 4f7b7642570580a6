import mongoose from "mongoose";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { applyInboxEvent } from "@/lib/webhooks/applier";
import { deleteExpiredEvents, LEASE_MS, RETENTION_MS, SWEEP_AFTER_MS } from "@/lib/webhooks/inbox";
import { sweepDueEvents } from "@/lib/webhooks/sweep";
import { Payment } from "@/models/Payment";
import { User } from "@/models/User";
import { WebhookEvent } from "@/models/WebhookEvent";
import { clearCollections, setupTestDatabase } from "../helpers/db";
import { checkoutWire, deliver, event, orderWire, proProduct } from "../../scripts/lib/polar-payloads";
import { answerOnly, postDelivery, SECRET } from "../helpers/webhooks";

setupTestDatabase(import.meta.url);
beforeEach(clearCollections);
afterEach(() => vi.restoreAllMocks());

const dana = { id: "cus_dana", email: "dana@example.com" };
const paid = () => deliver(event("order.paid", orderWire({ id: "or_d", checkoutId: "co_d", product: proProduct, customer: dana })), SECRET, "wh_paid");
const plan = async () => (await User.findOne({ email: dana.email }).lean())?.subscriptionStatus;
const stored = () => WebhookEvent.findById("wh_paid").lean();

describe("the answer: one durable write", () => {
  it("stores the event and answers 200 before anything is applied; the work is handed to after()", async () => {
    const res = await answerOnly(paid());
    expect(res).toMatchObject({ status: 200, body: { ok: true, outcome: "accepted" } });
    expect(typeof res.afterAnswer).toBe("function");
    // Only the inbox has it: the user and the payment come with the work behind the answer.
    expect(await stored()).toMatchObject({ status: "received", attempts: 0, leaseOwner: null });
    expect(await Payment.countDocuments()).toBe(0);
    await res.afterAnswer!();
    expect(await stored()).toMatchObject({ status: "processed", attempts: 1 });
    expect(await plan()).toBe("pro");
  });

  it("a fresh event costs one insert and no read", async () => {
    const insert = vi.spyOn(WebhookEvent.collection, "insertOne");
    const find = vi.spyOn(WebhookEvent, "findOne");
    await answerOnly(paid());
    expect(insert).toHaveBeenCalledTimes(1);
    expect(find).not.toHaveBeenCalled();
  });

  it("answers 503 only when the insert cannot be made, and nothing is stored", async () => {
    vi.spyOn(WebhookEvent.collection, "insertOne").mockRejectedValueOnce(new mongoose.mongo.MongoNetworkError("connection reset"));
    expect(await answerOnly(paid())).toEqual({ status: 503, body: { ok: false, error: "temporarily unavailable, retry later" } });
    expect(await stored()).toBeNull();
  });

  it("a database failure while applying does not change the answer: 200, and the event waits for the sweep", async () => {
    vi.spyOn(User, "findOneAndUpdate").mockImplementationOnce(
      () => ({ lean: () => Promise.reject(new mongoose.mongo.MongoNetworkError("connection reset")) }) as never,
    );
    const res = await postDelivery(paid());
    expect(res.status).toBe(200);
    const waiting = await stored();
    expect(waiting).toMatchObject({ status: "received", attempts: 1, leaseOwner: null, leaseUntil: null });
    expect(waiting!.error).toMatch(/MongoNetworkError/);
    expect(waiting!.nextAttemptAt.getTime()).toBeGreaterThan(Date.now());
  });
});

describe("duplicates", () => {
  it("a duplicate of an applied event answers 200 and does no work", async () => {
    await postDelivery(paid());
    const before = await stored();
    const again = await answerOnly(paid());
    expect(again).toEqual({ status: 200, body: { ok: true, outcome: "duplicate" } });
    expect(await stored()).toEqual(before);
  });

  it("a duplicate of an event whose first delivery died before applying it gets it applied", async () => {
    // The first instance stored it, answered, and died before its after() ran.
    expect((await answerOnly(paid())).status).toBe(200);
    expect(await plan()).toBeUndefined();
    const redelivery = await postDelivery(paid());
    expect(redelivery.body.outcome).toBe("redelivered");
    expect(await stored()).toMatchObject({ status: "processed", attempts: 1 });
    expect(await plan()).toBe("pro");
  });
});

describe("the lease", () => {
  it("a live lease keeps a second applier out; once it has ended, the event is taken over", async () => {
    await answerOnly(paid());
    // Another instance holds it (alive): neither a redelivery nor the sweep applies it meanwhile.
    await WebhookEvent.updateOne({ _id: "wh_paid" }, { $set: { leaseOwner: "other-instance", leaseUntil: new Date(Date.now() + LEASE_MS), nextAttemptAt: new Date(0) } });
    expect(await applyInboxEvent("wh_paid", { dueOnly: false })).toBe("busy");
    expect(await sweepDueEvents({ limit: 10, deadline: Date.now() + 10_000 })).toMatchObject({ busy: 1, applied: 0 });
    expect(await plan()).toBeUndefined();

    // That instance died: its lease runs out and the sweep takes the event over.
    await WebhookEvent.updateOne({ _id: "wh_paid" }, { $set: { leaseUntil: new Date(Date.now() - 1) } });
    expect(await sweepDueEvents({ limit: 10, deadline: Date.now() + 10_000 })).toMatchObject({ applied: 1 });
    expect(await stored()).toMatchObject({ status: "processed", leaseOwner: null });
    expect(await plan()).toBe("pro");
  });

  it("a holder whose lease was taken over cannot mark the event: the new holder's outcome stands", async () => {
    await answerOnly(paid());
    await WebhookEvent.updateOne({ _id: "wh_paid" }, { $set: { leaseOwner: "taken-over", leaseUntil: new Date(Date.now() + LEASE_MS) } });
    const { finishEvent } = await import("@/lib/webhooks/inbox");
    await finishEvent("wh_paid", "the-old-holder", "failed", "late");
    expect(await stored()).toMatchObject({ status: "received", leaseOwner: "taken-over" });
  });

  it("the sweep leaves fresh events to their delivery's after() and takes them once they are stale", async () => {
    await answerOnly(paid());
    expect(await sweepDueEvents({ limit: 10, deadline: Date.now() + 10_000 })).toMatchObject({ applied: 0, busy: 0 });
    const waiting = await stored();
    expect(waiting!.nextAttemptAt.getTime() - waiting!.receivedAt.getTime()).toBe(SWEEP_AFTER_MS);
    await WebhookEvent.updateOne({ _id: "wh_paid" }, { $set: { nextAttemptAt: new Date(Date.now() - 1) } });
    expect(await sweepDueEvents({ limit: 10, deadline: Date.now() + 10_000 })).toMatchObject({ applied: 1 });
  });
});

describe("retention", () => {
  it("deletes events received more than 90 days ago, payloads included, and keeps the rest", async () => {
    await postDelivery(paid());
    await postDelivery(deliver(event("checkout.created", checkoutWire({ id: "co_old", product: proProduct, email: dana.email })), SECRET, "wh_old"));
    await WebhookEvent.updateOne({ _id: "wh_old" }, { $set: { receivedAt: new Date(Date.now() - RETENTION_MS - 60_000) } });
    expect(await deleteExpiredEvents()).toBe(1);
    expect(await WebhookEvent.findById("wh_old").lean()).toBeNull();
    expect(await stored()).not.toBeNull();
  });
});
