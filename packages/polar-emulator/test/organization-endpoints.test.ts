import { PolarCore } from "@polar-sh/sdk/core.js";
import { organizationsGet } from "@polar-sh/sdk/funcs/organizationsGet.js";
import { organizationsListOrganizations } from "@polar-sh/sdk/funcs/organizationsListOrganizations.js";
import { productsList } from "@polar-sh/sdk/funcs/productsList.js";
import { webhooksGetWebhookEndpoint } from "@polar-sh/sdk/funcs/webhooksGetWebhookEndpoint.js";
import { webhooksListWebhookEndpoints } from "@polar-sh/sdk/funcs/webhooksListWebhookEndpoints.js";
import type { Product } from "@polar-sh/sdk/models/components/product";
import { ResourceNotFound } from "@polar-sh/sdk/models/errors/resourcenotfound";
import { SDKError } from "@polar-sh/sdk/models/errors/sdkerror";
import { unwrap, unwrapAsync } from "@polar-sh/sdk/types/fp.js";
import { afterEach, describe, expect, it } from "vitest";
import { ALL_WEBHOOK_EVENTS } from "../src/index";
import { admin, BUSINESS_MONTHLY_ID, BUSINESS_YEARLY_ID, createCheckout, PRO_ID, PRO_MONTHLY_ID, PRO_TRIAL_ID, PRO_YEARLY_ID, SECRET, startHarness, TEAM_ID, TOKEN, verified, waitFor, type Harness } from "./harness";

// The endpoints a deployment checker reads (organizations, webhook endpoints), through the SDK's
// standalone functions on PolarCore as an app calls them, and the admin switches that break the
// configuration on purpose.

const ORGANIZATION_ID = "b9f7a9d2-3c4e-4f5a-8b6c-7d8e9f0a1b2c";
const UNKNOWN_ID = "44444444-4444-4444-8444-444444444444";

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function started(overrides: Parameters<typeof startHarness>[0] = {}): Promise<{ h: Harness; core: PolarCore }> {
  h = await startHarness(overrides);
  return { h, core: new PolarCore({ accessToken: TOKEN, serverURL: h.emulator.url }) };
}

async function endpoints(core: PolarCore, organizationId?: string) {
  const page = unwrap(await webhooksListWebhookEndpoints(core, { organizationId, limit: 100 }));
  return page.result;
}

async function allProducts(core: PolarCore): Promise<Product[]> {
  const items: Product[] = [];
  for await (const page of await productsList(core, { limit: 100 })) items.push(...unwrap(page).result.items);
  return items;
}

describe("organizations", () => {
  it("lists the token's one organization and gets it by id", async () => {
    const { core } = await started();
    const page = unwrap(await organizationsListOrganizations(core, {}));
    expect(page.result.pagination).toEqual({ totalCount: 1, maxPage: 1 });
    const [org] = page.result.items;
    expect(org).toMatchObject({ id: ORGANIZATION_ID, name: "Acme", slug: "acme", status: "active", defaultPresentmentCurrency: "usd" });
    expect(org?.createdAt).toBeInstanceOf(Date);
    expect(org?.capabilities.apiAccess).toBe(true);
    expect(await unwrapAsync(organizationsGet(core, { id: ORGANIZATION_ID }))).toEqual(org);
    expect(unwrap(await organizationsListOrganizations(core, { slug: "someone-else" })).result.items).toEqual([]);
  });

  it("answers an unknown organization 404 and a wrong token 401, as the SDK types them", async () => {
    const { h, core } = await started();
    const missing = await organizationsGet(core, { id: UNKNOWN_ID });
    expect(missing.ok ? null : missing.error).toBeInstanceOf(ResourceNotFound);
    const wrong = new PolarCore({ accessToken: "polar_oat_wrong", serverURL: h.emulator.url });
    const rejected = await organizationsListOrganizations(wrong, {});
    const error = rejected.ok ? null : rejected.error;
    expect(error).toBeInstanceOf(SDKError);
    expect((error as SDKError).statusCode).toBe(401);
  });
});

