import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSeed } from "../src/seed";
import { toSubscription } from "../src/serialize";
import { Store, type StoreSnapshot } from "../src/store";
import { addUnits, nextPeriodEnd } from "../src/period";
import { trialFreeText } from "../src/trial";
import { admin, checkoutEvents, createCheckout, label, pay, sdkParse, PRO_ID, PRO_MONTHLY_ID, PRO_TRIAL_ID, startHarness, SUCCESS_URL, TOKEN, waitFor, type Harness, type Received } from "./harness";

/**
 * Free trials with Polar's semantics (read from Polar's server, see the README's Trials section):
 * the checkout carries the trial and charges nothing, Pay starts a `trialing` subscription with a
 * $0 order, and the first renewal converts it into its first paid period.
 */

const DAY = 86_400_000;
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

const sequence = (checkoutId: string, from: number) => checkoutEvents(h.receiver.received.slice(from), checkoutId, { subscriptions: true });

/** Each payload parses with the pinned SDK (harness.ts's sdkParse). */
function expectParsable(events: Received[]) {
  for (const e of events) expect(sdkParse(e).type).toBe(e.type);
}

async function portalForm(email: string) {
  const session = await h.polar.customerSessions.create({ externalCustomerId: email });
  const token = new URL(session.customerPortalUrl).searchParams.get("customer_session_token") ?? "";
  return {
    html: async () => (await fetch(session.customerPortalUrl)).text(),
    post: (path: string) => fetch(`${h.emulator.url}${path}`, { method: "POST", body: new URLSearchParams({ customer_session_token: token }), redirect: "manual" }),
  };
}

