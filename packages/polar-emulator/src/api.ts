import type { IncomingMessage, ServerResponse } from "node:http";
import type { WebhookDelivery } from "./delivery";
import type { Flows } from "./flows";
import { ApiError, invalidToken, notFound, readJson, sendJson } from "./http";
import {
  paginate,
  toCheckout,
  toCustomer,
  toCustomerSession,
  toCustomerState,
  toOrder,
  toOrganization,
  toProduct,
  toSubscription,
  toWebhookEndpoint,
  wire,
  type WireContext,
} from "./serialize";
import type { CustomerRecord, OrderRecord, Store, SubscriptionRecord } from "./store";
import { revokeSubscription, updateSubscription } from "./subscription-update";
import { seatRoutes } from "./api-seats";
import { usageRoutes } from "./api-usage";
import { anyOf, bool } from "./query";
import { checkoutCreateBody, checkoutUpdateBody, customerSessionCreateBody, pageParams, parseOr422, parseSubscriptionUpdate, uuidPath } from "./validation";

/**
 * The subset of Polar's REST API (v1) the app uses, answered in Polar's JSON. Paths, status
 * codes and error bodies are Polar's, so the unmodified SDK parses every answer.
 */

export interface ApiDeps {
  store: Store;
  flows: Flows;
  delivery: WebhookDelivery;
  ctx: WireContext;
  accessTokens: ReadonlySet<string>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, params: string[], query: URLSearchParams) => Promise<void> | void;

export interface Route {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  pattern: RegExp;
  handler: Handler;
  // Polar answers it without a token (the seat claim a member opens from an email).
  public?: boolean;
}

function authenticate(req: IncomingMessage, tokens: ReadonlySet<string>): void {
  const header = req.headers.authorization ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1] || !tokens.has(match[1])) throw invalidToken();
}

