import type { IncomingMessage, ServerResponse } from "node:http";
import { WebhookEventType } from "@polar-sh/sdk/models/components/webhookeventtype";
import { z } from "zod";
import type { DeliveryLog, WebhookDelivery } from "./delivery";
import type { Flows } from "./flows";
import { esc, page } from "./html";
import { ApiError, isLoopback, readBody, redirect, sendHtml, sendJson } from "./http";
import { newProductBody, productPatchBody, productRecord, trialProblem } from "./seed";
import { toCheckout, toOrder, toProduct, toSubscription, toWebhookEndpoint, wire, type WireContext } from "./serialize";
import type { Store } from "./store";
import { usageProblems } from "./usage-seed";

/**
 * The emulator's own controls, which Polar does not have: the delivery log, the test switches,
 * expiring a checkout now, changing the endpoint and the products the way a merchant does in
 * Polar's dashboard, and a reset for tests. No token is asked, so only loopback clients are served.
 */

/** One call to the REST API (`/v1/...`), as the app made it. */
export interface ApiRequestRecord {
  at: string;
  method: string;
  path: string;
}

export interface AdminDeps {
  store: Store;
  flows: Flows;
  delivery: WebhookDelivery;
  ctx: WireContext;
  /** The latest REST calls, oldest first (bounded). */
  apiRequests: ApiRequestRecord[];
  onReset: () => void;
}

export const settingsBody = z
  .object({
    delayMs: z.int().min(0).max(600_000),
    duplicateRate: z.number().min(0).max(1),
    shuffleWindow: z.int().min(0).max(1_000),
    dropFirstAttempt: z.boolean(),
  })
  .partial()
  .strict();

const EVENT_TYPES = Object.values(WebhookEventType) as [string, ...string[]];

/** Polar's dashboard edits of the endpoint; an https URL is not required here (a local receiver). */
export const endpointBody = z
  .object({
    url: z.url({ protocol: /^https?$/ }),
    events: z.array(z.enum(EVENT_TYPES)),
    enabled: z.boolean(),
  })
  .partial()
  .strict();

const attemptsHtml = (d: DeliveryLog): string =>
  d.attempts.length
    ? `<ol>${d.attempts
        .map(
          (a) =>
            `<li>${a.kind === "attempt" ? "" : `<strong>${esc(a.kind)}</strong> `}#${a.attempt} ${esc(a.at.slice(11, 23))} → ` +
            `${a.status === null ? "no answer" : `HTTP ${a.status}`}${a.error ? ` <span class="muted">(${esc(a.error)})</span>` : ""} <span class="muted">${a.durationMs} ms</span></li>`,
        )
        .join("")}</ol>`
    : `<span class="muted">none yet</span>`;

function deliveriesPage(deps: AdminDeps): string {
  const { delivery } = deps;
  const ep = delivery.endpoint;
  const rows = delivery
    .list()
    .reverse()
    .map(
      (d) => `<tr>
  <td>${esc(d.emittedAt.slice(11, 23))}</td>
  <td><code>${esc(d.type)}</code></td>
  <td><code>${esc(d.webhookId)}</code></td>
  <td>${esc(d.status)}${d.note ? `<br><span class="muted">${esc(d.note)}</span>` : ""}${d.nextAttemptAt ? `<br><span class="muted">next ${esc(d.nextAttemptAt.slice(11, 23))}</span>` : ""}</td>
  <td>${attemptsHtml(d)}</td>
  <td><form method="post" action="/admin/deliveries/${esc(d.webhookId)}/redeliver"><button type="submit" class="secondary" aria-label="Redeliver ${esc(d.type)} ${esc(d.webhookId)}">Redeliver</button></form></td>
</tr>`,
    )
    .join("\n");
  const endpoint = ep.enabled
    ? `<p>Endpoint <code>${esc(ep.url)}</code>: <span class="ok">enabled</span></p>`
    : `<p>Endpoint <code>${esc(ep.url)}</code>: <strong class="error">disabled</strong> since ${esc(ep.disabledAt)} (${esc(ep.disabledReason)})</p>
<form method="post" action="/admin/endpoint/enable"><button type="submit">Re-enable the endpoint</button></form>`;
  return page(
    "Webhook deliveries",
    `<h1>Webhook deliveries</h1>
