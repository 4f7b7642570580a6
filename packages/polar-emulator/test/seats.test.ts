import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Polar } from "@polar-sh/sdk";
import type { PolarCore } from "@polar-sh/sdk/core.js";
import type { SubscriptionUpdate } from "@polar-sh/sdk/models/components/subscriptionupdate";
import { AlreadyCanceledSubscription } from "@polar-sh/sdk/models/errors/alreadycanceledsubscription";
import { HTTPValidationError } from "@polar-sh/sdk/models/errors/httpvalidationerror";
import { ResourceNotFound } from "@polar-sh/sdk/models/errors/resourcenotfound";
import { SDKError } from "@polar-sh/sdk/models/errors/sdkerror";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPolarEmulator } from "../src/index";
import { formatItemDate } from "../src/proration";
import {
  admin,
  pay,
  PRO_ID,
  SECRET,
  startReceiver,
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
    // The team's state, by id and by external id: a CustomerStateTeam with the buyer's seat's grants.
    const state = await h.polar.customers.getStateExternal({ externalId: email });
    expect(state).toMatchObject({ type: "team", email, activeSubscriptions: [{ productId: TEAM_ID, amount: 3000, status: "active" }] });
    expect(state.grantedBenefits.map((g) => [g.benefitId, g.benefitType])).toEqual([
      [FLAG_ID, "feature_flag"],
      [CREDITS_ID, "meter_credit"],
    ]);
    expect(state.activeMeters).toMatchObject([{ meterId: METER_ID, creditedUnits: 100, balance: 100 }]);
    expect(await h.polar.customers.getState({ id: state.id })).toEqual(state);
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

describe("the customer-seats API", () => {
  it("assigns a pending seat (customer_seat.assigned, an invitation), which the member claims with its token (customer_seat.claimed, the grants)", async () => {
    const { subscriptionId, customerId } = await buyTeam("acme-owner@example.com", 3);
    const emailsBefore = await emailCount();
    const { result: seat, events } = await eventsOf(1, () =>
      h.polar.customerSeats.assignSeat({ subscriptionId, email: "alice@example.com", metadata: { department: "research" } }),
    );
    expect(types(events)).toEqual(["customer_seat.assigned"]);
    expectParsable(events);
    expect(seat).toMatchObject({
      subscriptionId,
      orderId: null,
      status: "pending",
      customerId,
      email: "alice@example.com",
      customerEmail: "alice@example.com",
      member: { role: "member", email: "alice@example.com", customerId, name: null, externalId: null },
      claimedAt: null,
      revokedAt: null,
      seatMetadata: { department: "research" },
    });
    // The invitation is valid for 24 hours; Polar emails it (the emulator lists it).
    expect(Math.abs((seat.invitationTokenExpiresAt?.getTime() ?? 0) - (seat.createdAt.getTime() + 86_400_000))).toBeLessThan(1000);
    expect(await emailCount()).toBe(emailsBefore + 1);
    const mail = await invitation(seat.id);
    expect(mail).toMatchObject({ to: "alice@example.com", subject: "You've been invited to access Team" });
    expect(mail.claimUrl).toBe(`${h.emulator.url}/acme/portal/claim?token=${mail.token}`);
    expect(mail.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The member was created silently (get_or_create_by_email sends nothing).
    expect(events.some((e) => e.type === "member.created")).toBe(false);
    expect(await h.polar.customerSeats.listSeats({ subscriptionId })).toMatchObject({ availableSeats: 2, totalSeats: 3, seats: [{ id: seat.id, status: "pending" }] });

    // The claim link's information, without a token (Polar's public endpoint).
    const info = await api("GET", `/v1/customer-seats/claim/${mail.token}`, undefined, null);
    expect(info).toEqual({
      status: 200,
      json: { product_name: "Team", product_id: TEAM_ID, organization_name: "Acme", organization_slug: "acme", customer_email: "alice@example.com", can_claim: true },
    });
    expect(await h.polar.customerSeats.getClaimInfo({ invitationToken: mail.token })).toMatchObject({ productName: "Team", canClaim: true });

    const { result: claimed, events: claimEvents } = await eventsOf(4, () => h.polar.customerSeats.claimSeat({ invitationToken: mail.token }));
    expect(types(claimEvents)).toEqual(["customer_seat.claimed", "benefit_grant.created", "benefit_grant.created", "customer.state_changed"]);
    expectParsable(claimEvents);
    expect(claimed.seat).toMatchObject({ id: seat.id, status: "claimed", memberId: seat.memberId, claimedAt: expect.any(Date) });
    expect(claimed.customerSessionToken).toMatch(/^polar_mst_/);
    for (const grant of claimEvents.slice(1, 3)) {
      expect(grant.data).toMatchObject({ customer_id: customerId, member_id: seat.memberId, member: { email: "alice@example.com" }, subscription_id: subscriptionId, is_granted: true });
    }
    // The team's state lists the member's grants (they are the billing customer's), and the credits.
    const state = claimEvents[3]?.data as { type: string; granted_benefits: Array<{ benefit_id: string }>; active_meters: Array<{ meter_id: string; credited_units: number }> };
    expect(state.type).toBe("team");
    expect(state.granted_benefits.map((g) => g.benefit_id)).toEqual([FLAG_ID, CREDITS_ID]);
    expect(state.active_meters).toMatchObject([{ meter_id: METER_ID, credited_units: 100 }]);

    // The token is spent: claiming again, or asking about it, is refused.
    expect(await polarError(h.polar.customerSeats.claimSeat({ invitationToken: mail.token }))).toEqual({
      status: 400,
      body: { error: "InvalidInvitationToken", detail: "Invalid or expired invitation token" },
    });
    expect(await api("GET", `/v1/customer-seats/claim/${mail.token}`, undefined, null)).toEqual({
      status: 404,
      json: { error: "ResourceNotFound", detail: "Invalid or expired invitation token" },
    });
    // The claim's member session opens the member's own view of the portal.
    const portal = await (await fetch(`${h.emulator.url}/portal?customer_session_token=${claimed.customerSessionToken}`)).text();
    expect(portal).toContain("Signed in as alice@example.com");
    expect(portal).toContain("<h2 id=\"your-seats\">Your seats</h2>");
    expect(portal).not.toContain("Renew now");
  });

  it("the invitation's link opens a claim page; Claim claims the seat and opens the member's portal", async () => {
    const { subscriptionId } = await buyTeam("link-owner@example.com", 2);
    const seat = await h.polar.customerSeats.assignSeat({ subscriptionId, email: "lena@example.com" });
    const { claimUrl, token } = await invitation(seat.id);
    const page = await fetch(claimUrl);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("<h1>You've been invited to Team</h1>");
    expect(html).toContain("<strong>lena@example.com</strong>");
    const { result: res, events } = await eventsOf(4, () =>
      fetch(`${h.emulator.url}/acme/portal/claim`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ token }), redirect: "manual" }),
    );
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toMatch(new RegExp(`^${h.emulator.url}/portal\\?customer_session_token=polar_mst_`));
    expect(types(events)).toEqual(["customer_seat.claimed", "benefit_grant.created", "benefit_grant.created", "customer.state_changed"]);
    const portal = await (await fetch(res.headers.get("location") ?? "")).text();
    expect(portal).toContain("<li>Reports</li>");
    expect(portal).toContain("<li>100 reports each period</li>");
    // A plain member's session cannot act on the team's billing.
    const sessionToken = new URL(res.headers.get("location") ?? "").searchParams.get("customer_session_token") ?? "";
    const act = await fetch(`${h.emulator.url}/portal/subscriptions/${subscriptionId}/cancel`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ customer_session_token: sessionToken }),
      redirect: "manual",
    });
    expect(act.status).toBe(403);
    // The link is spent.
    expect((await fetch(claimUrl)).status).toBe(404);
  });

  it("immediate_claim claims at once: no invitation, customer_seat.claimed, the grants, the state", async () => {
    const { subscriptionId } = await buyTeam("immediate-owner@example.com", 2);
    const before = await emailCount();
    const { result: seat, events } = await eventsOf(4, () => h.polar.customerSeats.assignSeat({ subscriptionId, email: "bob@example.com", externalMemberId: "usr_bob", immediateClaim: true }));
    expect(types(events)).toEqual(["customer_seat.claimed", "benefit_grant.created", "benefit_grant.created", "customer.state_changed"]);
    expectParsable(events);
    expect(seat).toMatchObject({ status: "claimed", invitationTokenExpiresAt: null, claimedAt: expect.any(Date), member: { email: "bob@example.com", externalId: "usr_bob" } });
    expect(await emailCount()).toBe(before);
    // The member is found again by its external id.
    const again = await polarError(h.polar.customerSeats.assignSeat({ subscriptionId, externalMemberId: "usr_bob" }));
    expect(again).toEqual({ status: 400, body: { error: "SeatAlreadyAssigned", detail: "Seat already assigned to customer bob@example.com" } });
  });

  it("refuses as Polar: no seat left, the same member twice, a subscription without seats, unknown ones, and bad bodies", async () => {
    const { subscriptionId, customerId } = await buyTeam("refusals-owner@example.com", 2);
    await h.polar.customerSeats.assignSeat({ subscriptionId, email: "one@example.com" });
    expect(await polarError(h.polar.customerSeats.assignSeat({ subscriptionId, email: "ONE@example.com" }))).toEqual({
      status: 400,
      body: { error: "SeatAlreadyAssigned", detail: "Seat already assigned to customer one@example.com" },
    });
    await h.polar.customerSeats.assignSeat({ subscriptionId, email: "two@example.com" });
    expect(await polarError(h.polar.customerSeats.assignSeat({ subscriptionId, email: "three@example.com" }))).toEqual({
      status: 400,
      body: { error: "SeatNotAvailable", detail: `No available seats for ${subscriptionId}` },
    });
    // A subscription without seats has none available (Polar does not check the product).
    const pro = await subscribe(h, "refusals-pro@example.com", PRO_MONTHLY_ID);
    expect(await polarError(h.polar.customerSeats.assignSeat({ subscriptionId: pro, email: "x@example.com" }))).toEqual({
      status: 400,
      body: { error: "SeatNotAvailable", detail: `No available seats for ${pro}` },
    });
    expect(await h.polar.customerSeats.listSeats({ subscriptionId: pro })).toEqual({ seats: [], availableSeats: 0, totalSeats: 0 });
    const unknown = "00000000-0000-4000-8000-000000000000";
    expect(await polarError(h.polar.customerSeats.assignSeat({ subscriptionId: unknown, email: "x@example.com" }))).toEqual({
      status: 404,
      body: { error: "ResourceNotFound", detail: "Subscription not found" },
    });
    expect(await polarError(h.polar.customerSeats.listSeats({ subscriptionId: unknown }))).toEqual({ status: 404, body: { error: "ResourceNotFound", detail: "Subscription not found" } });
    expect(await api("GET", "/v1/customer-seats")).toEqual({ status: 400, json: { error: "BadRequest", detail: "Either subscription_id or order_id must be provided" } });
    // An order is a seat container too (Polar's one-time seat purchases). Polar's checkout order
    // carries the checkout's seats (Order.seats), a subscription's first order included: its seats
    // are a pool of their own, granted in the order's scope, as Polar does.
    const [order] = (await h.polar.orders.list({ subscriptionId })).result.items;
    expect(await h.polar.customerSeats.listSeats({ orderId: order?.id })).toEqual({ seats: [], availableSeats: 2, totalSeats: 2 });
    const { result: orderSeat, events: orderSeatEvents } = await eventsOf(4, () =>
      h.polar.customerSeats.assignSeat({ orderId: order?.id, email: "order-seat@example.com", immediateClaim: true }),
    );
    expect(orderSeat).toMatchObject({ orderId: order?.id, subscriptionId: null, status: "claimed" });
    expect(types(orderSeatEvents)).toEqual(["customer_seat.claimed", "benefit_grant.created", "benefit_grant.created", "customer.state_changed"]);
    expect(orderSeatEvents[1]?.data).toMatchObject({ order_id: order?.id, subscription_id: null, member: { email: "order-seat@example.com" } });
    // Pro Monthly's order has no seats.
    const [proOrder] = (await h.polar.orders.list({ subscriptionId: pro })).result.items;
    expect(await polarError(h.polar.customerSeats.assignSeat({ orderId: proOrder?.id, email: "x@example.com" }))).toEqual({
      status: 400,
      body: { error: "SeatNotAvailable", detail: `No available seats for ${proOrder?.id}` },
    });
    expect(await polarError(h.polar.customerSeats.listSeats({ orderId: unknown }))).toEqual({ status: 404, body: { error: "ResourceNotFound", detail: "Order not found" } });
    expect(await polarError(h.polar.customerSeats.revokeSeat({ seatId: unknown }))).toEqual({ status: 404, body: { error: "ResourceNotFound", detail: "Seat not found" } });

    // The recipient: a member that is not the team's, an external id without an email to create it, a mismatch.
    const other = await buyTeam("refusals-other@example.com", 2);
    const [otherOwner] = (await h.polar.members.listMembers({ customerId: other.customerId })).result.items;
    const { seats: seatsNow } = await h.polar.customerSeats.listSeats({ subscriptionId });
    await h.polar.customerSeats.revokeSeat({ seatId: seatsNow[1]?.id ?? "" });
    expect(await polarError(h.polar.customerSeats.assignSeat({ subscriptionId, memberId: otherOwner?.id ?? "" }))).toEqual({
      status: 404,
      body: { error: "MemberNotFound", detail: `Member not found: ${otherOwner?.id}` },
    });
    expect(await polarError(h.polar.customerSeats.assignSeat({ subscriptionId, externalMemberId: "usr_nobody" }))).toEqual({
      status: 404,
      body: { error: "MemberNotFound", detail: "Member not found: usr_nobody" },
    });
    await h.polar.customerSeats.assignSeat({ subscriptionId, email: "carol@example.com", externalMemberId: "usr_carol" });
    const { seats: afterCarol } = await h.polar.customerSeats.listSeats({ subscriptionId });
    await h.polar.customerSeats.revokeSeat({ seatId: afterCarol.find((s) => s.email === "carol@example.com")?.id ?? "" });
    expect(await polarError(h.polar.customerSeats.assignSeat({ subscriptionId, email: "dave@example.com", externalMemberId: "usr_carol" }))).toEqual({
      status: 400,
      body: { error: "MemberEmailMismatch", detail: "Member with external_member_id 'usr_carol' exists but has a different email than 'dave@example.com'" },
    });
    expect(await polarError(h.polar.customerSeats.assignSeat({ subscriptionId, externalCustomerId: "nobody-here" }))).toEqual({
      status: 400,
      body: { error: "InvalidSeatAssignmentRequest", detail: "Customer not found for the provided customer_id or external_customer_id." },
    });
    // A customer id lends its email: the other team's owner gets a seat here as a member.
    const byCustomer = await h.polar.customerSeats.assignSeat({ subscriptionId, customerId: other.customerId });
    expect(byCustomer).toMatchObject({ email: "refusals-other@example.com", customerId, member: { customerId, role: "member" } });

    // SeatAssign's validators, as FastAPI reports them (422, the SDK's HTTPValidationError).
    const assign = (body: Record<string, unknown>) => api("POST", "/v1/customer-seats", body);
    const seatSource = await assign({ email: "x@example.com" });
    expect(seatSource).toMatchObject({
      status: 422,
      json: { error: "RequestValidationError", detail: [{ type: "value_error", loc: ["body"], msg: "Value error, Exactly one of subscription_id or order_id must be provided" }] },
    });
    expect((await assign({ subscription_id: subscriptionId })).json).toMatchObject({
      detail: [{ loc: ["body"], msg: "Value error, At least one of email, external_customer_id, customer_id, external_member_id, or member_id must be provided" }],
    });
    expect((await assign({ subscription_id: subscriptionId, email: "x@example.com", member_id: unknown })).json).toMatchObject({ detail: [{ msg: "Value error, Cannot combine member_id with email" }] });
    expect((await assign({ subscription_id: subscriptionId, customer_id: customerId, member_id: unknown })).json).toMatchObject({
      detail: [{ msg: "Value error, Cannot combine external_customer_id/customer_id with external_member_id/member_id" }],
    });
    expect((await assign({ subscription_id: subscriptionId, email: "x@example.com", customer_id: customerId })).json).toMatchObject({
      detail: [{ msg: "Value error, Exactly one of email, external_customer_id, or customer_id must be provided" }],
    });
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, i]));
    expect((await assign({ subscription_id: subscriptionId, email: "x@example.com", metadata: eleven })).json).toMatchObject({
      detail: [{ loc: ["body", "metadata"], msg: "Value error, Metadata cannot have more than 10 keys" }],
    });
    expect((await assign({ subscription_id: subscriptionId, email: "x@example.com", metadata: { note: "x".repeat(1020) } })).json).toMatchObject({
      detail: [{ loc: ["body", "metadata"], msg: "Value error, Metadata size cannot exceed 1KB" }],
    });
    expect(await rejection(h.polar.customerSeats.assignSeat({ email: "x@example.com" }))).toBeInstanceOf(HTTPValidationError);
    // None of these changed anything.
    expect((await h.polar.customerSeats.listSeats({ subscriptionId })).seats.filter((s) => s.status !== "revoked").map((s) => s.email)).toEqual(["one@example.com", "refusals-other@example.com"]);
  });

  it("revokes a seat (customer_seat.revoked, the member's grants revoked, the state) and reuses it for the next assignment", async () => {
    const { subscriptionId } = await buyTeam("revoke-owner@example.com", 2);
    const seat = await h.polar.customerSeats.assignSeat({ subscriptionId, email: "erin@example.com", immediateClaim: true });
    const { result: revoked, events } = await eventsOf(4, () => h.polar.customerSeats.revokeSeat({ seatId: seat.id }));
    expect(types(events)).toEqual(["customer_seat.revoked", "benefit_grant.revoked", "benefit_grant.revoked", "customer.state_changed"]);
    expectParsable(events);
    // A revoked seat is emptied: no customer, member or email any more.
    expect(revoked).toMatchObject({ id: seat.id, status: "revoked", customerId: null, memberId: null, member: null, email: null, customerEmail: null, revokedAt: expect.any(Date) });
    expect(events[1]?.data).toMatchObject({ member_id: seat.memberId, is_revoked: true, benefit_id: FLAG_ID });
    // The credits went with the last grant of them (benefit_grant.revoked's properties).
    expect(events[2]?.data).toMatchObject({ benefit_id: CREDITS_ID, properties: { last_credited_units: -100 } });
    expect(await h.polar.customerSeats.listSeats({ subscriptionId })).toMatchObject({ availableSeats: 2, seats: [{ id: seat.id, status: "revoked" }] });
    // Revoking it again answers it as it is, and sends nothing.
    const { events: none } = await eventsOf(0, () => h.polar.customerSeats.revokeSeat({ seatId: seat.id }));
    expect(none).toEqual([]);
    // The next assignment reuses the revoked seat (Polar's get_revoked_seat_by_container).
    const reused = await h.polar.customerSeats.assignSeat({ subscriptionId, email: "frank@example.com" });
    expect(reused).toMatchObject({ id: seat.id, status: "pending", email: "frank@example.com", revokedAt: null });
    // A pending seat's invitation can be resent (same token, nothing sent to the app); a claimed one cannot.
    const first = await invitation(reused.id);
    const { result: resent, events: resendEvents } = await eventsOf(0, () => h.polar.customerSeats.resendInvitation({ seatId: reused.id }));
    expect(resendEvents).toEqual([]);
    expect(resent).toMatchObject({ id: reused.id, status: "pending" });
    expect((await invitation(reused.id)).token).toBe(first.token);
    await h.polar.customerSeats.claimSeat({ invitationToken: first.token });
    expect(await polarError(h.polar.customerSeats.resendInvitation({ seatId: reused.id }))).toEqual({ status: 400, body: { error: "SeatNotPending", detail: "Seat is not in pending status" } });
  });
});