export function createApi(deps: ApiDeps): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> {
  const { store, flows, ctx, delivery } = deps;
  const endpoint = () => toWebhookEndpoint(delivery.endpoint, delivery.secret, ctx);

  const found = <T>(value: T | undefined): T => {
    if (value === undefined) throw notFound();
    return value;
  };
  const externalCustomer = (externalId: string): CustomerRecord => found(store.customerByExternalId(externalId));

  const customerIdsForExternal = (query: URLSearchParams): Set<string> | null => {
    const externals = query.getAll("external_customer_id");
    if (!externals.length) return null;
    return new Set(externals.map((e) => store.customerByExternalId(e)?.id).filter((id): id is string => Boolean(id)));
  };

  const ordersMatching = (query: URLSearchParams): OrderRecord[] => {
    const filters = [
      anyOf(query, "customer_id"),
      anyOf(query, "checkout_id"),
      anyOf(query, "product_id"),
      anyOf(query, "subscription_id"),
    ];
    const externalIds = customerIdsForExternal(query);
    return store.ordersWhere((o) => {
      const [byCustomer, byCheckout, byProduct, bySubscription] = filters;
      if (byCustomer && !byCustomer(o.customerId)) return false;
      if (byCheckout && !byCheckout(o.checkoutId)) return false;
      if (byProduct && !byProduct(o.productId)) return false;
      if (bySubscription && !bySubscription(o.subscriptionId)) return false;
      if (externalIds && !externalIds.has(o.customerId)) return false;
      return true;
    });
  };

  const subscriptionsMatching = (query: URLSearchParams): SubscriptionRecord[] => {
    const byCustomer = anyOf(query, "customer_id");
    const byProduct = anyOf(query, "product_id");
    const externalIds = customerIdsForExternal(query);
    const active = bool(query, "active");
    return store.subscriptionsWhere((s) => {
      if (byCustomer && !byCustomer(s.customerId)) return false;
      if (byProduct && !byProduct(s.productId)) return false;
      if (externalIds && !externalIds.has(s.customerId)) return false;
      if (active !== null && (s.status === "active" || s.status === "trialing") !== active) return false;
      return true;
    });
  };

  const routes: Route[] = [
    {
      method: "GET",
      pattern: /^\/v1\/products\/?$/,
      handler: (_req, res, _p, query) => {
        const { page, limit } = pageParams(query);
        const byId = anyOf(query, "id");
        const archived = bool(query, "is_archived");
        const recurring = bool(query, "is_recurring");
        const text = query.get("query")?.toLowerCase() ?? null;
        const all = store.productList().filter((p) => {
          if (byId && !byId(p.id)) return false;
          if (archived !== null && p.isArchived !== archived) return false;
          if (recurring !== null && (p.recurringInterval !== null) !== recurring) return false;
          if (text && !p.name.toLowerCase().includes(text)) return false;
          return true;
        });
        const { items, pagination } = paginate(all, page, limit);
        sendJson(res, 200, wire.productList({ items: items.map((p) => toProduct(p, ctx)), pagination }));
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/products\/([^/]+)\/?$/,
      handler: (_req, res, [id = ""]) => {
        sendJson(res, 200, wire.product(toProduct(found(store.products.get(uuidPath("id", id))), ctx)));
      },
    },
    {
      method: "POST",
      pattern: /^\/v1\/checkouts\/?$/,
      handler: async (req, res) => {
        const body = parseOr422(checkoutCreateBody, await readJson(req));
        const checkout = flows.checkouts.create(body);
        sendJson(res, 201, wire.checkout(toCheckout(checkout, ctx)));
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/checkouts\/([^/]+)\/?$/,
      handler: (_req, res, [id = ""]) => {
        sendJson(res, 200, wire.checkout(toCheckout(found(store.checkouts.get(uuidPath("id", id))), ctx)));
      },
    },
    {
      method: "PATCH",
      pattern: /^\/v1\/checkouts\/([^/]+)\/?$/,
      handler: async (req, res, [id = ""]) => {
        const checkoutId = uuidPath("id", id);
        const body = parseOr422(checkoutUpdateBody, await readJson(req));
        const checkout = found(store.checkouts.get(checkoutId));
        sendJson(res, 200, wire.checkout(toCheckout(flows.checkouts.update(checkout, body), ctx)));
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/customers\/external\/([^/]+)\/state\/?$/,
      handler: (_req, res, [externalId = ""]) => {
        sendJson(res, 200, wire.customerState(toCustomerState(externalCustomer(externalId), ctx)));
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/customers\/external\/([^/]+)\/?$/,
      handler: (_req, res, [externalId = ""]) => {
        sendJson(res, 200, wire.customer(toCustomer(externalCustomer(externalId), ctx)));
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/customers\/([^/]+)\/state\/?$/,
      handler: (_req, res, [id = ""]) => {
        sendJson(res, 200, wire.customerState(toCustomerState(found(store.customers.get(uuidPath("id", id))), ctx)));
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/customers\/([^/]+)\/?$/,
      handler: (_req, res, [id = ""]) => {
        sendJson(res, 200, wire.customer(toCustomer(found(store.customers.get(uuidPath("id", id))), ctx)));
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/customers\/?$/,
      handler: (_req, res, _p, query) => {
        const { page, limit } = pageParams(query);
        const email = query.get("email")?.toLowerCase() ?? null;
        const all = [...store.customers.values()]
          .filter((c) => email === null || c.email.toLowerCase() === email)
          .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
        const { items, pagination } = paginate(all, page, limit);
        sendJson(res, 200, wire.customerList({ items: items.map((c) => toCustomer(c, ctx)), pagination }));
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/orders\/?$/,
      handler: (_req, res, _p, query) => {
        const { page, limit } = pageParams(query);
        const { items, pagination } = paginate(ordersMatching(query), page, limit);
        sendJson(res, 200, wire.orderList({ items: items.map((o) => toOrder(o, ctx)), pagination }));
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/orders\/([^/]+)\/?$/,
      handler: (_req, res, [id = ""]) => {
        sendJson(res, 200, wire.order(toOrder(found(store.orders.get(uuidPath("id", id))), ctx)));
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/subscriptions\/?$/,
      handler: (_req, res, _p, query) => {
        const { page, limit } = pageParams(query);
        const { items, pagination } = paginate(subscriptionsMatching(query), page, limit);
        sendJson(res, 200, wire.subscriptionList({ items: items.map((s) => toSubscription(s, ctx)), pagination }));
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/subscriptions\/([^/]+)\/?$/,
      handler: (_req, res, [id = ""]) => {
        sendJson(res, 200, wire.subscription(toSubscription(found(store.subscriptions.get(uuidPath("id", id))), ctx)));
      },
    },
    {
      // One kind of change per call (validation.ts); refusals answer as Polar (subscription-update.ts).
      method: "PATCH",
      pattern: /^\/v1\/subscriptions\/([^/]+)\/?$/,
      handler: async (req, res, [id = ""]) => {
        const subId = uuidPath("id", id);
        // FastAPI validates the body before the handler looks the subscription up.
        const update = parseSubscriptionUpdate(await readJson(req));
        const sub = found(store.subscriptions.get(subId));
        updateSubscription(flows, sub, update);
        sendJson(res, 200, wire.subscription(toSubscription(sub, ctx)));
      },
    },
    {
      method: "DELETE",
      pattern: /^\/v1\/subscriptions\/([^/]+)\/?$/,
      handler: (_req, res, [id = ""]) => {
        const sub = found(store.subscriptions.get(uuidPath("id", id)));
        revokeSubscription(flows, sub);
        sendJson(res, 200, wire.subscription(toSubscription(sub, ctx)));
      },
    },
    {
      // An Organization Access Token sees its own organization only.
      method: "GET",
      pattern: /^\/v1\/organizations\/?$/,
      handler: (_req, res, _p, query) => {
        const { page, limit } = pageParams(query);
        const slug = query.get("slug");
        const all = [toOrganization(ctx)].filter((o) => slug === null || o.slug === slug);
        const { items, pagination } = paginate(all, page, limit);
        sendJson(res, 200, wire.organizationList({ items, pagination }));
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/organizations\/([^/]+)\/?$/,
      handler: (_req, res, [id = ""]) => {
        if (uuidPath("id", id) !== store.organizationId) throw notFound();
        sendJson(res, 200, wire.organization(toOrganization(ctx)));
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/webhooks\/endpoints\/?$/,
      handler: (_req, res, _p, query) => {
        const { page, limit } = pageParams(query);
        const byOrganization = anyOf(query, "organization_id");
        const all = [endpoint()].filter((e) => !byOrganization || byOrganization(e.organizationId));
        const { items, pagination } = paginate(all, page, limit);
        sendJson(res, 200, wire.webhookEndpointList({ items, pagination }));
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/webhooks\/endpoints\/([^/]+)\/?$/,
      handler: (_req, res, [id = ""]) => {
        if (uuidPath("id", id) !== delivery.endpoint.id) throw notFound();
        sendJson(res, 200, wire.webhookEndpoint(endpoint()));
      },
    },
    {
      method: "POST",
      pattern: /^\/v1\/customer-sessions\/?$/,
      handler: async (req, res) => {
        const body = parseOr422(customerSessionCreateBody, await readJson(req));
        const session = flows.customers.createSession(body);
        sendJson(res, 201, wire.customerSession(toCustomerSession(session, ctx)));
      },
    },
    // Events, meters, benefits and customer meters (api-usage.ts).
    ...usageRoutes(deps),
    // Customer seats and members (api-seats.ts).
    ...seatRoutes(deps),
  ];

  /** Handles `/v1/...`; returns false for any other path. */
  return async (req, res, url) => {
    if (!url.pathname.startsWith("/v1/")) return false;
    // Polar checks the token before it looks at the route, but for its public routes.
    if (!routes.some((r) => r.public && r.method === req.method && r.pattern.test(url.pathname))) authenticate(req, deps.accessTokens);
    let pathMatched = false;
    for (const route of routes) {
      const m = route.pattern.exec(url.pathname);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== req.method) continue;
      let params: string[];
      try {
        params = m.slice(1).map((p) => decodeURIComponent(p));
      } catch {
        throw notFound(); // a malformed %-escape names nothing that exists
      }
      await route.handler(req, res, params, url.searchParams);
      return true;
    }
    if (pathMatched) throw new ApiError(405, { detail: "Method Not Allowed" });
    throw new ApiError(404, { detail: "Not Found" });
  };
}