${endpoint}
<p class="muted">Test switches: <code>${esc(JSON.stringify(delivery.settings))}</code> (<code>POST /admin/settings</code>). JSON: <a href="/admin/deliveries.json">/admin/deliveries.json</a></p>
${rows ? `<table><thead><tr><th scope="col">Emitted</th><th scope="col">Event</th><th scope="col">webhook-id</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col"><span class="muted">Action</span></th></tr></thead><tbody>${rows}</tbody></table>` : "<p>No events yet.</p>"}`,
    { wide: true },
  );
}

/** Handles `/admin/...`; returns false for any other path. */
export function createAdmin(deps: AdminDeps): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> {
  const { store, flows, delivery, ctx } = deps;

  // A form from the deliveries page gets the page back; a script gets JSON.
  const done = (req: IncomingMessage, res: ServerResponse, json: unknown, status = 200) => {
    if ((req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) redirect(res, "/admin/deliveries");
    else sendJson(res, status, json);
  };

  return async (req, res, url) => {
    const path = url.pathname.replace(/\/+$/, "");
    if (path !== "/admin" && !path.startsWith("/admin/")) return false;
    if (!isLoopback(req.socket.remoteAddress)) throw new ApiError(403, { detail: "The emulator's admin endpoints answer loopback clients only." });

    if (req.method === "GET") {
      if (path === "/admin" || path === "/admin/deliveries") {
        sendHtml(res, 200, deliveriesPage(deps));
        return true;
      }
      if (path === "/admin/deliveries.json") {
        sendJson(res, 200, { endpoint: delivery.endpoint, settings: delivery.settings, deliveries: delivery.list() });
        return true;
      }
      if (path === "/admin/settings") {
        sendJson(res, 200, delivery.settings);
        return true;
      }
      // The emails Polar would have sent (seat invitations, with their claim link and token).
      if (path === "/admin/emails.json") {
        sendJson(res, 200, { emails: store.emails });
        return true;
      }
      if (path === "/admin/requests.json") {
        sendJson(res, 200, { requests: deps.apiRequests });
        return true;
      }
      // What Polar's customer JSON does not show: the decline switch and the balance (credit).
      const customerPath = /^\/admin\/customers\/([^/]+)$/.exec(path);
      if (customerPath?.[1]) {
        const customer = store.customers.get(customerPath[1]);
        if (!customer) throw new ApiError(404, { error: "ResourceNotFound", detail: "Not found" });
        sendJson(res, 200, { id: customer.id, declineNextCharge: customer.declineNextCharge, balances: customer.balances });
        return true;
      }
      throw new ApiError(404, { detail: "Not Found" });
    }
    if (req.method !== "POST") throw new ApiError(405, { detail: "Method Not Allowed" });

    /** A JSON body checked against `schema`, or the 400/422 that says what is wrong with it. */
    const body = async <S extends z.ZodType>(schema: S, shape: string): Promise<z.output<S>> => {
      const text = await readBody(req);
      let raw: unknown;
      try {
        raw = text.trim() ? JSON.parse(text) : {};
      } catch {
        throw new ApiError(400, { detail: `The body must be JSON: ${shape}` });
      }
      const parsed = schema.safeParse(raw);
      if (!parsed.success) throw new ApiError(422, { detail: z.prettifyError(parsed.error) });
      return parsed.data;
    };

    if (path === "/admin/settings") {
      const settings = await body(settingsBody, "{delayMs, duplicateRate, shuffleWindow, dropFirstAttempt}");
      const defined = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined));
      delivery.settings = { ...delivery.settings, ...defined };
      sendJson(res, 200, delivery.settings);
      return true;
    }
    if (path === "/admin/endpoint") {
      delivery.updateEndpoint(await body(endpointBody, "{url, events, enabled}"));
      sendJson(res, 200, wire.webhookEndpoint(toWebhookEndpoint(delivery.endpoint, delivery.secret, ctx)));
      return true;
    }
    if (path === "/admin/products") {
      const record = productRecord(await body(newProductBody, "a product as in the seed file"));
      const problems = usageProblems(store.meters, store.benefits, [record]);
      if (problems.length) throw new ApiError(422, { detail: problems.join("\n") });
      const { product, created } = flows.products.save(record);
      sendJson(res, created ? 201 : 200, wire.product(toProduct(product, ctx)));
      return true;
    }
    const productPath = /^\/admin\/products\/([^/]+)$/.exec(path);
    if (productPath?.[1]) {
      const existing = store.products.get(productPath[1]);
      if (!existing) {
        await readBody(req);
        throw new ApiError(404, { error: "ResourceNotFound", detail: "Not found" });
      }
      const patch = await body(productPatchBody, "{name, description, metadata, visibility, isArchived, trialInterval, trialIntervalCount}");
      const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
      const changed = { ...existing, ...defined };
      const problem = trialProblem(changed);
      if (problem) throw new ApiError(422, { detail: `✖ ${problem.message}\n  → at ${problem.path}` });
      const { product } = flows.products.save(changed);
      sendJson(res, 200, wire.product(toProduct(product, ctx)));
      return true;
    }
    if (path === "/admin/endpoint/enable") {
      await readBody(req);
      delivery.enableEndpoint();
      done(req, res, delivery.endpoint);
      return true;
    }
    if (path === "/admin/reset") {
      await readBody(req);
      flows.stop();
      store.reset();
      delivery.reset();
      deps.apiRequests.length = 0;
      deps.onReset();
      sendJson(res, 200, { reset: true, products: store.products.size });
      return true;
    }
    const expire = /^\/admin\/checkouts\/([^/]+)\/expire$/.exec(path);
    if (expire?.[1]) {
      await readBody(req);
      const checkout = store.checkouts.get(expire[1]);
      if (!checkout) throw new ApiError(404, { error: "ResourceNotFound", detail: "Not found" });
      if (!flows.checkouts.expire(checkout)) throw new ApiError(409, { detail: `The checkout is ${checkout.status}; only an open checkout can expire.` });
      sendJson(res, 200, wire.checkout(toCheckout(checkout, ctx)));
      return true;
    }
    // Lifecycle triggers for tests, the same flows as the portal's buttons (src/flows/). `renew` is
    // the period's end brought forward (a subscription set to pause pauses), `resume` a paused
    // subscription's resume (its `resumes_at` brought forward, or the merchant's resume).
    const lifecycle = /^\/admin\/subscriptions\/([^/]+)\/(renew|renew-failing|retry|retry-declined|uncancel|resume)$/.exec(path);
    if (lifecycle?.[1]) {
      await readBody(req);
      const sub = store.subscriptions.get(lifecycle[1]);
      if (!sub) throw new ApiError(404, { error: "ResourceNotFound", detail: "Not found" });
      const action = lifecycle[2];
      const ok =
        action === "retry"
          ? flows.renewals.retry(sub) !== null
          : action === "retry-declined"
            ? flows.renewals.declineRetry(sub) !== null
            : action === "uncancel"
              ? flows.subscriptions.uncancel(sub)
              : action === "resume"
                ? sub.status === "paused" && flows.subscriptionChanges.resume(sub) !== null
                : flows.renewals.renew(sub, { failing: action === "renew-failing" }) !== null;
      if (!ok) throw new ApiError(409, { detail: `The subscription is ${sub.status}${sub.cancelAtPeriodEnd ? " (canceling)" : ""}: cannot ${action}.` });
      sendJson(res, 200, wire.subscription(toSubscription(sub, ctx)));
      return true;
    }
    // The emulator's decline switch: the customer's next charge of the saved card is declined
    // (a plan change invoiced now answers 402; a renewal or a resume goes past_due).
    const decline = /^\/admin\/customers\/([^/]+)\/decline-next-charge$/.exec(path);
    if (decline?.[1]) {
      const { decline: on } = await body(z.object({ decline: z.boolean().default(true) }).strict(), "{decline?}");
      const customer = store.customers.get(decline[1]);
      if (!customer) throw new ApiError(404, { error: "ResourceNotFound", detail: "Not found" });
      flows.customers.setDeclineNextCharge(customer, on);
      sendJson(res, 200, { id: customer.id, declineNextCharge: customer.declineNextCharge, balances: customer.balances });
      return true;
    }
    const refundPart = /^\/admin\/orders\/([^/]+)\/refund-part$/.exec(path);
    if (refundPart?.[1]) {
      const text = await readBody(req);
      let raw: unknown;
      try {
        raw = text.trim() ? JSON.parse(text) : {};
      } catch {
        throw new ApiError(400, { detail: "The body must be JSON: {amount?}" });
      }
      const parsed = z.object({ amount: z.int().min(1).optional() }).strict().safeParse(raw);
      if (!parsed.success) throw new ApiError(422, { detail: z.prettifyError(parsed.error) });
      const order = store.orders.get(refundPart[1]);
      if (!order) throw new ApiError(404, { error: "ResourceNotFound", detail: "Not found" });
      if (!flows.orders.refundPart(order, parsed.data.amount)) throw new ApiError(409, { detail: `The order is ${order.status}: nothing to refund.` });
      sendJson(res, 200, wire.order(toOrder(order, ctx)));
      return true;
    }
    const redeliver = /^\/admin\/deliveries\/([^/]+)\/redeliver$/.exec(path);
    if (redeliver?.[1]) {
      await readBody(req);
      const record = await delivery.redeliver(redeliver[1]);
      if (!record) throw new ApiError(404, { error: "ResourceNotFound", detail: "Not found" });
      done(req, res, record);
      return true;
    }
    throw new ApiError(404, { detail: "Not Found" });
  };
}