describe("a product with a trial", () => {
  it("the checkout carries it: 14 days from now, nothing to pay now, the price still its amount", async () => {
    const before = Date.now();
    const checkout = await createCheckout(h.polar, "trial-checkout@example.com", PRO_TRIAL_ID);
    expect(checkout).toMatchObject({
      allowTrial: true,
      activeTrialInterval: "day",
      activeTrialIntervalCount: 14,
      trialInterval: null,
      trialIntervalCount: null,
      amount: 1299,
      totalAmount: 1299,
      isPaymentRequired: false,
      isPaymentSetupRequired: true,
      isPaymentFormRequired: true,
    });
    expect(checkout.product).toMatchObject({ trialInterval: "day", trialIntervalCount: 14 });
    const end = checkout.trialEnd?.getTime() ?? 0;
    expect(end).toBeGreaterThanOrEqual(before + 14 * DAY);
    expect(end).toBeLessThan(Date.now() + 14 * DAY + 1_000);
  });

  it("the hosted page shows the trial and a Start trial button", async () => {
    const checkout = await createCheckout(h.polar, "trial-page@example.com", PRO_TRIAL_ID);
    const html = await (await fetch(checkout.url)).text();
    const date = new Intl.DateTimeFormat("en-US", { dateStyle: "long", timeZone: "UTC" }).format(checkout.trialEnd ?? undefined);
    expect(html).toContain('<p class="price">14 days free</p>');
    expect(html).toContain(`Then <strong>$12.99 / month</strong> starting ${date}.`);
    expect(html).toContain('<button type="submit">Start trial</button>');
    expect(html).not.toContain(">Pay</button>");
  });

  it("Start trial: a trialing subscription and a $0 order, in Polar's order, every payload parsed by the SDK", async () => {
    const email = "trial-start@example.com";
    const checkout = await createCheckout(h.polar, email, PRO_TRIAL_ID);
    await waitFor("checkout.created", () => h.receiver.received.some((r) => r.type === "checkout.created" && r.data.id === checkout.id));
    const from = h.receiver.received.length;
    const res = await pay(checkout.url);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(SUCCESS_URL.replace("{CHECKOUT_ID}", checkout.id));
    const got = sequence(checkout.id, from);
    expect(got.map(label)).toEqual([
      "checkout.updated(confirmed)",
      "customer.created",
      "subscription.created",
      "subscription.active",
      "subscription.updated",
      "order.created",
      "order.updated",
      "order.paid",
      "customer.state_changed",
      "checkout.updated(succeeded)",
    ]);
    expectParsable(got);
    // Trialing counts as active: Pro Trial's benefits are granted for the trial, before the state.
    const grants = h.receiver.received.slice(from).filter((r) => r.type.startsWith("benefit_grant."));
    expect(grants.map((r) => `${r.type}:${String((r.data.benefit as { type: string }).type)}`)).toEqual(["benefit_grant.created:feature_flag", "benefit_grant.created:meter_credit"]);
    expectParsable(grants);

    const confirmed = got[0]?.data;
    const trialEnd = String(confirmed?.trial_end);
    expect(confirmed).toMatchObject({ status: "confirmed", active_trial_interval: "day", active_trial_interval_count: 14, is_payment_required: false });
    for (const sub of got.filter((r) => r.type.startsWith("subscription.")).map((r) => r.data)) {
      expect(sub).toMatchObject({ status: "trialing", product_id: PRO_TRIAL_ID, amount: 1299, trial_end: trialEnd, current_period_end: trialEnd, cancel_at_period_end: false });
      expect(sub.trial_start).toBe(sub.current_period_start);
      expect(sub.trial_start).toBe(sub.started_at);
    }
    const subId = got[2]?.data.id;
    const start = String(got[2]?.data.trial_start);
    const fmt = (iso: string) => new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" }).format(new Date(iso));
    for (const order of got.filter((r) => r.type.startsWith("order.")).map((r) => r.data)) {
      expect(order).toMatchObject({
        status: "paid",
        paid: true,
        billing_reason: "subscription_create",
        subtotal_amount: 0,
        total_amount: 0,
        platform_fee_amount: 0,
        checkout_id: checkout.id,
        subscription_id: subId,
        items: [{ label: `Trial period for Pro Trial (${fmt(start)} - ${fmt(trialEnd)})`, amount: 0, product_price_id: null }],
        subscription: { id: subId, status: "trialing", trial_end: trialEnd },
      });
    }
    expect(got[8]?.data).toMatchObject({ external_id: email, active_subscriptions: [{ id: subId, status: "trialing", trial_start: start, trial_end: trialEnd }] });

    const sub = await h.polar.subscriptions.get({ id: String(subId) });
    expect(sub).toMatchObject({ status: "trialing", trialEnd: new Date(trialEnd), currentPeriodEnd: new Date(trialEnd) });
    expect((await h.polar.subscriptions.list({ externalCustomerId: email, active: true })).result.items.map((s) => s.id)).toEqual([subId]);
    expect(await (await fetch(checkout.url)).text()).toContain("<h1>Trial started</h1>");
  });

  it("the portal's Renew now converts the trial: cycled, updated, the first paid order; trial dates kept, no subscription.active", async () => {
    const email = "trial-convert@example.com";
    await pay((await createCheckout(h.polar, email, PRO_TRIAL_ID)).url);
    const [trialing] = (await h.polar.subscriptions.list({ externalCustomerId: email })).result.items;
    if (!trialing?.trialEnd || !trialing.trialStart) throw new Error("no trial started");
    const portal = await portalForm(email);
    const html = await portal.html();
    expect(html).toContain(`trialing, trial ends ${trialing.trialEnd.toISOString().slice(0, 10)}`);
    expect(html).toContain(">Renew now</button>");
    // The $0 trial order: nothing to refund.
    expect(html).not.toContain(">Refund</button>");
    expect((await admin(h.emulator.url, `/admin/orders/${(await h.polar.orders.list({ externalCustomerId: email })).result.items[0]?.id}/refund-part`, {})).status).toBe(409);

    const from = h.receiver.received.length;
    const res = await portal.post(`/portal/subscriptions/${trialing.id}/renew`);
    expect(res.headers.get("location")).toContain("notice=converted");
    await waitFor("the conversion's events", () => h.receiver.received.length >= from + 8);
    await new Promise((r) => setTimeout(r, 50)); // nothing more than expected should follow
    const events = h.receiver.received.slice(from);
    // The first paid order cycles the trial's grants (the credits start a new period).
    expect(events.map((e) => e.type)).toEqual([
      "subscription.cycled",
      "subscription.updated",
      "order.created",
      "order.updated",
      "order.paid",
      "benefit_grant.cycled",
      "benefit_grant.cycled",
      "customer.state_changed",
    ]);
    expectParsable(events);
    const trialEnd = trialing.trialEnd.toISOString();
    for (const e of events.slice(0, 2)) {
      expect(e.data).toMatchObject({ status: "active", current_period_start: trialEnd, trial_start: trialing.trialStart.toISOString(), trial_end: trialEnd });
      expect(Date.parse(String(e.data.current_period_end))).toBe(addUnits(trialing.trialEnd, "month", 1).getTime());
    }
    expect(events[2]?.data).toMatchObject({ status: "pending", billing_reason: "subscription_cycle", total_amount: 1299, checkout_id: null, subscription_id: trialing.id });
    expect((events[2]?.data.items as Array<Record<string, unknown>>)[0]).toMatchObject({ label: "Pro Trial", amount: 1299 });
    expect(events[4]?.data).toMatchObject({ id: events[2]?.data.id, status: "paid", paid: true, total_amount: 1299 });
    expect(events[7]?.data).toMatchObject({ active_subscriptions: [{ id: trialing.id, status: "active", trial_end: trialEnd }] });
    expect(await (await fetch(res.headers.get("location") ?? "")).text()).toContain("The trial ended: the first paid period has started.");
  });

  it("the admin trigger converts too; a trial with a failing card at its end goes past_due", async () => {
    const email = "trial-admin@example.com";
    await pay((await createCheckout(h.polar, email, PRO_TRIAL_ID)).url);
    const [sub] = (await h.polar.subscriptions.list({ externalCustomerId: email })).result.items;
    const res = await admin(h.emulator.url, `/admin/subscriptions/${sub?.id}/renew-failing`, {});
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: sub?.id, status: "past_due", trial_end: sub?.trialEnd?.toISOString() });
  });
});