describe("webhook endpoints", () => {
  it("lists the one endpoint in Polar's shape: URL, raw format, secret, every event, enabled", async () => {
    const { h, core } = await started();
    const list = await endpoints(core);
    expect(list.pagination).toEqual({ totalCount: 1, maxPage: 1 });
    const [endpoint] = list.items;
    expect(endpoint).toMatchObject({
      url: h.receiver.url,
      format: "raw",
      secret: SECRET,
      organizationId: ORGANIZATION_ID,
      enabled: true,
      modifiedAt: null,
    });
    expect(endpoint?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(endpoint?.createdAt).toBeInstanceOf(Date);
    expect([...(endpoint?.events ?? [])].sort()).toEqual([...ALL_WEBHOOK_EVENTS].sort());
    expect(await unwrapAsync(webhooksGetWebhookEndpoint(core, { id: endpoint?.id ?? "" }))).toEqual(endpoint);
  });

  it("filters by organization_id; an unknown endpoint id is ResourceNotFound", async () => {
    const { core } = await started();
    expect((await endpoints(core, ORGANIZATION_ID)).items).toHaveLength(1);
    expect((await endpoints(core, UNKNOWN_ID)).items).toEqual([]);
    const missing = await webhooksGetWebhookEndpoint(core, { id: UNKNOWN_ID });
    expect(missing.ok ? null : missing.error).toBeInstanceOf(ResourceNotFound);
  });

  it("POST /admin/endpoint disables it (nothing is sent), moves it, and re-enables it", async () => {
    const { h, core } = await started();
    const disabled = await admin(h.emulator.url, "/admin/endpoint", { enabled: false });
    expect(disabled.status).toBe(200);
    expect(await disabled.json()).toMatchObject({ enabled: false, url: h.receiver.url, format: "raw" });
    const [endpoint] = (await endpoints(core)).items;
    expect(endpoint?.enabled).toBe(false);
    expect(endpoint?.modifiedAt).toBeInstanceOf(Date);

    await createCheckout(h.polar, "disabled@example.com");
    const skipped = await waitFor("the skipped event", async () => {
      const log = (await (await admin(h!.emulator.url, "/admin/deliveries.json")).json()) as { deliveries: Array<{ status: string; note: string | null }> };
      return log.deliveries.find((d) => d.status === "skipped");
    });
    expect(skipped.note).toMatch(/disabled/);
    expect(h.receiver.received).toEqual([]);

    const moved = `${h.receiver.url}/`;
    expect((await admin(h.emulator.url, "/admin/endpoint", { url: moved, enabled: true })).status).toBe(200);
    expect((await endpoints(core)).items[0]).toMatchObject({ url: moved, enabled: true });
    await createCheckout(h.polar, "moved@example.com");
    const got = await waitFor("the delivery to the new URL", () => h?.receiver.received[0]);
    expect(verified(got).type).toBe("checkout.created");
  });

  it("sends only the events the endpoint subscribes to", async () => {
    const { h, core } = await started({ webhookEvents: ["order.paid"] });
    expect((await endpoints(core)).items[0]?.events).toEqual(["order.paid"]);
    await createCheckout(h.polar, "unsubscribed@example.com");
    const log = await waitFor("the checkout.created event in the log", async () => {
      const json = (await (await admin(h!.emulator.url, "/admin/deliveries.json")).json()) as { deliveries: Array<{ type: string; status: string; note: string | null }> };
      return json.deliveries.find((d) => d.type === "checkout.created");
    });
    expect(log).toMatchObject({ status: "skipped", note: "not sent: the endpoint does not subscribe to checkout.created" });
    expect(h.receiver.received).toEqual([]);

    expect((await admin(h.emulator.url, "/admin/endpoint", { events: ["checkout.created"] })).status).toBe(200);
    await createCheckout(h.polar, "subscribed@example.com");
    expect(verified(await waitFor("the delivery", () => h?.receiver.received[0])).type).toBe("checkout.created");
  });

  it("refuses an event type Polar does not have, and a body that is not JSON", async () => {
    const { h } = await started();
    const unknown = await admin(h.emulator.url, "/admin/endpoint", { events: ["order.shipped"] });
    expect(unknown.status).toBe(422);
    const notJson = await fetch(`${h.emulator.url}/admin/endpoint`, { method: "POST", body: "{nope" });
    expect(notJson.status).toBe(400);
  });
});

describe("products through the admin API", () => {
  it("adds a product without plan metadata (product.created) and edits one (product.updated); reset restores the seed", async () => {
    const { h, core } = await started();
    const id = "55555555-5555-4555-8555-555555555555";
    const created = await admin(h.emulator.url, "/admin/products", { id, name: "Team", priceAmount: 4900 });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ id, name: "Team", metadata: {}, is_archived: false });
    const listed = await allProducts(core);
    expect(listed.map((p) => p.id)).toEqual([PRO_ID, PRO_MONTHLY_ID, PRO_TRIAL_ID, PRO_YEARLY_ID, BUSINESS_MONTHLY_ID, BUSINESS_YEARLY_ID, TEAM_ID, id]);

    const edited = await admin(h.emulator.url, `/admin/products/${PRO_MONTHLY_ID}`, { metadata: {} });
    expect(edited.status).toBe(200);
    const monthly = (await allProducts(core)).find((p) => p.id === PRO_MONTHLY_ID);
    expect(monthly).toMatchObject({ name: "Pro Monthly", metadata: {}, isArchived: false });
    expect(monthly?.modifiedAt).toBeInstanceOf(Date);

    const events = await waitFor("both product events", () => h?.receiver.received.length === 2 && h.receiver.received);
    const parsed = events.map((r) => verified(r));
    expect(parsed.map((e) => e.type)).toEqual(["product.created", "product.updated"]);
    expect(parsed[1]?.type === "product.updated" && parsed[1].data.modifiedAt).toBeInstanceOf(Date);

    expect((await admin(h.emulator.url, `/admin/products/${UNKNOWN_ID}`, { isArchived: true })).status).toBe(404);
    expect((await admin(h.emulator.url, "/admin/products", { name: "x" })).status).toBe(422);

    expect((await admin(h.emulator.url, "/admin/reset", {})).status).toBe(200);
    const seed = await allProducts(core);
    expect(seed.map((p) => [p.id, p.metadata])).toEqual([
      [PRO_ID, { plan: "pro", rank: 1 }],
      [PRO_MONTHLY_ID, { plan: "pro", rank: 1 }],
      [PRO_TRIAL_ID, { plan: "pro", rank: 1 }],
      [PRO_YEARLY_ID, { plan: "pro", rank: 1 }],
      [BUSINESS_MONTHLY_ID, { plan: "business", rank: 2 }],
      [BUSINESS_YEARLY_ID, { plan: "business", rank: 2 }],
      [TEAM_ID, { plan: "team", rank: 1.5 }],
    ]);
  });

  it("a product's trial: set with the product or by an edit, both fields together, recurring products only", async () => {
    const { h, core } = await started();
    const id = "66666666-6666-4666-8666-666666666666";
    const created = await admin(h.emulator.url, "/admin/products", { id, name: "Team", priceAmount: 4900, recurringInterval: "year", trialInterval: "month", trialIntervalCount: 1 });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ id, trial_interval: "month", trial_interval_count: 1, is_recurring: true });

    // Polar's rules: interval and count together; none on a one-time product.
    expect((await admin(h.emulator.url, "/admin/products", { name: "Half", priceAmount: 100, recurringInterval: "month", trialInterval: "day" })).status).toBe(422);
    expect((await admin(h.emulator.url, "/admin/products", { name: "Once", priceAmount: 100, trialInterval: "day", trialIntervalCount: 7 })).status).toBe(422);
    expect((await admin(h.emulator.url, `/admin/products/${PRO_ID}`, { trialInterval: "day", trialIntervalCount: 7 })).status).toBe(422);
    expect((await admin(h.emulator.url, `/admin/products/${PRO_MONTHLY_ID}`, { trialInterval: "week" })).status).toBe(422);

    const edited = await admin(h.emulator.url, `/admin/products/${PRO_MONTHLY_ID}`, { trialInterval: "week", trialIntervalCount: 2 });
    expect(edited.status).toBe(200);
    expect((await allProducts(core)).find((p) => p.id === PRO_MONTHLY_ID)).toMatchObject({ trialInterval: "week", trialIntervalCount: 2 });
    const removed = await admin(h.emulator.url, `/admin/products/${PRO_TRIAL_ID}`, { trialInterval: null, trialIntervalCount: null });
    expect(await removed.json()).toMatchObject({ id: PRO_TRIAL_ID, trial_interval: null, trial_interval_count: null });
  });
});
