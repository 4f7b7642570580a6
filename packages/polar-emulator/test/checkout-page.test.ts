import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startPolarEmulator } from "../src/index";
import {
  checkoutEvents,
  admin,
  createCheckout,
  label,
  pay,
  PRO_ID,
  PRO_MONTHLY_ID,
  SECRET,
  startHarness,
  startReceiver,
  TOKEN,
  verified,
  waitFor,
  type Harness,
  type Received,
} from "./harness";
import { Polar } from "@polar-sh/sdk";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

/** The requests received for one checkout (customer events included), from `from` on. */
const sequence = (checkoutId: string, from: number) => checkoutEvents(h.receiver.received.slice(from), checkoutId);

const successUrl = (id: string) => `http://localhost:3000/confirmation?checkout_id=${id}`;

describe("the hosted checkout page", () => {
  it("shows the product, the price, the email, a prefilled card field and a Pay button", async () => {
    const checkout = await createCheckout(h.polar, "page@example.com");
    const res = await fetch(checkout.url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain("<h1>Pro</h1>");
    expect(html).toContain("$9.99");
    expect(html).toContain('value="page@example.com"');
    expect(html).toMatch(/<label for="card_number">Card number<\/label>\s*<input id="card_number"[^>]*value="4242 4242 4242 4242"/);
    expect(html).toMatch(/<button type="submit">Pay<\/button>/);
    expect(html).toContain(":focus-visible");
    expect(html).not.toContain("<script");
  });

  it("a one-time Pay emits Polar's sequence, then redirects (303) to success_url with the id", async () => {
    const email = "one-time@example.com";
    const checkout = await createCheckout(h.polar, email);
    await waitFor("checkout.created", () => h.receiver.received.some((r) => r.type === "checkout.created" && r.data.id === checkout.id));
    const from = h.receiver.received.length;
    const res = await pay(checkout.url);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(successUrl(checkout.id));
    // Delivered in order, and the redirect waited for the last one: all are here already.
    const got = sequence(checkout.id, from);
    expect(got.map(label)).toEqual([
      "checkout.updated(confirmed)",
      "customer.created",
      "order.created",
      "order.updated",
      "order.paid",
      "customer.state_changed",
      "checkout.updated(succeeded)",
    ]);
    for (const r of got) verified(r);
    // The new customer's owner member (member.created) comes with the customer: Polar's member
    // model, on for every new organization.
    const everything = h.receiver.received.slice(from);
    expect(everything.map(label).slice(0, 3)).toEqual(["checkout.updated(confirmed)", "member.created", "customer.created"]);
    expect(everything[1]?.data).toMatchObject({ role: "owner", email, external_id: email, customer_id: got[1]?.data.id });
    // The one-time order grants Pro's benefits (Polar's grant jobs) to the owner, then the customer's state.
    expect(everything.map(label).slice(6, 9)).toEqual(["benefit_grant.created", "benefit_grant.created", "customer.state_changed"]);
    for (const r of everything) verified(r);
    expect(everything[6]?.data).toMatchObject({
      order_id: expect.any(String),
      subscription_id: null,
      is_granted: true,
      benefit: { type: "feature_flag" },
      member_id: everything[1]?.data.id,
      member: { role: "owner", email },
    });
    const orderEvents = got.filter((r) => r.type.startsWith("order."));
    for (const r of orderEvents) {
      expect(r.data).toMatchObject({ status: "paid", paid: true, checkout_id: checkout.id, product_id: PRO_ID, customer: { email, external_id: email } });
    }
    expect(got[1]?.data).toMatchObject({ email, external_id: email });
    // Each event of the sequence is newer than the one before it.
    const modified = orderEvents.slice(1).map((r) => Date.parse(String(r.data.modified_at)));
    expect(modified[1]).toBeGreaterThan(modified[0] ?? Infinity);
    expect((await h.polar.checkouts.get({ id: checkout.id })).status).toBe("succeeded");

    // Paying again is not possible; the page says it is paid, a second POST just redirects.
    expect(await (await fetch(checkout.url)).text()).toContain("Payment successful");
    const again = await pay(checkout.url);
    expect(again.status).toBe(303);
    expect(h.receiver.received.slice(from)).toHaveLength(everything.length);
  });

  it("a subscription Pay adds subscription.created and subscription.active; a returning customer gets no customer.created", async () => {
    const email = "recurring@example.com";
    await pay((await createCheckout(h.polar, email)).url);
    const checkout = await createCheckout(h.polar, email, PRO_MONTHLY_ID);
    await waitFor("checkout.created", () => h.receiver.received.some((r) => r.type === "checkout.created" && r.data.id === checkout.id));
    const from = h.receiver.received.length;
    const res = await pay(checkout.url);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(successUrl(checkout.id));
    const got = sequence(checkout.id, from);
    expect(got.map(label)).toEqual([
      "checkout.updated(confirmed)",
      "subscription.created",
      "order.created",
      "order.updated",
      "order.paid",
      "subscription.active",
      "customer.state_changed",
      "checkout.updated(succeeded)",
    ]);
    for (const r of got) verified(r);
    const everything = h.receiver.received.slice(from).map(label);
    expect(everything.slice(everything.indexOf("subscription.active"))).toEqual([
      "subscription.active",
      "benefit_grant.created",
      "benefit_grant.created",
      "customer.state_changed",
      "checkout.updated(succeeded)",
    ]);
    const sub = got.find((r) => r.type === "subscription.active")?.data;
    expect(sub).toMatchObject({ status: "active", product_id: PRO_MONTHLY_ID, recurring_interval: "month", cancel_at_period_end: false });
    expect(got.find((r) => r.type === "order.paid")?.data).toMatchObject({ subscription_id: sub?.id, billing_reason: "subscription_create" });
  });

  it("a declined card: checkout.updated (confirmed), checkout.updated (open), and the page says so; a retry pays", async () => {
    const checkout = await createCheckout(h.polar, "declined@example.com");
    await waitFor("checkout.created", () => h.receiver.received.some((r) => r.type === "checkout.created" && r.data.id === checkout.id));
    const from = h.receiver.received.length;
    const res = await pay(checkout.url, "4000 0000 0000 0002");
    expect(res.status).toBe(402);
    const html = await res.text();
    expect(html).toContain("Your card was declined.");
    expect(html).toContain('role="alert"');
    expect(html).toContain(">Pay</button>");
    const got = await waitFor("two checkout.updated", () => {
      const s = sequence(checkout.id, from);
      return s.length >= 2 && s;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(sequence(checkout.id, from).map(label)).toEqual(["checkout.updated(confirmed)", "checkout.updated(open)"]);
    for (const r of got) verified(r);
    expect((await h.polar.checkouts.get({ id: checkout.id })).status).toBe("open");

    const retry = await pay(checkout.url);
    expect(retry.status).toBe(303);
    expect((await h.polar.checkouts.get({ id: checkout.id })).status).toBe("succeeded");
  });

  it("an invalid card number is refused without any event", async () => {
    const checkout = await createCheckout(h.polar, "typo@example.com");
    await waitFor("checkout.created", () => h.receiver.received.some((r) => r.type === "checkout.created" && r.data.id === checkout.id));
    const from = h.receiver.received.length;
    const res = await pay(checkout.url, "4242 4242 4242 4241");
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("Your card number is invalid.");
    await new Promise((r) => setTimeout(r, 100));
    expect(sequence(checkout.id, from)).toEqual([]);
  });

  it("an expired checkout (admin switch) sends checkout.updated + checkout.expired and cannot be paid", async () => {
    const checkout = await createCheckout(h.polar, "expired@example.com");
    const from = h.receiver.received.length;
    const res = await admin(h.emulator.url, `/admin/checkouts/${checkout.id}/expire`, {});
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: checkout.id, status: "expired" });
    expect((await admin(h.emulator.url, `/admin/checkouts/${checkout.id}/expire`, {})).status).toBe(409);
    const page = await fetch(checkout.url);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain("expired");
    expect((await pay(checkout.url)).status).toBe(410);
    await waitFor("the expiry events", () => h.receiver.received.slice(from).some((r) => r.type === "checkout.expired"));
    expect(sequence(checkout.id, from).map((r) => `${r.type}:${String(r.data.status)}`)).toEqual([
      "checkout.created:open",
      "checkout.updated:expired",
      "checkout.expired:expired",
    ]);
  });
});

describe("the redirect waits for the checkout.updated (succeeded) webhook, within redirectWaitMs", () => {
  let slow: Harness;
  afterEach(async () => {
    await slow.stop();
  });
  const isSucceeded = (r: Received) => r.type === "checkout.updated" && r.data.status === "succeeded";

  it("waits while the receiver takes its time to answer", async () => {
    slow = await startHarness({ redirectWaitMs: 10_000 });
    slow.receiver.respond = (r) => ({ status: 200, delayMs: isSucceeded(r) ? 1_200 : 0 });
    const checkout = await createCheckout(slow.polar, "slow-receiver@example.com");
    const started = Date.now();
    const res = await pay(checkout.url);
    const took = Date.now() - started;
    expect(res.status).toBe(303);
    expect(took).toBeGreaterThanOrEqual(1_150);
    expect(took).toBeLessThan(5_000);
  });

  it("but not longer than redirectWaitMs", async () => {
    slow = await startHarness({ redirectWaitMs: 500 });
    slow.receiver.respond = (r) => ({ status: 200, delayMs: isSucceeded(r) ? 4_000 : 0 });
    const checkout = await createCheckout(slow.polar, "hung-receiver@example.com");
    const started = Date.now();
    const res = await pay(checkout.url);
    const took = Date.now() - started;
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(successUrl(checkout.id));
    expect(took).toBeGreaterThanOrEqual(450);
    expect(took).toBeLessThan(2_500);
  });

  it("a failing receiver does not keep the customer either", async () => {
    slow = await startHarness({ redirectWaitMs: 600, retryScale: 1 });
    slow.receiver.respond = () => ({ status: 500 });
    const checkout = await createCheckout(slow.polar, "failing-receiver@example.com");
    const started = Date.now();
    expect((await pay(checkout.url)).status).toBe(303);
    expect(Date.now() - started).toBeLessThan(2_500);
  });
});

describe("the customer portal", () => {
  it("lists orders and subscriptions; Refund, Cancel and Revoke now emit Polar's events", async () => {
    const email = "portal@example.com";
    await pay((await createCheckout(h.polar, email)).url);
    await pay((await createCheckout(h.polar, email, PRO_MONTHLY_ID)).url);
    const session = await h.polar.customerSessions.create({ externalCustomerId: email, returnUrl: "http://localhost:3000/account" });
    const portalUrl = session.customerPortalUrl;
    const token = new URL(portalUrl).searchParams.get("customer_session_token") ?? "";
    const html = await (await fetch(portalUrl)).text();
    expect(html).toContain('href="http://localhost:3000/account"');
    expect(html).toContain("Pro Monthly");
    expect(html).toMatch(/>Refund<\/button>/);
    expect(html).toMatch(/>Cancel<\/button>/);
    expect(html).toMatch(/>Revoke now<\/button>/);

    const [order] = (await h.polar.orders.list({ externalCustomerId: email, productId: PRO_ID })).result.items;
    const [sub] = (await h.polar.subscriptions.list({ externalCustomerId: email })).result.items;
    const act = async (path: string) => {
      const from = h.receiver.received.length;
      const res = await fetch(`${h.emulator.url}${path}`, { method: "POST", body: new URLSearchParams({ customer_session_token: token }), redirect: "manual" });
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toMatch(new RegExp(`^${h.emulator.url}/portal\\?customer_session_token=`));
      return from;
    };
    // Each subscription change ends with customer.state_changed (the customer's whole state).
    const split = (events: Received[]) => [events.filter((r) => r.type !== "customer.state_changed"), events.filter((r) => r.type === "customer.state_changed")] as const;
    const since = (from: number, n: number) => waitFor(`${n} events`, () => h.receiver.received.length >= from + n && h.receiver.received.slice(from));

    const refunded = await since(await act(`/portal/orders/${order?.id}/refund`), 3);
    expect(refunded.map((r) => `${r.type}:${String(r.data.status)}`)).toEqual(["refund.created:succeeded", "order.updated:refunded", "order.refunded:refunded"]);
    expect(refunded[0]?.data).toMatchObject({ order_id: order?.id, amount: 999 });

    const [canceled, canceledState] = split(await since(await act(`/portal/subscriptions/${sub?.id}/cancel`), 3));
    expect(canceled.map((r) => r.type)).toEqual(["subscription.updated", "subscription.canceled"]);
    expect(canceledState.map((r) => r.type)).toEqual(["customer.state_changed"]);
    for (const r of canceled) expect(r.data).toMatchObject({ id: sub?.id, status: "active", cancel_at_period_end: true, ends_at: expect.any(String), ended_at: null });

    // The revocation ends the subscription's grants (Pro Monthly's two benefits) before the state.
    const revokeEvents = await since(await act(`/portal/subscriptions/${sub?.id}/revoke`), 6);
    const grantsRevoked = revokeEvents.filter((r) => r.type.startsWith("benefit_grant."));
    expect(revokeEvents.map((r) => r.type).slice(3)).toEqual(["benefit_grant.revoked", "benefit_grant.revoked", "customer.state_changed"]);
    for (const r of grantsRevoked) expect(r.data).toMatchObject({ subscription_id: sub?.id, is_granted: false, is_revoked: true });
    const [revoked, revokedState] = split(revokeEvents.filter((r) => !r.type.startsWith("benefit_grant.")));
    expect(revoked.map((r) => r.type)).toEqual(["subscription.updated", "subscription.canceled", "subscription.revoked"]);
    expect(revokedState.map((r) => r.type)).toEqual(["customer.state_changed"]);
    for (const r of revoked) expect(r.data).toMatchObject({ id: sub?.id, status: "canceled", ended_at: expect.any(String) });
    for (const r of [...refunded, ...canceled, ...revoked]) verified(r);

    expect((await h.polar.orders.get({ id: order?.id ?? "" })).status).toBe("refunded");
    expect((await h.polar.customers.getStateExternal({ externalId: email })).activeSubscriptions).toEqual([]);
    const after = await (await fetch(portalUrl)).text();
    // Only the subscription's own order is still refundable; nothing is left to revoke.
    expect(after.match(/>Refund<\/button>/g)).toHaveLength(1);
    expect(after).not.toContain(">Revoke now</button>");
  });

  it("refuses a bad token", async () => {
    expect((await fetch(`${h.emulator.url}/portal?customer_session_token=polar_cst_nope`)).status).toBe(401);
  });
});

describe("admin", () => {
  it("reset clears checkouts, orders, customers and deliveries but keeps the products", async () => {
    const own = await startHarness();
    try {
      const checkout = await createCheckout(own.polar, "reset@example.com");
      await pay(checkout.url);
      const res = await admin(own.emulator.url, "/admin/reset", {});
      // The seed's seven products: the six plans and Team (seat-based).
      expect(await res.json()).toEqual({ reset: true, products: 7 });
      await expect(own.polar.checkouts.get({ id: checkout.id })).rejects.toThrow();
      await expect(own.polar.customers.getStateExternal({ externalId: "reset@example.com" })).rejects.toThrow();
      expect(((await (await admin(own.emulator.url, "/admin/deliveries.json")).json()) as { deliveries: unknown[] }).deliveries).toEqual([]);
      expect((await own.polar.products.list({ limit: 100 })).result.items).toHaveLength(7);
    } finally {
      await own.stop();
    }
  });

  it("the state file keeps checkouts and orders across a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "polar-emulator-state-"));
    const receiver = await startReceiver();
    const opts = { port: 0, accessTokens: [TOKEN], webhookUrl: receiver.url, webhookSecret: SECRET, stateFile: join(dir, "state.json"), log: () => {} };
    try {
      const first = await startPolarEmulator(opts);
      const polar1 = new Polar({ accessToken: TOKEN, serverURL: first.url });
      const checkout = await createCheckout(polar1, "restart@example.com");
      await pay(checkout.url);
      await first.stop();

      const second = await startPolarEmulator(opts);
      try {
        const polar2 = new Polar({ accessToken: TOKEN, serverURL: second.url });
        expect((await polar2.checkouts.get({ id: checkout.id })).status).toBe("succeeded");
        expect((await polar2.orders.list({ checkoutId: checkout.id })).result.items).toHaveLength(1);
        const log = (await (await admin(second.url, "/admin/deliveries.json")).json()) as { deliveries: Array<{ status: string }> };
        // checkout.created, then Pay's (the owner member, two benefit grants and the state after the order).
        expect(log.deliveries.length).toBe(11);
        expect(log.deliveries.every((d) => d.status === "delivered")).toBe(true);
      } finally {
        await second.stop();
      }
    } finally {
      await receiver.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
