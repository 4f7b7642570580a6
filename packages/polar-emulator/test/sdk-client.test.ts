import { Polar } from "@polar-sh/sdk";
import { HTTPValidationError } from "@polar-sh/sdk/models/errors/httpvalidationerror";
import { PolarError } from "@polar-sh/sdk/models/errors/polarerror";
import { ResourceNotFound } from "@polar-sh/sdk/models/errors/resourcenotfound";
import { SDKError } from "@polar-sh/sdk/models/errors/sdkerror";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUSINESS_MONTHLY_ID, BUSINESS_YEARLY_ID, createCheckout, pay, PRO_ID, PRO_MONTHLY_ID, PRO_TRIAL_ID, PRO_YEARLY_ID, startHarness, SUCCESS_URL, TEAM_ID, TEAM_PRICE_ID, TOKEN, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

describe("the unmodified SDK against the emulator", () => {
  it("lists products page by page, with prices and metadata", async () => {
    const seen: string[] = [];
    const pages = await h.polar.products.list({ limit: 1 });
    let pageCount = 0;
    for await (const page of pages) {
      pageCount++;
      expect(page.result.pagination).toEqual({ totalCount: 7, maxPage: 7 });
      for (const p of page.result.items) seen.push(p.id);
    }
    expect(pageCount).toBe(7);
    expect(seen).toEqual([PRO_ID, PRO_MONTHLY_ID, PRO_TRIAL_ID, PRO_YEARLY_ID, BUSINESS_MONTHLY_ID, BUSINESS_YEARLY_ID, TEAM_ID]);

    const all = await h.polar.products.list({ limit: 100 });
    const [pro, monthly, trial] = all.result.items;
    expect(pro).toMatchObject({ id: PRO_ID, name: "Pro", isRecurring: false, recurringInterval: null, metadata: { plan: "pro" } });
    expect(pro?.description).toMatch(/\S/);
    expect(pro?.prices).toEqual([expect.objectContaining({ amountType: "fixed", priceAmount: 999, priceCurrency: "usd", productId: PRO_ID })]);
    expect(monthly).toMatchObject({ id: PRO_MONTHLY_ID, name: "Pro Monthly", isRecurring: true, recurringInterval: "month", metadata: { plan: "pro" } });
    expect(monthly?.prices[0]).toMatchObject({ priceAmount: 1299 });
    expect(monthly).toMatchObject({ trialInterval: null, trialIntervalCount: null });
    expect(trial).toMatchObject({ id: PRO_TRIAL_ID, name: "Pro Trial", recurringInterval: "month", trialInterval: "day", trialIntervalCount: 14, metadata: { plan: "pro" } });
    expect(trial?.prices[0]).toMatchObject({ priceAmount: 1299 });
    // Team's one price is seat-based (Polar's ProductPriceSeatBased), its tiers as Polar writes them.
    const team = all.result.items.find((p) => p.id === TEAM_ID);
    expect(team).toMatchObject({ name: "Team", isRecurring: true, recurringInterval: "month", metadata: { plan: "team", rank: 1.5 } });
    expect(team?.prices).toEqual([
      expect.objectContaining({
        id: TEAM_PRICE_ID,
        amountType: "seat_based",
        priceCurrency: "usd",
        productId: TEAM_ID,
        seatTiers: {
          seatTierType: "volume",
          tiers: [
            { minSeats: 2, maxSeats: 9, pricePerSeat: 1000 },
            { minSeats: 10, maxSeats: 50, pricePerSeat: 800 },
          ],
          minimumSeats: 2,
          maximumSeats: 50,
        },
      }),
    ]);
    expect(team?.benefits.map((b) => b.id)).toEqual(["6a2f9c4e-1b7d-4e3a-8c5f-0d9e2b4a6c71", "8e3c5a7b-2d1f-4b6e-9a0c-4f7d1e3b5a82"]);
  });

  it("filters products as Polar does", async () => {
    const recurring = await h.polar.products.list({ isRecurring: true });
    expect(recurring.result.items.map((p) => p.id)).toEqual([PRO_MONTHLY_ID, PRO_TRIAL_ID, PRO_YEARLY_ID, BUSINESS_MONTHLY_ID, BUSINESS_YEARLY_ID, TEAM_ID]);
  });

  it("gets a product, and answers 404 ResourceNotFound for an unknown one", async () => {
    const p = await h.polar.products.get({ id: PRO_ID });
    expect(p.name).toBe("Pro");
    expect(p.createdAt).toBeInstanceOf(Date);
    const error = await rejection(h.polar.products.get({ id: "00000000-0000-4000-8000-000000000000" }));
    expect(error).toBeInstanceOf(ResourceNotFound);
    expect((error as ResourceNotFound).statusCode).toBe(404);
  });

  it("creates a checkout with the app's exact call and reads it back", async () => {
    const email = "sdk-create@example.com";
    const before = Date.now();
    const checkout = await createCheckout(h.polar, email);
    expect(checkout).toMatchObject({
      status: "open",
      externalCustomerId: email,
      customerEmail: email,
      productId: PRO_ID,
      amount: 999,
      totalAmount: 999,
      taxAmount: 0,
      currency: "usd",
      successUrl: SUCCESS_URL,
      customerId: null,
      paymentProcessor: "stripe",
    });
    expect(checkout.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(checkout.clientSecret).toMatch(/^polar_c_[A-Za-z0-9]{40,}$/);
    expect(checkout.url).toBe(`${h.emulator.url}/checkout/${checkout.clientSecret}`);
    expect(checkout.product?.name).toBe("Pro");
    expect(checkout.products.map((p) => p.id)).toEqual([PRO_ID]);
    const ttl = checkout.expiresAt.getTime() - before;
    expect(ttl).toBeGreaterThan(24 * 3600_000 - 5_000);
    expect(ttl).toBeLessThan(24 * 3600_000 + 5_000);

    const again = await h.polar.checkouts.get({ id: checkout.id });
    expect(again).toEqual(checkout);
  });

  it("after a payment: customer state, orders, subscriptions and a portal session all parse", async () => {
    const email = "sdk-paid@example.com";
    const oneTime = await createCheckout(h.polar, email);
    expect((await pay(oneTime.url)).status).toBe(303);
    const monthly = await createCheckout(h.polar, email, PRO_MONTHLY_ID);
    expect((await pay(monthly.url)).status).toBe(303);

    expect((await h.polar.checkouts.get({ id: oneTime.id })).status).toBe("succeeded");

    const state = await h.polar.customers.getStateExternal({ externalId: email });
    expect(state).toMatchObject({ email, externalId: email, type: "individual" });
    expect(state.activeSubscriptions.map((s) => s.productId)).toEqual([PRO_MONTHLY_ID]);

    const orders = await h.polar.orders.list({ checkoutId: oneTime.id, limit: 10 });
    expect(orders.result.items).toHaveLength(1);
    const [order] = orders.result.items;
    expect(order).toMatchObject({ status: "paid", paid: true, checkoutId: oneTime.id, productId: PRO_ID, totalAmount: 999, billingReason: "purchase" });
    expect(order?.customer).toMatchObject({ email, externalId: email });
    expect(await h.polar.orders.get({ id: order?.id ?? "" })).toEqual(order);

    const byCustomer = await h.polar.orders.list({ externalCustomerId: email });
    expect(byCustomer.result.items).toHaveLength(2);
    expect(byCustomer.result.pagination.totalCount).toBe(2);

    const [monthlyOrder] = (await h.polar.orders.list({ checkoutId: monthly.id })).result.items;
    expect(monthlyOrder?.billingReason).toBe("subscription_create");
    const sub = await h.polar.subscriptions.get({ id: monthlyOrder?.subscriptionId ?? "" });
    expect(sub).toMatchObject({ status: "active", productId: PRO_MONTHLY_ID, checkoutId: monthly.id, cancelAtPeriodEnd: false });
    expect(sub.customer.externalId).toBe(email);

    const session = await h.polar.customerSessions.create({ externalCustomerId: email, returnUrl: "http://localhost:3000/account" });
    expect(session.customerPortalUrl.startsWith(`${h.emulator.url}/portal?customer_session_token=`)).toBe(true);
    expect(session.customer.email).toBe(email);
    // An hour from its creation. The emulator's clock is strictly increasing (store.ts, tick), so
    // after a burst of events it may stand a few milliseconds ahead of the wall clock.
    expect(session.expiresAt.getTime() - session.createdAt.getTime()).toBe(3600_000);
    expect(Math.abs(session.createdAt.getTime() - Date.now())).toBeLessThan(10_000);
    const portal = await fetch(session.customerPortalUrl);
    expect(portal.status).toBe(200);
    const html = await portal.text();
    expect(html).toContain("Pro Monthly");
    expect(html).toContain(email);
  });
});

describe("errors in Polar's shapes, as the SDK types them", () => {
  it("a wrong token gets 401 invalid_token and the SDK throws", async () => {
    const wrong = new Polar({ accessToken: "polar_oat_wrong", serverURL: h.emulator.url });
    const error = await rejection(wrong.products.list({}));
    expect(error).toBeInstanceOf(SDKError);
    expect(error).toBeInstanceOf(PolarError);
    expect((error as SDKError).statusCode).toBe(401);
    expect(JSON.parse((error as SDKError).body)).toEqual({ error: "invalid_token", error_description: expect.any(String) });
  });

  it("a missing token gets the same 401 with a WWW-Authenticate header", async () => {
    const variants: Array<Record<string, string>> = [{}, { authorization: `Basic ${TOKEN}` }, { authorization: "Bearer " }];
    for (const headers of variants) {
      const res = await fetch(`${h.emulator.url}/v1/products/`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer error="invalid_token"/);
      expect(res.headers.get("content-type")).toBe("application/json");
      expect(await res.json()).toMatchObject({ error: "invalid_token" });
    }
  });

  it("an unknown product gets a 422 the SDK raises as HTTPValidationError", async () => {
    const unknown = "11111111-1111-4111-8111-111111111111";
    const error = await rejection(
      h.polar.checkouts.create({ products: [unknown], externalCustomerId: "x@example.com", customerEmail: "x@example.com", successUrl: SUCCESS_URL }),
    );
    expect(error).toBeInstanceOf(HTTPValidationError);
    expect((error as HTTPValidationError).statusCode).toBe(422);
    expect((error as HTTPValidationError).detail).toEqual([expect.objectContaining({ loc: ["body", "products", 0], type: "value_error", input: unknown })]);
  });

  it("an external id owned by a customer with another email gets a 422", async () => {
    const email = "owner@example.com";
    expect((await pay((await createCheckout(h.polar, email)).url)).status).toBe(303);
    const error = await rejection(
      h.polar.checkouts.create({ products: [PRO_ID], externalCustomerId: email, customerEmail: "someone-else@example.com", successUrl: SUCCESS_URL }),
    );
    expect(error).toBeInstanceOf(HTTPValidationError);
    expect((error as HTTPValidationError).detail?.[0]?.loc).toEqual(["body", "customer_email"]);
    // The same external id with its own email is fine: the existing customer is linked at once.
    const ok = await createCheckout(h.polar, email);
    expect(ok.customerId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("a malformed body or a missing field gets FastAPI's 422", async () => {
    const post = (body: string) =>
      fetch(`${h.emulator.url}/v1/checkouts/`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body });
    const bad = await post("{not json");
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { detail: Array<{ type: string; loc: unknown[] }> }).detail[0]).toMatchObject({ type: "json_invalid", loc: ["body", 1] });
    const missing = await post("{}");
    expect(missing.status).toBe(422);
    expect(((await missing.json()) as { detail: unknown[] }).detail[0]).toMatchObject({ type: "missing", loc: ["body", "products"], msg: "Field required" });
  });

  it("unknown resources get 404 ResourceNotFound; unknown customers' state too", async () => {
    const error = await rejection(h.polar.checkouts.get({ id: "22222222-2222-4222-8222-222222222222" }));
    expect(error).toBeInstanceOf(ResourceNotFound);
    expect((error as ResourceNotFound).detail).toBe("Not found");
    expect(await rejection(h.polar.customers.getStateExternal({ externalId: "nobody@example.com" }))).toBeInstanceOf(ResourceNotFound);
    expect(await rejection(h.polar.orders.get({ id: "33333333-3333-4333-8333-333333333333" }))).toBeInstanceOf(ResourceNotFound);
  });

  it("a customer session for an unknown customer is a 422", async () => {
    expect(await rejection(h.polar.customerSessions.create({ externalCustomerId: "nobody@example.com" }))).toBeInstanceOf(HTTPValidationError);
  });
});