describe("a trial set on the checkout, as Polar's API allows", () => {
  it("overrides the product's, on a product without one", async () => {
    const checkout = await h.polar.checkouts.create({ products: [PRO_MONTHLY_ID], externalCustomerId: "week@example.com", trialInterval: "week", trialIntervalCount: 1 });
    expect(checkout).toMatchObject({ trialInterval: "week", trialIntervalCount: 1, activeTrialInterval: "week", activeTrialIntervalCount: 1, isPaymentRequired: false });
    expect(Math.round(((checkout.trialEnd?.getTime() ?? 0) - Date.now()) / DAY)).toBe(7);
    expect(await (await fetch(checkout.url)).text()).toContain('<p class="price">7 days free</p>');
  });

  it("allow_trial false turns the product's off: an ordinary paid subscription", async () => {
    const checkout = await h.polar.checkouts.create({ products: [PRO_TRIAL_ID], externalCustomerId: "no-trial@example.com", customerEmail: "no-trial@example.com", allowTrial: false });
    expect(checkout).toMatchObject({ allowTrial: false, activeTrialInterval: null, trialEnd: null, isPaymentRequired: true });
    expect(await (await fetch(checkout.url)).text()).toContain(">Pay</button>");
    await pay(checkout.url);
    const [order] = (await h.polar.orders.list({ checkoutId: checkout.id })).result.items;
    expect(order).toMatchObject({ totalAmount: 1299, billingReason: "subscription_create" });
    expect((await h.polar.subscriptions.get({ id: order?.subscriptionId ?? "" })).status).toBe("active");
  });

  it("a one-time product has no trial; interval and count come together (422 otherwise)", async () => {
    const once = await h.polar.checkouts.create({ products: [PRO_ID], trialInterval: "day", trialIntervalCount: 3 });
    expect(once).toMatchObject({ activeTrialInterval: null, trialEnd: null, isPaymentRequired: true });
    const half = await fetch(`${h.emulator.url}/v1/checkouts/`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ products: [PRO_MONTHLY_ID], trial_interval: "day" }),
    });
    expect(half.status).toBe(422);
    expect(await half.json()).toMatchObject({ detail: [{ loc: ["body", "trial_interval_count"] }] });
  });
});

describe("trial arithmetic and state files", () => {
  it("months clamp to the month's end as Polar's relativedelta does, periods keep their anchor day; weeks are shown as days", () => {
    expect(addUnits(new Date("2026-01-31T12:00:00Z"), "month", 1).toISOString()).toBe("2026-02-28T12:00:00.000Z");
    expect(addUnits(new Date("2028-02-29T00:00:00Z"), "year", 1).toISOString()).toBe("2029-02-28T00:00:00.000Z");
    expect(addUnits(new Date("2026-01-01T00:00:00Z"), "day", 14).toISOString()).toBe("2026-01-15T00:00:00.000Z");
    // Billing periods come back to their anchor day after a short month (get_next_period).
    expect(nextPeriodEnd(new Date("2026-01-31T12:00:00Z"), "month", 31).toISOString()).toBe("2026-02-28T12:00:00.000Z");
    expect(nextPeriodEnd(new Date("2026-02-28T12:00:00Z"), "month", 31).toISOString()).toBe("2026-03-31T12:00:00.000Z");
    expect(nextPeriodEnd(new Date("2026-02-28T12:00:00Z"), "month", 28).toISOString()).toBe("2026-03-28T12:00:00.000Z");
    expect(nextPeriodEnd(new Date("2026-02-28T12:00:00Z"), "week", 31).toISOString()).toBe("2026-03-07T12:00:00.000Z");
    expect(trialFreeText({ interval: "week", count: 2 })).toBe("14 days free");
    expect(trialFreeText({ interval: "month", count: 1 })).toBe("1 month free");
  });

  it("a state file from before trials restores with no trial", () => {
    const seed = loadSeed();
    const store = new Store(seed.organization, seed.products);
    const customer = { id: "c1", email: "old@example.com", externalId: null, name: null, metadata: {}, createdAt: "2026-01-01T00:00:00.000Z", modifiedAt: null };
    const oldSub = {
      id: "s1",
      status: "active",
      customerId: "c1",
      productId: PRO_MONTHLY_ID,
      checkoutId: null,
      amount: 1299,
      currency: "usd",
      recurringInterval: "month",
      currentPeriodStart: "2026-01-01T00:00:00.000Z",
      currentPeriodEnd: "2026-02-01T00:00:00.000Z",
      cancelAtPeriodEnd: false,
      canceledAt: null,
      startedAt: "2026-01-01T00:00:00.000Z",
      endsAt: null,
      endedAt: null,
      metadata: {},
      createdAt: "2026-01-01T00:00:00.000Z",
      modifiedAt: null,
    };
    const snapshot = { customers: [customer], checkouts: [], orders: [], subscriptions: [oldSub], refunds: [], sessions: [], invoiceCounter: 0 } as unknown as StoreSnapshot;
    store.restore(snapshot);
    const restored = store.subscriptions.get("s1");
    if (!restored) throw new Error("not restored");
    expect(toSubscription(restored, { store, baseUrl: "" })).toMatchObject({ trialStart: null, trialEnd: null });
  });
});
