import { afterEach, describe, expect, it } from "vitest";
import { retryDelayMs, type DeliveryLog, type EndpointState, type DeliverySettings } from "../src/delivery";
import { admin, createCheckout, pay, PRO_MONTHLY_ID, startHarness, verified, waitFor, type Harness } from "./harness";

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

interface DeliveriesJson {
  endpoint: EndpointState;
  settings: DeliverySettings;
  deliveries: DeliveryLog[];
}

async function deliveries(emulatorUrl: string): Promise<DeliveriesJson> {
  const res = await admin(emulatorUrl, "/admin/deliveries.json");
  expect(res.status).toBe(200);
  return (await res.json()) as DeliveriesJson;
}

/** The delivery's log once it is delivered, given up or skipped. */
function settled(emulatorUrl: string, webhookId: string): Promise<DeliveryLog> {
  return waitFor(`delivery ${webhookId} to settle`, async () => {
    const d = (await deliveries(emulatorUrl)).deliveries.find((x) => x.webhookId === webhookId);
    return d && ["delivered", "failed", "skipped"].includes(d.status) ? d : undefined;
  });
}

describe("Polar's retry schedule", () => {
  it("is min(2 s * 2^(n-1), 20 min) after failed attempt n, jittered into [d/2, d], times retryScale", () => {
    expect(retryDelayMs(1, 1, () => 1)).toBe(2_000);
    expect(retryDelayMs(1, 1, () => 0)).toBe(1_000);
    expect(retryDelayMs(5, 1, () => 1)).toBe(32_000);
    expect(retryDelayMs(10, 1, () => 1)).toBe(1_024_000);
    expect(retryDelayMs(11, 1, () => 1)).toBe(1_200_000);
    expect(retryDelayMs(30, 1, () => 0.5)).toBe(900_000);
    expect(retryDelayMs(3, 0.001, () => 1)).toBe(8);
  });
});