describe("members", () => {
  it("lists, gets, creates, updates and deletes members as Polar (member.created / updated / deleted)", async () => {
    const email = "members-owner@example.com";
    const { subscriptionId, customerId } = await buyTeam(email, 4);
    const seat = await h.polar.customerSeats.assignSeat({ subscriptionId, email: "gina@example.com", immediateClaim: true });
    const members = await h.polar.members.listMembers({ customerId });
    // Newest first (Polar's default sorting, -created_at).
    expect(members.result.items.map((m) => [m.email, m.role])).toEqual([
      ["gina@example.com", "member"],
      [email, "owner"],
    ]);
    expect((await h.polar.members.listMembers({ externalCustomerId: email, role: "owner" })).result.items.map((m) => m.email)).toEqual([email]);
    expect((await h.polar.members.listMembers({ customerId, sorting: ["created_at"] })).result.items.map((m) => m.role)).toEqual(["owner", "member"]);
    const gina = await h.polar.customers.members.get({ id: customerId, memberId: seat.memberId ?? "" });
    expect(gina).toMatchObject({ email: "gina@example.com", role: "member", customerId });
    const owner = await h.polar.customers.members.getExternal({ externalId: email, memberExternalId: email });
    expect(owner).toMatchObject({ email, role: "owner", externalId: email });
    expect(await rejection(h.polar.customers.members.get({ id: customerId, memberId: "00000000-0000-4000-8000-000000000000" }))).toBeInstanceOf(ResourceNotFound);
    expect(await api("GET", `/v1/customers/external/${email}/members/usr_nobody`)).toEqual({ status: 404, json: { error: "ResourceNotFound", detail: "Member not found" } });

    const { result: hal, events: created } = await eventsOf(1, () =>
      h.polar.customers.members.create({ id: customerId, memberCreateFromCustomer: { email: "hal@example.com", name: "Hal", externalId: "usr_hal", role: "billing_manager" } }),
    );
    expect(types(created)).toEqual(["member.created"]);
    expect(hal).toMatchObject({ email: "hal@example.com", name: "Hal", externalId: "usr_hal", role: "billing_manager" });
    const { result: renamed, events: updated } = await eventsOf(1, () => h.polar.customers.members.update({ id: customerId, memberId: hal.id, memberUpdate: { name: "Hal 9000" } }));
    expect(types(updated)).toEqual(["member.updated"]);
    expect(renamed.name).toBe("Hal 9000");
    // Nothing changed: nothing sent.
    const { events: unchanged } = await eventsOf(0, () => h.polar.customers.members.update({ id: customerId, memberId: hal.id, memberUpdate: { name: "Hal 9000" } }));
    expect(unchanged).toEqual([]);
    // The last owner stays one; an email another member has is refused.
    const lastOwner = await api("PATCH", `/v1/customers/${customerId}/members/${owner.id}`, { role: "member" });
    expect(lastOwner).toMatchObject({ status: 422, json: { error: "PolarRequestValidationError", detail: [{ loc: ["body", "role"], msg: "Cannot change role. Customer must have exactly one owner." }] } });
    expect((await api("PATCH", `/v1/customers/${customerId}/members/${hal.id}`, { email: "gina@example.com" })).json).toMatchObject({
      detail: [{ loc: ["body", "email"], msg: "A member with this email already exists for this customer." }],
    });
    expect((await api("DELETE", `/v1/customers/${customerId}/members/${owner.id}`)).json).toMatchObject({ detail: [{ msg: "Cannot delete the only owner. Transfer ownership first." }] });

    // Deleting a member: member.deleted, then its seat revoked and its grants revoked, then the state.
    const { events: deleted } = await eventsOf(5, () => h.polar.customers.members.delete({ id: customerId, memberId: seat.memberId ?? "" }));
    expect(types(deleted)).toEqual(["member.deleted", "customer_seat.revoked", "benefit_grant.revoked", "benefit_grant.revoked", "customer.state_changed"]);
    expectParsable(deleted);
    expect(deleted[1]?.data).toMatchObject({ id: seat.id, status: "revoked" });
    expect((await h.polar.members.listMembers({ customerId })).result.items.map((m) => m.email)).toEqual(["hal@example.com", email]);

    // An individual customer has its owner only.
    const solo = "members-solo@example.com";
    expect((await pay((await h.polar.checkouts.create({ products: [PRO_ID], externalCustomerId: solo, customerEmail: solo, successUrl: SUCCESS_URL })).url)).status).toBe(303);
    expect(await api("POST", `/v1/customers/external/${solo}/members`, { email: "friend@example.com" })).toEqual({
      status: 403,
      json: { error: "NotPermitted", detail: "Individual customers can only have one member (the owner). Upgrade to a team customer to add more members." },
    });
  });

  it("usage events may name a member: an existing one is kept on the event, an unknown one is Polar's 422", async () => {
    const { subscriptionId, customerId } = await buyTeam("usage-team@example.com", 2);
    const seat = await h.polar.customerSeats.assignSeat({ subscriptionId, email: "max@example.com", immediateClaim: true });
    expect(await h.polar.events.ingest({ events: [{ name: "report.generated", customerId, memberId: seat.memberId ?? "", externalId: "team-report-1" }] })).toEqual({ inserted: 1, duplicates: 0 });
    const [event] = (await h.polar.events.list({ customerId, source: "user" })).items;
    expect(event).toMatchObject({ name: "report.generated", memberId: seat.memberId });
    const unknown = "6f9619ff-8b86-4011-b42d-00c04fc964ff";
    const refusal = await api("POST", "/v1/events/ingest", { events: [{ name: "report.generated", customer_id: customerId, member_id: unknown }] });
    expect(refusal).toEqual({
      status: 422,
      json: { error: "PolarRequestValidationError", detail: [{ type: "member_id", loc: ["body", "events", 0, "member_id"], msg: "Member not found.", input: unknown }] },
    });
  });

  it("customer sessions are member sessions: the owner's for an individual, a named member's for a team", async () => {
    const email = "sessions-owner@example.com";
    const { subscriptionId, customerId } = await buyTeam(email, 2);
    const refusal = await api("POST", "/v1/customer-sessions/", { customer_id: customerId });
    expect(refusal).toEqual({ status: 422, json: { detail: [{ type: "value_error", loc: ["body", "member_id"], msg: "member_id is required for team customers.", input: null }] } });
    const [owner] = (await h.polar.members.listMembers({ customerId, role: "owner" })).result.items;
    const session = await h.polar.customerSessions.create({ customerId, memberId: owner?.id ?? "" });
    expect(session.token).toMatch(/^polar_mst_/);
    expect(session.customer).toMatchObject({ id: customerId, type: "team" });
    // The owner's portal lists the team's seats.
    await h.polar.customerSeats.assignSeat({ subscriptionId, email: "ivy@example.com" });
    await h.polar.customerSeats.assignSeat({ subscriptionId, email: email, immediateClaim: true });
    const portal = await (await fetch(session.customerPortalUrl)).text();
    expect(portal).toContain("Team (2 seats)");
    expect(portal).toContain("Seats of Team (2 seats): 2 of 2 assigned, 0 available");
    expect(portal).toMatch(/<td>ivy@example\.com<\/td><td>member<\/td><td>pending, invitation valid until \d{4}-\d\d-\d\d<\/td>/);
    expect(portal).toMatch(new RegExp(`<td>${email.replace(/\./g, "\\.")}</td><td>owner</td><td>claimed \\d{4}-\\d\\d-\\d\\d</td>`));
    expect(await api("POST", "/v1/customer-sessions/", { customer_id: customerId, external_member_id: "usr_nobody" })).toMatchObject({
      status: 422,
      json: { detail: [{ loc: ["body", "external_member_id"], msg: "Member does not exist for this customer." }] },
    });
  });
});

