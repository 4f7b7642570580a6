import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebhookEventType } from "@polar-sh/sdk/models/components/webhookeventtype";
import { createAdmin, type ApiRequestRecord } from "./admin";
import { createApi } from "./api";
import { createCheckoutPage } from "./checkout-page";
import { DEFAULT_SETTINGS, WebhookDelivery, type DeliverySettings } from "./delivery";
import { Flows } from "./flows";
import { TYPES_THE_SDK_CANNOT_PARSE } from "./events";
import { esc, page } from "./html";
import { ApiError, sendHtml, sendJson } from "./http";
import { debouncedSaver, readState, writeState } from "./persistence";
import { createPortalPage } from "./portal-page";
import { loadSeed } from "./seed";
import type { WireContext } from "./serialize";
import { Store } from "./store";
import { trialFreeText } from "./trial";

/**
 * A local Polar: the REST subset the app's `@polar-sh/sdk` client calls (only `serverURL`
 * differs), a hosted checkout page with a Pay button, a customer portal, and webhooks signed
 * and delivered (and retried, and given up on) as Polar does. Like stripe-mock plus
 * `stripe trigger`, so the whole payment flow runs offline.
 */

export interface PolarEmulatorOptions {
  port?: number; // 0 or undefined = pick a free port
  host?: string; // default "127.0.0.1"
  accessTokens: string[]; // bearer tokens accepted
  webhookUrl: string; // e.g. http://localhost:3000/api/webhooks/polar
  webhookEvents?: string[]; // the events the endpoint subscribes to; default every WebhookEventType (ALL_WEBHOOK_EVENTS)
  webhookSecret: string; // Polar's secret string, e.g. "whsec_..."; its raw UTF-8 bytes are the key
  productsFile?: string; // JSON seed of products; default: products.json next to this file (DEFAULT_PRODUCTS_FILE)
  stateFile?: string; // optional JSON persistence across restarts
  retryScale?: number; // multiplies Polar's retry delays (1 = real; tests use e.g. 0.001)
  deliveryTimeoutMs?: number; // default 10_000 like Polar
  redirectWaitMs?: number; // how long Pay waits for the checkout.updated (succeeded) webhook; default 15_000
  settings?: Partial<DeliverySettings>; // initial test switches (also settable at /admin/settings)
  log?: (line: string) => void;
}

export interface PolarEmulator {
  url: string;
  stop(): Promise<void>;
}

export type { DeliverySettings } from "./delivery";
export { DEFAULT_PRODUCTS_FILE } from "./seed";

/**
 * Every event type Polar can send: what ticking them all in the dashboard subscribes to. The
 * pinned SDK's enum lacks some Polar sends (its endpoint schema takes them as an open enum).
 */
export const ALL_WEBHOOK_EVENTS: readonly string[] = [...new Set<string>([...Object.values(WebhookEventType), ...TYPES_THE_SDK_CANNOT_PARSE])];

function urlHost(host: string): string {
  // A wildcard address is not something a client can connect to; loopback reaches it.
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}

