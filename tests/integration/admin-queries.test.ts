import { beforeEach, describe, expect, it } from "vitest";
import { countCustomersByPlan, eventsNeedingAttention, loadWebhookHealth, searchEvents } from "@/lib/admin/queries";
import { User } from "@/models/User";
import { WebhookEvent, type WebhookEventStatus } from "@/models/WebhookEvent";
import { clearCollections, setupTestDatabase } from "../helpers/db";

setupTestDatabase(import.meta.url);
beforeEach(clearCollections);

const now = new Date("2026-11-27T12:00:00Z");
const ago = (minutes: number) => new Date(now.getTime() - minutes * 60_000);

async function stored(id: string, fields: Partial<{ type: string; status: WebhookEventStatus; receivedAt: Date; processedAt: Date | null; payload: string }>) {
  await WebhookEvent.create({
    _id: id,
    type: fields.type ?? "order.paid",
    status: fields.status ?? "processed",
    receivedAt: fields.receivedAt ?? ago(5),
    processedAt: fields.processedAt ?? null,
    payload: fields.payload ?? "{}",
  });
}

describe("the operator page's queries on the real database", () => {
  it("counts a paid plan whose period ended as Free (and as lapsed), an open-ended one as paid, whatever the tier", async () => {
    await User.create([
      { email: "open@example.com", subscriptionStatus: "pro", planUntil: null },
      { email: "current@example.com", subscriptionStatus: "business", planUntil: new Date(now.getTime() + 86_400_000) },
      { email: "ended@example.com", subscriptionStatus: "pro", planUntil: ago(1) },
      { email: "free@example.com" },
    ]);
    expect(await countCustomersByPlan(now)).toEqual({ paid: 2, free: 2, lapsed: 1 });
  });

  it("finds events by the customer's email in the payload, taken literally (no regex from the form)", async () => {
    await stored("wh_a", { payload: JSON.stringify({ data: { customer_email: "a.b+x@example.com" } }) });
    await stored("wh_b", { payload: JSON.stringify({ data: { customer_email: "aXb+x@example.com" } }) });
    expect((await searchEvents({ email: "A.B+x@example.com" })).map((e) => e.webhookId)).toEqual(["wh_a"]);
    expect((await searchEvents({ email: ".*" })).map((e) => e.webhookId)).toEqual([]);
    expect((await searchEvents({ webhookId: "wh_b", type: "order.paid" })).map((e) => e.webhookId)).toEqual(["wh_b"]);
    expect(await searchEvents({ webhookId: "wh_b", type: "checkout.created" })).toEqual([]);
  });

  it("lists failed and unapplied events, newest first, and summarizes the day from the inbox", async () => {
    await stored("wh_old_failed", { status: "failed", receivedAt: ago(30) });
    await stored("wh_new_received", { status: "received", receivedAt: ago(2) });
    await stored("wh_done", { status: "processed", receivedAt: ago(3), processedAt: new Date(ago(3).getTime() + 250) });
    await stored("wh_yesterday", { status: "processed", receivedAt: ago(25 * 60), processedAt: ago(25 * 60) });
    expect((await eventsNeedingAttention()).map((e) => e.webhookId)).toEqual(["wh_new_received", "wh_old_failed"]);
    const health = await loadWebhookHealth(now);
    expect(health).toMatchObject({ deliveries: 3, failed: 1, stuck: 1, lagMsP50: 250, truncated: false });
    expect(health.lastDeliveryAt).toEqual(ago(2));
  });
});