/** Polar's seat proration (subscription/update.py): the difference times the share of the period left, truncated toward zero. */
function seatProration(delta: number, start: Date, end: Date, at: Date): number {
  return Math.trunc((delta * (end.getTime() - at.getTime())) / (end.getTime() - start.getTime()));
}

describe("changing the seats of a subscription (PATCH /v1/subscriptions/{id} with seats)", () => {
  it("invoice (the default): the seats and the price change now, one prorated line is invoiced and charged", async () => {
    const { subscriptionId: id, customerId } = await buyTeam("more-seats@example.com", 5);
    const { result, events } = await eventsOf(5, () => update(id, { seats: 8 }));
    expect(types(events)).toEqual(["order.created", "subscription.updated", "customer.state_changed", "order.updated", "order.paid"]);
    expectParsable(events);
    expect(result).toMatchObject({ seats: 8, amount: 8000, pendingUpdate: null });
    expect(events[1]?.data).toMatchObject({ seats: 8, amount: 8000 });
    const order = await h.polar.orders.get({ id: String(events[0]?.data.id) });
    const at = order.createdAt;
    const expected = seatProration(3000, result.currentPeriodStart, result.currentPeriodEnd, at);
    // Truncated, not rounded: a millisecond of the period gone makes it 2999.
    expect(expected).toBe(2999);
    expect(order).toMatchObject({ billingReason: "subscription_update", status: "paid", totalAmount: expected, subscriptionId: id, productId: TEAM_ID, seats: null });
    expect(order.items).toEqual([
      expect.objectContaining({
        label: `Team (5 → 8 seats) — From ${formatItemDate(at)} to ${formatItemDate(result.currentPeriodEnd)}`,
        amount: expected,
        proration: true,
        productPriceId: TEAM_PRICE_ID,
      }),
    ]);
    // 8 to 10 seats crosses into the $8.00 tier: $80.00 either way, nothing to prorate, no order.
    const same = await eventsOf(2, () => update(id, { seats: 10 }));
    expect(types(same.events)).toEqual(["subscription.updated", "customer.state_changed"]);
    expect(same.result).toMatchObject({ seats: 10, amount: 8000 });
    // Fewer seats: a credit line, a credit order paid at once, the credit kept on the customer's balance.
    const fewer = await eventsOf(5, () => update(id, { seats: 3, prorationBehavior: "invoice" }));
    expect(types(fewer.events)).toEqual(["order.created", "order.updated", "order.paid", "subscription.updated", "customer.state_changed"]);
    expectParsable(fewer.events);
    const credit = await h.polar.orders.get({ id: String(fewer.events[0]?.data.id) });
    const creditLine = seatProration(-5000, fewer.result.currentPeriodStart, fewer.result.currentPeriodEnd, credit.createdAt);
    expect(creditLine).toBe(-4999);
    expect(credit.items).toEqual([
      expect.objectContaining({ label: `Remaining time on Team (10 → 3 seats) — From ${formatItemDate(credit.createdAt)} to ${formatItemDate(fewer.result.currentPeriodEnd)}`, amount: creditLine }),
    ]);
    expect(credit.totalAmount).toBe(creditLine);
    expect(fewer.result).toMatchObject({ seats: 3, amount: 3000 });
    const balance = (await (await admin(h.emulator.url, `/admin/customers/${customerId}`)).json()) as { balances: Record<string, number> };
    expect(balance.balances.usd).toBe(4999);
  });

  it("refuses as Polar: below the seats assigned, below the minimum, above the maximum, a subscription without seats, a canceled one; the same count does nothing", async () => {
    const { subscriptionId: id } = await buyTeam("seat-refusals@example.com", 4);
    for (const email of ["p1@example.com", "p2@example.com", "p3@example.com"]) await h.polar.customerSeats.assignSeat({ subscriptionId: id, email });
    const check = async (change: SubscriptionUpdate, status: number, body: unknown) => {
      const error = await refused(id, change);
      expect(error).toBeInstanceOf(SDKError);
      expect({ status: (error as SDKError).statusCode, body: JSON.parse((error as SDKError).body) }).toEqual({ status, body });
    };
    await check({ seats: 2 }, 400, { error: "SeatsAlreadyAssigned", detail: "Cannot decrease seats to 2. Currently 3 seats are assigned. Revoke seats first." });
    await check({ seats: 1 }, 400, { error: "BelowMinimumSeats", detail: "Minimum 2 seats required." });
    await check({ seats: 51 }, 400, { error: "AboveMaximumSeats", detail: "Maximum 50 seats allowed." });
    const reset = await refused(id, { seats: 6, prorationBehavior: "reset" });
    expect(reset).toBeInstanceOf(HTTPValidationError);
    expect((reset as HTTPValidationError).detail?.[0]).toMatchObject({ loc: ["body", "proration_behavior"], msg: "The 'reset' proration behavior is not enabled for this organization." });
    // The same count with nothing scheduled: Polar marks the update unchanged, nothing is sent.
    const { result, events } = await eventsOf(0, () => update(id, { seats: 4 }));
    expect(events).toEqual([]);
    expect(result).toMatchObject({ seats: 4, amount: 4000 });
    const pro = await subscribe(h, "seat-refusals-pro@example.com", PRO_MONTHLY_ID);
    const notSeats = await refused(pro, { seats: 3 });
    expect(JSON.parse((notSeats as SDKError).body)).toEqual({ error: "NotASeatBasedSubscription", detail: "This subscription does not support seat-based pricing." });
    // Plan changes: seats cannot be dropped (Polar's validate_product_change); taking them up is not emulated.
    const dropSeats = await refused(id, { productId: PRO_MONTHLY_ID });
    expect((dropSeats as HTTPValidationError).detail?.[0]).toMatchObject({ loc: ["body", "product_id"], msg: "Can't switch from a seat-based to a non-seat-based product." });
    const takeSeats = await refused(pro, { productId: TEAM_ID });
    expect((takeSeats as HTTPValidationError).detail?.[0]).toMatchObject({ loc: ["body", "product_id"], msg: "The Polar emulator does not emulate a change from a product without seats to a seat-based one." });
    await update(id, { cancelAtPeriodEnd: true });
    expect(await refused(id, { seats: 5 })).toBeInstanceOf(AlreadyCanceledSubscription);
    expect((await getSubscription(core, id)).seats).toBe(4);
  });

  it("next_period schedules the count (pending_update), the renewal applies it; the current count again drops it", async () => {
    const { subscriptionId: id } = await buyTeam("later-seats@example.com", 3, null);
    const { result, events } = await eventsOf(2, () => update(id, { seats: 6, prorationBehavior: "next_period" }));
    expect(types(events)).toEqual(["subscription.updated", "customer.state_changed"]);
    expect(result).toMatchObject({ seats: 3, amount: 3000, pendingUpdate: { seats: 6, productId: null, appliesAt: result.currentPeriodEnd } });
    expectParsable(events);
    // Scheduling the current count again drops the scheduled one.
    const dropped = await eventsOf(2, () => update(id, { seats: 3 }));
    expect(dropped.result.pendingUpdate).toBeNull();
    await update(id, { seats: 7, prorationBehavior: "next_period" });
    // The renewal: the seats and their price from the new period; the buyer's seat's grants cycle.
    const renewal = await eventsOf(8, () => admin(h.emulator.url, `/admin/subscriptions/${id}/renew`, {}));
    expect(types(renewal.events)).toEqual([
      "subscription.cycled",
      "subscription.updated",
      "order.created",
      "order.updated",
      "order.paid",
      "benefit_grant.cycled",
      "benefit_grant.cycled",
      "customer.state_changed",
    ]);
    expectParsable(renewal.events);
    expect(renewal.events[1]?.data).toMatchObject({ seats: 7, amount: 7000, pending_update: null });
    expect(renewal.events[4]?.data).toMatchObject({ billing_reason: "subscription_cycle", total_amount: 7000, items: [{ label: "Team (7 seats)", amount: 7000, product_price_id: TEAM_PRICE_ID }] });
  });

  it("prorate: the change applies now and its line waits for the renewal order", async () => {
    const { subscriptionId: id } = await buyTeam("prorated-seats@example.com", 2);
    const { result, events } = await eventsOf(2, () => update(id, { seats: 4, prorationBehavior: "prorate" }));
    expect(types(events)).toEqual(["subscription.updated", "customer.state_changed"]);
    expect(result).toMatchObject({ seats: 4, amount: 4000 });
    const renewal = await eventsOf(6, () => admin(h.emulator.url, `/admin/subscriptions/${id}/renew`, {}));
    const order = renewal.events.find((e) => e.type === "order.paid")?.data as { items: Array<{ label: string; amount: number; proration: boolean }>; total_amount: number };
    expect(order.items.map((i) => [i.label.split(" — ")[0], i.proration])).toEqual([
      ["Team (2 → 4 seats)", true],
      ["Team (4 seats)", false],
    ]);
    expect(order.items[0]?.amount).toBe(1999);
    expect(order.total_amount).toBe(1999 + 4000);
  });

  it("a declined charge refuses the change (402) and changes nothing", async () => {
    const { subscriptionId: id, customerId } = await buyTeam("declined-seats@example.com", 2);
    await admin(h.emulator.url, `/admin/customers/${customerId}/decline-next-charge`, {});
    const { events } = await eventsOf(0, async () => refused(id, { seats: 9 }));
    expect(events).toEqual([]);
    expect(await getSubscription(core, id)).toMatchObject({ seats: 2, amount: 2000 });
  });
});