export async function startPolarEmulator(opts: PolarEmulatorOptions): Promise<PolarEmulator> {
  if (!opts.accessTokens.length || opts.accessTokens.some((t) => !t)) throw new Error("Polar emulator: accessTokens must hold at least one non-empty token");
  if (!opts.webhookSecret) throw new Error("Polar emulator: webhookSecret is required");
  try {
    new URL(opts.webhookUrl);
  } catch {
    throw new Error(`Polar emulator: webhookUrl ${JSON.stringify(opts.webhookUrl)} is not a URL`);
  }
  const log = opts.log ?? ((line: string) => console.log(line));
  const host = opts.host ?? "127.0.0.1";
  const unknownEvents = (opts.webhookEvents ?? []).filter((e) => !ALL_WEBHOOK_EVENTS.includes(e));
  if (unknownEvents.length) throw new Error(`Polar emulator: webhookEvents holds events Polar does not have: ${unknownEvents.join(", ")}`);
  const seed = loadSeed(opts.productsFile);
  const store = new Store(seed.organization, seed.products, seed.usage);
  const ctx: WireContext = { store, baseUrl: "" }; // the URL is known once the port is bound

  const saver = debouncedSaver(
    () => {
      if (opts.stateFile) writeState(opts.stateFile, { store: store.snapshot(), delivery: delivery.snapshot() });
    },
    250,
    log,
  );
  const changed = () => {
    if (opts.stateFile) saver.schedule();
  };

  const delivery = new WebhookDelivery({
    url: opts.webhookUrl,
    events: [...(opts.webhookEvents ?? ALL_WEBHOOK_EVENTS)],
    secret: opts.webhookSecret,
    retryScale: opts.retryScale ?? 1,
    timeoutMs: opts.deliveryTimeoutMs ?? 10_000,
    settings: { ...DEFAULT_SETTINGS, ...opts.settings },
    log,
    onChange: changed,
  });
  const flows = new Flows(store, delivery, ctx, log, changed);
  const baseUrl = () => ctx.baseUrl;
  // Every REST call, for tests that count what an app asks Polar (GET /admin/requests.json).
  const apiRequests: ApiRequestRecord[] = [];

  const handlers = [
    createApi({ store, flows, delivery, ctx, accessTokens: new Set(opts.accessTokens) }),
    createCheckoutPage({ store, flows, delivery, baseUrl, redirectWaitMs: opts.redirectWaitMs ?? 15_000 }),
    createPortalPage({ store, flows, baseUrl }),
    createAdmin({ store, flows, delivery, ctx, apiRequests, onReset: changed }),
  ];

  const home = () =>
    page(
      "Polar emulator",
      `<h1>Polar emulator</h1>
<p>API: <code>${esc(ctx.baseUrl)}/v1/</code> (give the SDK <code>serverURL: "${esc(ctx.baseUrl)}"</code>).</p>
<p>Webhooks go to <code>${esc(opts.webhookUrl)}</code>. <a href="/admin/deliveries">Delivery log</a></p>
<h2>Products</h2>
<ul>${store
        .productList()
        .map((p) => {
          const trial = p.trialInterval && p.trialIntervalCount ? ` (${trialFreeText({ interval: p.trialInterval, count: p.trialIntervalCount })})` : "";
          return `<li>${esc(p.name)}${esc(trial)} <code>${esc(p.id)}</code></li>`;
        })
        .join("")}</ul>`,
    );

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://emulator.invalid");
    if (url.pathname.startsWith("/v1/")) {
      apiRequests.push({ at: new Date().toISOString(), method: req.method ?? "GET", path: url.pathname });
      if (apiRequests.length > 10_000) apiRequests.splice(0, apiRequests.length - 10_000);
    }
    try {
      for (const h of handlers) if (await h(req, res, url)) return;
      if (req.method === "GET" && url.pathname === "/") return sendHtml(res, 200, home());
      sendJson(res, 404, { detail: "Not Found" });
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
      } else if (error instanceof ApiError) {
        sendJson(res, error.status, error.body, error.headers);
      } else {
        log(`[polar-emulator] ${req.method} ${url.pathname} failed: ${(error as Error).stack ?? String(error)}`);
        sendJson(res, 500, { detail: "Internal Server Error" });
      }
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  ctx.baseUrl = `http://${urlHost(host)}:${port}`;

  if (opts.stateFile) {
    const state = readState(opts.stateFile);
    if (state) {
      store.restore(state.store);
      delivery.restore(state.delivery);
      for (const c of store.checkouts.values()) flows.checkouts.armExpiry(c);
      log(`[polar-emulator] state restored from ${opts.stateFile}: ${store.checkouts.size} checkouts, ${store.orders.size} orders`);
    }
  }
  log(`[polar-emulator] listening on ${ctx.baseUrl}; webhooks to ${opts.webhookUrl}`);

  let stopped: Promise<void> | null = null;
  return {
    url: ctx.baseUrl,
    stop() {
      stopped ??= (async () => {
        flows.stop();
        await delivery.stop();
        saver.flush();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return stopped;
    },
  };
}
