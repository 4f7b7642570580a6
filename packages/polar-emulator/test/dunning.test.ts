import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DUNNING_RETRY_INTERVALS_MS, nextPaymentAttempt, pastDueDeadline } from "../src/dunning";
import { admin, createCheckout, pay, PRO_MONTHLY_ID, settled, startHarness, verified, waitFor, type Harness } from "./harness";

const DAY = 86_400_000;
const t0 = new Date("2026-03-01T12:00:00.000Z");
const days = (d: Date) => (d.getTime() - t0.getTime()) / DAY;

describe("Polar's dunning schedule", () => {
  it("retries 2, 7, 14 and 21 days after the first failure, then gives up", () => {
    let at = t0;
    const retries: number[] = [];
    for (let failed = 1; ; failed++) {
      const next = nextPaymentAttempt(failed, at, t0);
      if (!next) break;
      retries.push(days(next));
      at = next;
    }
    expect(retries).toEqual([2, 7, 14, 21]);
    expect(DUNNING_RETRY_INTERVALS_MS).toHaveLength(4);
  });

  it("gives up past the deadline (past_due_at + 21 days + 1 minute) whatever the count", () => {
    expect(pastDueDeadline(t0).getTime() - t0.getTime()).toBe(21 * DAY + 60_000);
    expect(nextPaymentAttempt(2, new Date(t0.getTime() + 21 * DAY), t0)).not.toBeNull();
    expect(nextPaymentAttempt(2, new Date(t0.getTime() + 21 * DAY + 60_001), t0)).toBeNull();
  });
});

describe("a declined renewal through dunning to revocation", () => {
  let h: Harness;
  let subId: string;
  let token: string;
  let portalUrl: string;
  const email = "dunning@example.com";

  beforeAll(async () => {
    h = await startHarness();
    await pay((await createCheckout(h.polar, email, PRO_MONTHLY_ID)).url);
    const [sub] = (await h.polar.subscriptions.list({ externalCustomerId: email })).result.items;
    if (!sub) throw new Error("no subscription bought");
    subId = sub.id;
    await waitFor("the purchase's events", () => h.receiver.received.some((r) => r.type === "customer.state_changed"));
    const session = await h.polar.customerSessions.create({ externalCustomerId: email });
    portalUrl = session.customerPortalUrl;
    token = new URL(portalUrl).searchParams.get("customer_session_token") ?? "";
  });
  afterAll(async () => {
    await h.stop();
  });

  const portal = async () => (await (await fetch(portalUrl)).text()).replace(/\s+/g, " ");
  const post = (action: string) =>
    fetch(`${h.emulator.url}/portal/subscriptions/${subId}/${action}`, { method: "POST", body: new URLSearchParams({ customer_session_token: token }), redirect: "manual" });
  const dateIn = (from: string, d: number) => new Date(Date.parse(from) + d * DAY).toISOString().slice(0, 10);

  it("schedules each retry on Polar's days, sends nothing for a declined retry, and revokes after the last", async () => {
    expect((await post("renew-failing")).headers.get("location")).toContain("notice=renewal-failed");
    await waitFor("past_due", () => h.receiver.received.some((r) => r.type === "subscription.past_due"));
    // The benefits' revocation and the state follow past_due: let them arrive before counting.
    await settled(h);
    const pastDue = h.receiver.received.find((r) => r.type === "subscription.past_due")!;
    const failedAt = String(pastDue.data.modified_at);
    expect(await portal()).toContain(`past_due, retry 1 of 4 on ${dateIn(failedAt, 2)}`);
    expect(await portal()).toContain(">Next retry, declined</button>");

    for (const [retry, day] of [[2, 7], [3, 14], [4, 21]] as const) {
      const before = h.receiver.received.length;
      expect((await post("retry-declined")).headers.get("location")).toContain("notice=retry-declined");
      expect(await portal()).toContain(`past_due, retry ${retry} of 4 on ${dateIn(failedAt, day)}`);
      await new Promise((r) => setTimeout(r, 100));
      expect(h.receiver.received.length).toBe(before); // Polar emits nothing for a declined retry
    }
    expect((await h.polar.subscriptions.get({ id: subId })).status).toBe("past_due");

    const before = h.receiver.received.length;
    expect((await post("retry-declined")).headers.get("location")).toContain("notice=dunning-over");
    await waitFor("the revocation", () => h.receiver.received.length >= before + 4);
    const events = h.receiver.received.slice(before);
    expect(events.map((e) => e.type)).toEqual(["subscription.updated", "subscription.canceled", "subscription.revoked", "customer.state_changed"]);
    for (const e of events) expect(verified(e).type).toBe(e.type);
    expect(events[2]?.data).toMatchObject({ id: subId, status: "canceled" });
    expect(events[2]?.data.ended_at).not.toBeNull();
    expect(events[3]?.data).toMatchObject({ active_subscriptions: [] });
    // The renewal order stays unpaid, and a revoked subscription has nothing left to retry.
    const unpaid = (await h.polar.orders.list({ externalCustomerId: email })).result.items.find((o) => o.billingReason === "subscription_cycle");
    expect(unpaid?.status).toBe("pending");
    expect((await admin(h.emulator.url, `/admin/subscriptions/${subId}/retry-declined`, {})).status).toBe(409);
  });
});