describe("the subscription's end and its seats", () => {
  it("revoked: every seat is revoked (customer_seat.revoked each), then the members' grants, then the state", async () => {
    const email = "ending-team@example.com";
    const { subscriptionId: id, customerId } = await buyTeam(email, 3, null);
    await h.polar.customerSeats.assignSeat({ subscriptionId: id, email: "jo@example.com", immediateClaim: true });
    await h.polar.customerSeats.assignSeat({ subscriptionId: id, email: "kim@example.com" });
    const { events } = await eventsOf(11, () => h.polar.subscriptions.revoke({ id }));
    expect(types(events)).toEqual([
      "subscription.updated",
      "subscription.canceled",
      "subscription.revoked",
      "customer_seat.revoked",
      "customer_seat.revoked",
      "customer_seat.revoked",
      "benefit_grant.revoked",
      "benefit_grant.revoked",
      "benefit_grant.revoked",
      "benefit_grant.revoked",
      "customer.state_changed",
    ]);
    expectParsable(events);
    const list = await h.polar.customerSeats.listSeats({ subscriptionId: id });
    expect(list.seats.map((s) => s.status)).toEqual(["revoked", "revoked", "revoked"]);
    const state = await h.polar.customers.getState({ id: customerId });
    expect(state).toMatchObject({ type: "team", activeSubscriptions: [], grantedBenefits: [] });
    // Each claimed seat credited 100 reports to the team; Polar takes a credit back only with the
    // customer's last grant of it (`revoke_benefit` counts the grants in force, the one being
    // revoked included): the first seat's 100 stay, as on Polar.
    expect(state.activeMeters).toMatchObject([{ meterId: METER_ID, creditedUnits: 100 }]);
  });

  it("past_due (a declined renewal): the seats are revoked, and stay so when the payment goes through", async () => {
    const { subscriptionId: id } = await buyTeam("late-team@example.com", 2, null);
    const { events } = await eventsOf(9, () => admin(h.emulator.url, `/admin/subscriptions/${id}/renew-failing`, {}));
    expect(types(events)).toEqual([
      "subscription.cycled",
      "subscription.updated",
      "order.created",
      "subscription.updated",
      "subscription.past_due",
      "customer_seat.revoked",
      "benefit_grant.revoked",
      "benefit_grant.revoked",
      "customer.state_changed",
    ]);
    expectParsable(events);
    const recovered = await eventsOf(5, () => admin(h.emulator.url, `/admin/subscriptions/${id}/retry`, {}));
    expect(types(recovered.events)).toEqual(["order.updated", "order.paid", "subscription.updated", "subscription.active", "customer.state_changed"]);
    expect(await h.polar.customerSeats.listSeats({ subscriptionId: id })).toMatchObject({ availableSeats: 2, seats: [{ status: "revoked" }] });
  });

  it("canceled at period end: the seats stay until the end", async () => {
    const { subscriptionId: id } = await buyTeam("leaving-team@example.com", 2, null);
    const { events } = await eventsOf(3, () => update(id, { cancelAtPeriodEnd: true }));
    expect(types(events)).toEqual(["subscription.updated", "subscription.canceled", "customer.state_changed"]);
    expect(await h.polar.customerSeats.listSeats({ subscriptionId: id })).toMatchObject({ seats: [{ status: "claimed" }] });
  });
});