describe("retries, giving up, disabling the endpoint", () => {
  it("retries with the same webhook-id and identical body until a 2xx", async () => {
    h = await startHarness();
    h.receiver.respond = (_r, nth) => ({ status: nth <= 2 ? 500 : 200 });
    await createCheckout(h.polar, "retry@example.com");
    const got = await waitFor("three requests", () => h?.receiver.received.length === 3 && h.receiver.received);
    const ids = new Set(got.map((r) => r.headers["webhook-id"]));
    expect(ids.size).toBe(1);
    expect(new Set(got.map((r) => r.body)).size).toBe(1);
    for (const r of got) expect(verified(r).type).toBe("checkout.created");

    const [id] = ids;
    const log = await settled(h.emulator.url, id ?? "");
    expect(log.status).toBe("delivered");
    expect(log.attempts.map((a) => [a.attempt, a.status, a.ok])).toEqual([
      [1, 500, false],
      [2, 500, false],
      [3, 200, true],
    ]);
    // No fourth request once answered.
    await new Promise((r) => setTimeout(r, 100));
    expect(h.receiver.received).toHaveLength(3);
  });

  it("counts 3xx and timeouts as failures", async () => {
    h = await startHarness({ deliveryTimeoutMs: 200 });
    h.receiver.respond = (_r, nth) => (nth === 1 ? { status: 302 } : nth === 2 ? { status: 200, delayMs: 1_000 } : { status: 204 });
    await createCheckout(h.polar, "redirects@example.com");
    const [first] = await waitFor("a request", () => h?.receiver.received.length && h.receiver.received);
    const log = await settled(h.emulator.url, first?.headers["webhook-id"] ?? "");
    expect(log.status).toBe("delivered");
    expect(log.attempts.map((a) => a.status)).toEqual([302, null, 204]);
    expect(log.attempts[1]?.error).toMatch(/timed out after 200 ms/);
  });

  it("gives up after 10 attempts and records it", async () => {
    h = await startHarness();
    h.receiver.respond = () => ({ status: 500 });
    await createCheckout(h.polar, "give-up@example.com");
    const [first] = await waitFor("a request", () => h?.receiver.received.length && h.receiver.received);
    const log = await settled(h.emulator.url, first?.headers["webhook-id"] ?? "");
    expect(log.status).toBe("failed");
    expect(log.note).toBe("gave up after 10 attempts");
    expect(log.attempts).toHaveLength(10);
    expect(h.receiver.received).toHaveLength(10);
    expect(new Set(h.receiver.received.map((r) => r.body)).size).toBe(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(h.receiver.received).toHaveLength(10);
  });

  it("disables the endpoint after the 10 most recent events all failed; admin re-enables it", async () => {
    h = await startHarness({ retryScale: 0.0001 });
    h.receiver.respond = () => ({ status: 503 });
    for (let i = 0; i < 10; i++) await createCheckout(h.polar, `down-${i}@example.com`);
    const url = h.emulator.url;
    await waitFor("100 failed attempts", () => h?.receiver.received.length === 100, 15_000);
    const state = await waitFor("the endpoint to be disabled", async () => {
      const s = await deliveries(url);
      return !s.endpoint.enabled && s;
    });
    expect(state.deliveries.filter((d) => d.status === "failed")).toHaveLength(10);
    expect(state.deliveries.every((d) => d.note === "gave up after 10 attempts")).toBe(true);
    expect(state.endpoint.disabledReason).toMatch(/10 most recent events all failed/);
    // As Polar's API shows it: `enabled: false` on the endpoint.
    const [endpoint] = (await h.polar.webhooks.listWebhookEndpoints({})).result.items;
    expect(endpoint?.enabled).toBe(false);

    // Disabled: nothing is sent, and the event is recorded as skipped.
    h.receiver.respond = () => ({ status: 200 });
    await createCheckout(h.polar, "while-disabled@example.com");
    const skipped = await waitFor("the skipped event", async () => (await deliveries(url)).deliveries.find((x) => x.status === "skipped"));
    expect(skipped?.note).toMatch(/disabled/);
    expect(skipped?.attempts).toEqual([]);
    expect(h.receiver.received).toHaveLength(100);
    expect((await admin(url, "/admin/deliveries")).status).toBe(200);

    expect((await admin(url, "/admin/endpoint/enable", {})).status).toBe(200);
    expect((await deliveries(url)).endpoint.enabled).toBe(true);
    await createCheckout(h.polar, "after-enable@example.com");
    const after = await waitFor("a delivery after re-enabling", () => h?.receiver.received[100]);
    expect(verified(after).type).toBe("checkout.created");
    expect(h.receiver.received).toHaveLength(101);
  });
});

describe("test switches", () => {
  it("duplicateRate 1 sends every event twice, same webhook-id and body", async () => {
    h = await startHarness({ settings: { duplicateRate: 1 } });
    const checkout = await createCheckout(h.polar, "dup@example.com");
    await pay(checkout.url);
    // checkout.created + the 10 events of a one-time Pay (the owner member, two benefit grants and the state among them), each twice
    const got = await waitFor("22 requests", () => h?.receiver.received.length === 22 && h.receiver.received);
    const byId = new Map<string, string[]>();
    for (const r of got) byId.set(r.headers["webhook-id"] ?? "", [...(byId.get(r.headers["webhook-id"] ?? "") ?? []), r.body]);
    expect(byId.size).toBe(11);
    for (const bodies of byId.values()) {
      expect(bodies).toHaveLength(2);
      expect(bodies[0]).toBe(bodies[1]);
    }
    for (const r of got) verified(r);
  });

  it("delayMs holds every delivery back, set at runtime through /admin/settings", async () => {
    h = await startHarness();
    const set = await admin(h.emulator.url, "/admin/settings", { delayMs: 400 });
    expect(await set.json()).toEqual({ delayMs: 400, duplicateRate: 0, shuffleWindow: 0, dropFirstAttempt: false });
    expect(await (await admin(h.emulator.url, "/admin/settings")).json()).toMatchObject({ delayMs: 400 });
    const started = Date.now();
    await createCheckout(h.polar, "slow@example.com");
    const [first] = await waitFor("the delayed delivery", () => h?.receiver.received.length && h.receiver.received);
    expect((first?.at ?? 0) - started).toBeGreaterThanOrEqual(380);
  });

  it("dropFirstAttempt fails the first attempt without sending it, so the event is retried", async () => {
    h = await startHarness({ settings: { dropFirstAttempt: true } });
    await createCheckout(h.polar, "drop@example.com");
    const [first] = await waitFor("the retried delivery", () => h?.receiver.received.length && h.receiver.received);
    const log = await settled(h.emulator.url, first?.headers["webhook-id"] ?? "");
    expect(log.status).toBe("delivered");
    expect(log.attempts.map((a) => [a.attempt, a.status, a.error === null])).toEqual([
      [1, null, false],
      [2, 200, true],
    ]);
    expect(log.attempts[0]?.error).toMatch(/dropped/);
    expect(h.receiver.received).toHaveLength(1);
  });

  it("shuffleWindow reorders a burst of events, and every event still arrives once", async () => {
    h = await startHarness({ settings: { shuffleWindow: 8 } });
    const checkout = await createCheckout(h.polar, "shuffle@example.com", PRO_MONTHLY_ID);
    await waitFor("checkout.created", () => h?.receiver.received.length === 1);
    const emitted = [
      "checkout.updated",
      "member.created",
      "customer.created",
      "subscription.created",
      "order.created",
      "order.updated",
      "order.paid",
      "subscription.active",
      "benefit_grant.created",
      "benefit_grant.created",
      "customer.state_changed",
      "checkout.updated",
    ];
    await pay(checkout.url);
    const got = await waitFor("the 12 events of a subscription Pay", () => h?.receiver.received.length === 13 && h.receiver.received.slice(1));
    expect(got.map((r) => r.type).sort()).toEqual([...emitted].sort());
    // Millions of orders are possible; the emitted one coming back is vanishingly unlikely.
    expect(got.map((r) => r.type)).not.toEqual(emitted);
  });

  it("rejects invalid settings", async () => {
    h = await startHarness();
    expect((await admin(h.emulator.url, "/admin/settings", { duplicateRate: 2 })).status).toBe(422);
    expect((await admin(h.emulator.url, "/admin/settings", { nonsense: true })).status).toBe(422);
  });
});
