import type { PolarCore } from "@polar-sh/sdk/core.js";
import type { SubscriptionUpdate } from "@polar-sh/sdk/models/components/subscriptionupdate";
import { AlreadyCanceledSubscription } from "@polar-sh/sdk/models/errors/alreadycanceledsubscription";
import { HTTPValidationError } from "@polar-sh/sdk/models/errors/httpvalidationerror";
import { ResourceNotFound } from "@polar-sh/sdk/models/errors/resourcenotfound";
import { SDKError } from "@polar-sh/sdk/models/errors/sdkerror";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatItemDate } from "../src/proration";
import {
  admin,
  pay,
  PRO_ID,
  PRO_MONTHLY_ID,
  sdkParse,
  startHarness,
  subscribe,
  SUCCESS_URL,
  TEAM_ID,
  TEAM_PRICE_ID,
  TOKEN,
  waitFor,
  type Harness,
  type Received,
} from "./harness";
import { coreClient, eventsOf as eventsAfter, expectParsable, getSubscription, refusedUpdate, types, updateSubscription } from "./subscription-api";

/**
 * Seat-based billing (teams): the seeded Team product ($10.00 a seat for 2 to 9 seats, $8.00 for
 * 10 to 50, volume tiers, monthly), checkouts with seats, the customer-seats API (assign, claim,
 * revoke, resend), members, seat changes through `PATCH /v1/subscriptions/{id}`, and what a
 * subscription's end does to its seats, each through the unmodified SDK, with Polar's webhooks in
 * Polar's order, every payload parsed by the SDK (harness.ts `sdkParse`). Polar's rules are in the
 * README ("Seats").
 */

const FLAG_ID = "6a2f9c4e-1b7d-4e3a-8c5f-0d9e2b4a6c71";
const CREDITS_ID = "8e3c5a7b-2d1f-4b6e-9a0c-4f7d1e3b5a82";
const METER_ID = "0d4b2e6a-3f1c-4a8e-9b57-2c6e8f1a3d90";

let h: Harness;
let core: PolarCore;
beforeAll(async () => {
  h = await startHarness();
  core = coreClient(h);
});
afterAll(async () => {
  await h.stop();
});

const eventsOf = <T>(count: number, act: () => Promise<T>) => eventsAfter(h, count, act);
const update = (id: string, change: SubscriptionUpdate) => updateSubscription(core, id, change);
const refused = (id: string, change: SubscriptionUpdate) => refusedUpdate(core, id, change);

/** The error the SDK throws (or a call's rejection), for a call that must fail. */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

/** An SDKError's status and Polar's JSON body. */
async function polarError(p: Promise<unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const error = await rejection(p);
  if (!(error instanceof SDKError)) throw new Error(`expected an SDKError, got ${String(error)}`);
  return { status: error.statusCode, body: JSON.parse(error.body) as Record<string, unknown> };
}