describe("the state file", () => {
  it("keeps the seats, the members, the team and the invitations across a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "polar-emulator-seats-"));
    const receiver = await startReceiver();
    const opts = { port: 0, accessTokens: [TOKEN], webhookUrl: receiver.url, webhookSecret: SECRET, stateFile: join(dir, "state.json"), log: () => {} };
    try {
      const first = await startPolarEmulator(opts);
      const polar1 = new Polar({ accessToken: TOKEN, serverURL: first.url });
      const email = "restart-team@example.com";
      const checkout = await polar1.checkouts.create({ products: [TEAM_ID], externalCustomerId: email, customerEmail: email, successUrl: SUCCESS_URL, seats: 4 });
      expect((await pay(checkout.url)).status).toBe(303);
      const [sub] = (await polar1.subscriptions.list({ externalCustomerId: email })).result.items;
      const seat = await polar1.customerSeats.assignSeat({ subscriptionId: sub?.id, email: "nora@example.com" });
      const seats = await polar1.customerSeats.listSeats({ subscriptionId: sub?.id });
      const members = await polar1.members.listMembers({ externalCustomerId: email });
      const { emails } = (await (await admin(first.url, "/admin/emails.json")).json()) as { emails: Array<{ token: string }> };
      await first.stop();

      const second = await startPolarEmulator(opts);
      try {
        const polar2 = new Polar({ accessToken: TOKEN, serverURL: second.url });
        expect(await polar2.customerSeats.listSeats({ subscriptionId: sub?.id })).toEqual(seats);
        expect(await polar2.members.listMembers({ externalCustomerId: email })).toMatchObject({ result: members.result });
        expect((await polar2.customers.getStateExternal({ externalId: email })).type).toBe("team");
        expect((await polar2.subscriptions.get({ id: sub?.id ?? "" })).seats).toBe(4);
        // The invitation still claims the seat.
        const claimed = await polar2.customerSeats.claimSeat({ invitationToken: emails[0]?.token ?? "" });
        expect(claimed.seat).toMatchObject({ id: seat.id, status: "claimed" });
      } finally {
        await second.stop();
      }
    } finally {
      await receiver.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("every seat payload, as the SDK reads it", () => {
  it("parses every event this file caused with the SDK's validateEvent", async () => {
    const seen = new Set(h.receiver.received.map((r) => r.type));
    for (const type of ["member.created", "member.updated", "member.deleted", "customer_seat.assigned", "customer_seat.claimed", "customer_seat.revoked"]) expect(seen.has(type)).toBe(true);
    for (const r of h.receiver.received) expect(sdkParse(r).type).toBe(r.type);
  });
});
