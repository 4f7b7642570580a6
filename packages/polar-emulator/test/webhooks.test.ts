import { WebhookVerificationError, validateEvent } from "@polar-sh/sdk/webhooks";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { admin, createCheckout, pay, PRO_ID, PRO_MONTHLY_ID, SECRET, startHarness, SUCCESS_URL, waitFor, type Harness } from "./harness";

/**
 * Every event type these purchases emit, from the brief (plus customer.updated, see below,
 * customer.state_changed after each subscription change, and the benefit grants of the seeded
 * products: granted by the purchases, revoked with the subscription).
 */
const EXPECTED_TYPES = [
  "benefit_grant.created",
  "benefit_grant.revoked",
  "checkout.created",
  "checkout.updated",
  "checkout.expired",
  "customer.created",
  "customer.updated",
  "customer.state_changed",
  // Each new customer's owner (Polar's member model, on for the emulated organization).
  "member.created",
  "order.created",
  "order.updated",
  "order.paid",
  "order.refunded",
  "refund.created",
  "subscription.created",
  "subscription.active",
  "subscription.updated",
  "subscription.canceled",
  "subscription.revoked",
].sort();

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  const { polar, emulator } = h;

  // checkout.created, then checkout.updated (expired) + checkout.expired
  const abandoned = await createCheckout(polar, "abandoned@example.com");
  expect((await admin(emulator.url, `/admin/checkouts/${abandoned.id}/expire`, {})).status).toBe(200);

  // A one-time purchase, then its refund from the portal.
  const email = "every-event@example.com";
  await pay((await createCheckout(polar, email)).url);
  // A subscription, canceled at period end, then revoked.
  await pay((await createCheckout(polar, email, PRO_MONTHLY_ID)).url);
  const session = await polar.customerSessions.create({ externalCustomerId: email });
  const token = new URL(session.customerPortalUrl).searchParams.get("customer_session_token") ?? "";
  const [order] = (await polar.orders.list({ externalCustomerId: email, productId: PRO_ID })).result.items;
  const [sub] = (await polar.subscriptions.list({ externalCustomerId: email })).result.items;
  const form = (path: string) =>
    fetch(`${emulator.url}${path}`, { method: "POST", body: new URLSearchParams({ customer_session_token: token }), redirect: "manual" });
  expect((await form(`/portal/orders/${order?.id}/refund`)).status).toBe(303);
  expect((await form(`/portal/subscriptions/${sub?.id}/cancel`)).status).toBe(303);
  expect((await form(`/portal/subscriptions/${sub?.id}/revoke`)).status).toBe(303);

  // customer.updated: a customer first known by email only gets the external id of a later
  // checkout with the same email (Polar's linking by email).
  const anonymous = await polar.checkouts.create({ products: [PRO_ID], customerEmail: "linked@example.com", successUrl: SUCCESS_URL });
  await pay(anonymous.url);
  await pay((await createCheckout(polar, "linked@example.com")).url);

  // The last Pay redirected once its final event was delivered, and first attempts go out in
  // emission order, so everything has arrived by now; the wait is only a safety net.
  await waitFor("every event type", () => {
    const types = new Set(h.receiver.received.map((r) => r.type));
    return EXPECTED_TYPES.every((t) => types.has(t));
  });
});
afterAll(async () => {
  await h.stop();
});

describe("webhooks as Polar signs and shapes them", () => {
  it("emits every expected type, and no other", () => {
    expect([...new Set(h.receiver.received.map((r) => r.type))].sort()).toEqual(EXPECTED_TYPES);
  });

  it("every delivery passes the SDK's validateEvent with the same secret string", () => {
    expect(h.receiver.received.length).toBeGreaterThan(25);
    for (const r of h.receiver.received) {
      const event = validateEvent(r.body, r.headers, SECRET);
      expect(event.type).toBe(r.type);
      expect(event.timestamp).toBeInstanceOf(Date);
    }
  });

  it("a wrong secret fails every delivery with WebhookVerificationError", () => {
    for (const r of h.receiver.received) {
      expect(() => validateEvent(r.body, r.headers, `${SECRET}x`)).toThrow(WebhookVerificationError);
    }
  });

  it("the key is the secret's raw UTF-8 bytes: standardwebhooks given the secret itself disagrees", () => {
    const [first] = h.receiver.received;
    if (!first) throw new Error("nothing received");
    const right = new Webhook(Buffer.from(SECRET, "utf-8").toString("base64"));
    expect(right.verify(first.body, first.headers)).toBeTruthy();
    // `new Webhook("whsec_...")` strips the prefix and base64-decodes the rest: another key.
    expect(() => new Webhook(SECRET).verify(first.body, first.headers)).toThrow();
  });

  it("headers and body are Polar's", () => {
    const now = Math.floor(Date.now() / 1000);
    for (const r of h.receiver.received) {
      expect(r.headers["content-type"]).toBe("application/json");
      expect(r.headers["user-agent"]).toBe("polar.sh webhooks");
      expect(r.headers["webhook-id"]).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(Math.abs(Number(r.headers["webhook-timestamp"]) - now)).toBeLessThan(60);
      const body = JSON.parse(r.body) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(["data", "timestamp", "type"]);
      expect(new Date(body.timestamp as string).toISOString()).toBe(body.timestamp);
    }
    // snake_case on the wire, the customer embedded with its external id
    const orderCreated = h.receiver.received.find((r) => r.type === "order.created");
    expect(orderCreated?.data).toMatchObject({ status: "paid", checkout_id: expect.any(String), customer: { external_id: "every-event@example.com" } });
    expect(orderCreated?.body).not.toMatch(/"checkoutId"|"externalId"|"createdAt"/);
  });

  it("expiry sends checkout.updated (expired) then checkout.expired", () => {
    const expiry = h.receiver.received.filter((r) => r.data.customer_email === "abandoned@example.com").map((r) => `${r.type}:${String(r.data.status)}`);
    expect(expiry).toEqual(["checkout.created:open", "checkout.updated:expired", "checkout.expired:expired"]);
  });

  it("refund, cancel and revoke carry Polar's states", () => {
    const of = (type: string) => h.receiver.received.filter((r) => r.type === type).map((r) => r.data);
    expect(of("refund.created")[0]).toMatchObject({ status: "succeeded", amount: 999, reason: "customer_request" });
    expect(of("order.refunded")[0]).toMatchObject({ status: "refunded", refunded_amount: 999 });
    expect(of("subscription.canceled")[0]).toMatchObject({ status: "active", cancel_at_period_end: true, ended_at: null });
    expect(of("subscription.revoked")[0]).toMatchObject({ status: "canceled", ended_at: expect.any(String) });
    const updates = of("subscription.updated");
    expect(updates.map((d) => d.status)).toEqual(["active", "canceled"]);
  });

  it("linking by email sets the external id with customer.updated, not a second customer", () => {
    const linked = h.receiver.received.filter((r) => (r.type === "customer.created" || r.type === "customer.updated") && r.data.email === "linked@example.com");
    expect(linked.map((r) => `${r.type}:${String(r.data.external_id)}`)).toEqual(["customer.created:null", "customer.updated:linked@example.com"]);
  });
});