/** A raw call to the emulator's API (for what the SDK does not send, or to read the exact JSON). */
async function api(method: string, path: string, body?: unknown, token: string | null = TOKEN): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${h.emulator.url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const teamCheckout = (email: string, seats?: number, successUrl: string | null = SUCCESS_URL) =>
  h.polar.checkouts.create({ products: [TEAM_ID], externalCustomerId: email, customerEmail: email, ...(successUrl ? { successUrl } : {}), ...(seats ? { seats } : {}) });

/** A Team subscription bought through the hosted page; answers its id once the purchase's events are in. */
async function buyTeam(email: string, seats: number, successUrl: string | null = SUCCESS_URL): Promise<{ subscriptionId: string; customerId: string; checkoutId: string }> {
  const checkout = await teamCheckout(email, seats, successUrl);
  const res = await pay(checkout.url);
  if (res.status !== 303) throw new Error(`the Team purchase failed: HTTP ${res.status}`);
  await waitFor("the purchase's events", () => h.receiver.received.some((r) => r.type === "checkout.updated" && r.data.id === checkout.id && r.data.status === "succeeded"));
  const [sub] = (await h.polar.subscriptions.list({ externalCustomerId: email, productId: TEAM_ID })).result.items;
  if (!sub) throw new Error(`no Team subscription for ${email}`);
  return { subscriptionId: sub.id, customerId: sub.customerId, checkoutId: checkout.id };
}

/** The invitation Polar would have emailed for a seat (the emulator lists them at /admin/emails.json). */
async function invitation(seatId: string): Promise<{ to: string; subject: string; claimUrl: string; token: string }> {
  const { emails } = (await (await admin(h.emulator.url, "/admin/emails.json")).json()) as { emails: Array<{ seatId: string; to: string; subject: string; claimUrl: string; token: string }> };
  const mine = emails.filter((e) => e.seatId === seatId);
  const last = mine[mine.length - 1];
  if (!last) throw new Error(`no invitation for seat ${seatId}`);
  return last;
}

const emailCount = async (): Promise<number> => ((await (await admin(h.emulator.url, "/admin/emails.json")).json()) as { emails: unknown[] }).emails.length;

const checkoutLabel = (r: Received) => (r.type.startsWith("checkout.") ? `${r.type}(${String(r.data.status)})` : r.type);

describe("the Team product and checkouts with seats", () => {
  it("is sold per seat: Polar's ProductPriceSeatBased with volume tiers, 2 to 50 seats", async () => {
    const team = await h.polar.products.get({ id: TEAM_ID });
    expect(team).toMatchObject({ name: "Team", isRecurring: true, recurringInterval: "month", metadata: { plan: "team", rank: 1.5 } });
    expect(team.prices).toHaveLength(1);
    expect(team.prices[0]).toMatchObject({
      id: TEAM_PRICE_ID,
      amountType: "seat_based",
      source: "catalog",
      priceCurrency: "usd",
      isArchived: false,
      productId: TEAM_ID,
      seatTiers: { seatTierType: "volume", tiers: [{ minSeats: 2, maxSeats: 9, pricePerSeat: 1000 }, { minSeats: 10, maxSeats: 50, pricePerSeat: 800 }], minimumSeats: 2, maximumSeats: 50 },
    });
    // The JSON itself, in Polar's field names.
    const raw = await api("GET", `/v1/products/${TEAM_ID}`);
    expect((raw.json.prices as unknown[])[0]).toEqual({
      created_at: "2026-01-01T00:00:06.000Z",
      modified_at: null,
      id: TEAM_PRICE_ID,
      source: "catalog",
      amount_type: "seat_based",
      price_currency: "usd",
      tax_behavior: null,
      is_archived: false,
      product_id: TEAM_ID,
      seat_tiers: {
        seat_tier_type: "volume",
        tiers: [
          { min_seats: 2, max_seats: 9, price_per_seat: 1000 },
          { min_seats: 10, max_seats: 50, price_per_seat: 800 },
        ],
        minimum_seats: 2,
        maximum_seats: 50,
      },
    });
  });

  it("a checkout carries the seats and costs them at the tier's rate; the minimum by default", async () => {
    const five = await teamCheckout("five@example.com", 5);
    expect(five).toMatchObject({ productId: TEAM_ID, productPriceId: TEAM_PRICE_ID, seats: 5, minSeats: null, maxSeats: null, amount: 5000, netAmount: 5000, totalAmount: 5000, isPaymentRequired: true });
    expect(five.productPrice).toMatchObject({ amountType: "seat_based" });
    // Ten seats fall in the second tier: every seat at $8.00 (volume).
    expect((await teamCheckout("ten@example.com", 10)).amount).toBe(8000);
    expect((await teamCheckout("nine@example.com", 9)).amount).toBe(9000);
    const byDefault = await teamCheckout("default-seats@example.com");
    expect(byDefault).toMatchObject({ seats: 2, amount: 2000 });
    // The checkout's own bounds: the seats default to min_seats.
    const bounded = await h.polar.checkouts.create({ products: [TEAM_ID], minSeats: 3, maxSeats: 6 });
    expect(bounded).toMatchObject({ seats: 3, minSeats: 3, maxSeats: 6, amount: 3000 });
    // Products without seats have none.
    expect((await h.polar.checkouts.create({ products: [PRO_ID] })).seats).toBeNull();
  });

  it("refuses seats outside the tiers or the checkout's bounds, and seats on a product without them, as Polar", async () => {
    const create = (body: Record<string, unknown>) => api("POST", "/v1/checkouts/", { products: [TEAM_ID], ...body });
    const below = await create({ seats: 1 });
    expect(below).toEqual({
      status: 422,
      json: { error: "PolarRequestValidationError", detail: [{ type: "greater_than_equal", loc: ["body", "seats"], msg: "Minimum 2 seats required.", input: 1, ctx: { ge: 2 } }] },
    });
    expect((await create({ seats: 51 })).json).toEqual({
      error: "PolarRequestValidationError",
      detail: [{ type: "less_than_equal", loc: ["body", "seats"], msg: "Maximum 50 seats allowed.", input: 51, ctx: { le: 50 } }],
    });
    expect((await create({ seats: 7, max_seats: 6 })).json).toMatchObject({ detail: [{ loc: ["body"], msg: "Value error, seats must be less than or equal to max_seats" }] });
    expect((await create({ min_seats: 1 })).json).toMatchObject({ error: "PolarRequestValidationError", detail: [{ loc: ["body", "min_seats"], msg: "min_seats must be at least 2." }] });
    expect((await create({ max_seats: 60 })).json).toMatchObject({ error: "PolarRequestValidationError", detail: [{ loc: ["body", "max_seats"], msg: "max_seats must be at most 50." }] });
    expect((await create({ seats: 10001 })).json).toMatchObject({ detail: [{ loc: ["body", "seats"], type: "less_than_equal" }] });
    const pro = await api("POST", "/v1/checkouts/", { products: [PRO_ID], seats: 3 });
    expect(pro).toEqual({
      status: 422,
      json: { error: "PolarRequestValidationError", detail: [{ type: "value_error", loc: ["body", "seats"], msg: "Seats can only be set for seat-based pricing.", input: 3 }] },
    });
    expect((await api("POST", "/v1/checkouts/", { products: [PRO_ID], min_seats: 2, max_seats: 3 })).json).toMatchObject({
      detail: [{ loc: ["body", "min_seats"], msg: "min_seats can only be set for seat-based pricing." }, { loc: ["body", "max_seats"], msg: "max_seats can only be set for seat-based pricing." }],
    });
    // Through the SDK: HTTPValidationError, as for any 422.
    expect(await rejection(teamCheckout("sdk-below@example.com", 1))).toBeInstanceOf(HTTPValidationError);
  });

  it("PATCH changes the seats within the bounds (checkout.updated, the new amount) and refuses others", async () => {
    const checkout = await teamCheckout("patch-seats@example.com", 3);
    const { result, events } = await eventsOf(1, () => h.polar.checkouts.update({ id: checkout.id, checkoutUpdate: { seats: 12 } }));
    expect(result).toMatchObject({ seats: 12, amount: 9600, totalAmount: 9600 });
    expect(types(events)).toEqual(["checkout.updated"]);
    expect(events[0]?.data).toMatchObject({ seats: 12, amount: 9600 });
    expectParsable(events);
    const tooMany = await api("PATCH", `/v1/checkouts/${checkout.id}`, { seats: 51 });
    expect(tooMany).toMatchObject({ status: 422, json: { error: "PolarRequestValidationError", detail: [{ loc: ["body", "seats"], msg: "Maximum 50 seats allowed." }] } });
    const pro = await h.polar.checkouts.create({ products: [PRO_ID] });
    expect((await api("PATCH", `/v1/checkouts/${pro.id}`, { seats: 2 })).json).toMatchObject({ detail: [{ msg: "Seats can only be set for seat-based pricing." }] });
    expect((await h.polar.checkouts.get({ id: checkout.id })).seats).toBe(12);
  });

  it("the hosted page shows the seats and lets the buyer change them within the bounds", async () => {
    const checkout = await teamCheckout("page-seats@example.com", 4);
    const html = await (await fetch(checkout.url)).text();
    expect(html).toContain("<h1>Team</h1>");
    expect(html).toContain("4 seats × $10.00 per seat");
    expect(html).toContain("$40.00 / month");
    expect(html).toMatch(/<input id="seats" name="seats" type="number" min="2" max="50" value="4"/);
    const change = (seats: string) =>
      fetch(`${checkout.url}/seats`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ seats }), redirect: "manual" });
    const ok = await change("10");
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe(checkout.url);
    expect(await (await fetch(checkout.url)).text()).toContain("10 seats × $8.00 per seat");
    expect((await h.polar.checkouts.get({ id: checkout.id })).amount).toBe(8000);
    const bad = await change("60");
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("Maximum 50 seats allowed.");
    expect((await h.polar.checkouts.get({ id: checkout.id })).seats).toBe(10);
  });
});

describe("buying Team", () => {
  it("with the merchant's success_url: the customer becomes a team, the subscription and its order carry the seats, nobody has a seat yet", async () => {
    const email = "buyer@example.com";
    const checkout = await teamCheckout(email, 5);
    const { events } = await eventsOf(11, () => pay(checkout.url));
    expect(events.map(checkoutLabel)).toEqual([
      "checkout.updated(confirmed)",
      "member.created",
      "customer.created",
      "subscription.created",
      "customer.updated",
      "order.created",
      "order.updated",
      "order.paid",
      "subscription.active",
      "customer.state_changed",
      "checkout.updated(succeeded)",
    ]);
    expectParsable(events);
    const [owner, created, sub, upgraded, order] = [events[1]?.data, events[2]?.data, events[3]?.data, events[4]?.data, events[7]?.data];
    expect(owner).toMatchObject({ role: "owner", email, external_id: email, customer_id: created?.id });
    // Polar's customer.created job reads the customer before the purchase makes it a team.
    expect(created).toMatchObject({ type: "individual", email });
    expect(upgraded).toMatchObject({ id: created?.id, type: "team" });
    expect(sub).toMatchObject({ product_id: TEAM_ID, seats: 5, amount: 5000, status: "active" });
    expect(order).toMatchObject({ seats: 5, total_amount: 5000, billing_reason: "subscription_create", status: "paid" });
    expect(order?.items).toEqual([expect.objectContaining({ label: "Team (5 seats)", amount: 5000, product_price_id: TEAM_PRICE_ID, proration: false })]);
    // No benefit is granted to the subscription itself: seats carry them.
    expect(events.some((e) => e.type.startsWith("benefit_grant."))).toBe(false);
    const state = await h.polar.customers.getStateExternal({ externalId: email });
    expect(state).toMatchObject({ type: "team", email, grantedBenefits: [], activeSubscriptions: [{ productId: TEAM_ID, amount: 5000 }] });
    const seats = await h.polar.customerSeats.listSeats({ subscriptionId: String(sub?.id) });
    expect(seats).toEqual({ seats: [], availableSeats: 5, totalSeats: 5 });
    expect((await h.polar.subscriptions.get({ id: String(sub?.id) })).seats).toBe(5);
  });

  it("with Polar's own confirmation page (no success_url): the buyer's seat is claimed at once and the benefits granted to the buyer", async () => {
    const email = "self-claim@example.com";
    const checkout = await teamCheckout(email, 3, null);
    const { events } = await eventsOf(14, () => pay(checkout.url));
    expect(events.map(checkoutLabel)).toEqual([
      "checkout.updated(confirmed)",
      "member.created",
      "customer.created",
      "subscription.created",
      "customer.updated",
      "order.created",
      "order.updated",
      "order.paid",
      "subscription.active",
      "customer_seat.claimed",
      "benefit_grant.created",
      "benefit_grant.created",
      "customer.state_changed",
      "checkout.updated(succeeded)",
    ]);
    expectParsable(events);
    const owner = events[1]?.data;
    const seat = events[9]?.data;
    expect(seat).toMatchObject({ status: "claimed", email, customer_email: email, member_id: owner?.id, member: { role: "owner" }, customer_id: events[2]?.data.id, invitation_token_expires_at: null });
    for (const grant of [events[10]?.data, events[11]?.data]) expect(grant).toMatchObject({ member_id: owner?.id, subscription_id: events[3]?.data.id, is_granted: true });
    expect(events[10]?.data).toMatchObject({ benefit_id: FLAG_ID });
    expect(events[11]?.data).toMatchObject({ benefit_id: CREDITS_ID, properties: { last_credited_units: 100 } });
    const list = await h.polar.customerSeats.listSeats({ subscriptionId: String(events[3]?.data.id) });
    expect(list).toMatchObject({ availableSeats: 2, totalSeats: 3, seats: [{ status: "claimed", email, memberId: owner?.id }] });
    // No invitation for a seat claimed at once.
    const { emails } = (await (await admin(h.emulator.url, "/admin/emails.json")).json()) as { emails: Array<{ to: string }> };
    expect(emails.some((e) => e.to === email)).toBe(false);
  });

  it("a returning customer keeps its owner (no member.created) and is upgraded to a team once", async () => {
    const email = "returning-team@example.com";
    expect((await pay((await h.polar.checkouts.create({ products: [PRO_ID], externalCustomerId: email, customerEmail: email, successUrl: SUCCESS_URL })).url)).status).toBe(303);
    const checkout = await teamCheckout(email, 2);
    const { events } = await eventsOf(9, () => pay(checkout.url));
    expect(events.map(checkoutLabel)).toEqual([
      "checkout.updated(confirmed)",
      "subscription.created",
      "customer.updated",
      "order.created",
      "order.updated",
      "order.paid",
      "subscription.active",
      "customer.state_changed",
      "checkout.updated(succeeded)",
    ]);
    expectParsable(events);
    expect(events[2]?.data).toMatchObject({ type: "team", email });
    // Pro's grants stay the owner's: the one-time order's.
    const state = await h.polar.customers.getStateExternal({ externalId: email });
    expect(state.type).toBe("team");
    expect(state.grantedBenefits.map((g) => g.benefitId)).toEqual([FLAG_ID, CREDITS_ID]);
    const members = await h.polar.members.listMembers({ customerId: state.id });
    expect(members.result.items.map((m) => [m.email, m.role])).toEqual([[email, "owner"]]);
  });
});
