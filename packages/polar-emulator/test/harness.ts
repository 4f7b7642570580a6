import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { Polar } from "@polar-sh/sdk";
import { Subscription$inboundSchema } from "@polar-sh/sdk/models/components/subscription";
import { WebhookSubscriptionPausedPayload$inboundSchema } from "@polar-sh/sdk/models/components/webhooksubscriptionpausedpayload";
import { WebhookSubscriptionResumedPayload$inboundSchema } from "@polar-sh/sdk/models/components/webhooksubscriptionresumedpayload";
import { SDKValidationError } from "@polar-sh/sdk/models/errors/sdkvalidationerror";
import { validateEvent } from "@polar-sh/sdk/webhooks";
import { TYPES_THE_SDK_CANNOT_PARSE } from "../src/events";
import { startPolarEmulator, type PolarEmulator, type PolarEmulatorOptions } from "../src/index";

/** A webhook receiver and an emulator wired to it, on loopback, for one test file. */

export const TOKEN = "polar_oat_emulator_test_token";
export const SECRET = "whsec_emulator_test_secret_0123456789";
export const PRO_ID = "35a2afdc-3dbc-4d68-9e0c-36527c0b48bd";
export const PRO_MONTHLY_ID = "7c1f0e3a-52a4-4d5e-9b1a-2f7d6c3b8e90";
/** Pro Monthly's price after a 14-day free trial (the seed's trial product). */
export const PRO_TRIAL_ID = "4d3b2a19-8c7e-4f60-9a5b-3c2d1e0f9a8b";
/** The rest of the seed's plan ladder (metadata `plan` and `rank`: pro 1, business 2). */
export const PRO_YEARLY_ID = "9b6e2f41-7d3a-4c85-a1f0-5e2b8c4d7a16";
export const BUSINESS_MONTHLY_ID = "c4e8a2d7-1f5b-4e93-b6a0-8d2f7c1e3b54";
export const BUSINESS_YEARLY_ID = "e1a7c3f9-6b2d-4a58-9c4e-0f3d8b7a2c61";
/** The seed's seat-based product: $10.00 a seat for 2 to 9 seats, $8.00 for 10 to 50 (volume), monthly. */
export const TEAM_ID = "5e9d3c71-a2b4-4f68-8d1e-6c0b7a3f2e95";
export const TEAM_PRICE_ID = "5e9d3c71-0000-4000-8000-000000000001";
export const SUCCESS_URL = "http://localhost:3000/confirmation?checkout_id={CHECKOUT_ID}";

export interface Received {
  body: string;
  headers: Record<string, string>;
  at: number;
  type: string;
  data: Record<string, unknown>;
}

export interface Answer {
  status: number;
  delayMs?: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Decides each answer; `nth` counts this webhook-id's requests from 1. Default: 200. */
  respond: (r: Received, nth: number) => Answer;
  stop(): Promise<void>;
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

export async function startReceiver(): Promise<Receiver> {
  const seen = new Map<string, number>();
  const receiver: Receiver = {
    url: "",
    received: [],
    respond: () => ({ status: 200 }),
    stop: async () => {},
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const parsed = JSON.parse(body) as { type: string; data: Record<string, unknown> };
      const r: Received = { body, headers: flatHeaders(req), at: Date.now(), type: parsed.type, data: parsed.data };
      receiver.received.push(r);
      const id = r.headers["webhook-id"] ?? "";
      const nth = (seen.get(id) ?? 0) + 1;
      seen.set(id, nth);
      const answer = receiver.respond(r, nth);
      const reply = () => {
        res.writeHead(answer.status, { "content-type": "application/json" });
        res.end(JSON.stringify({ received: answer.status < 300 }));
      };
      if (answer.delayMs) setTimeout(reply, answer.delayMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks/polar`;
  receiver.stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return receiver;
}

export interface Harness {
  emulator: PolarEmulator;
  receiver: Receiver;
  polar: Polar;
  stop(): Promise<void>;
}

export async function startHarness(overrides: Partial<PolarEmulatorOptions> = {}): Promise<Harness> {
  const receiver = await startReceiver();
  const emulator = await startPolarEmulator({
    port: 0,
    accessTokens: [TOKEN],
    webhookUrl: receiver.url,
    webhookSecret: SECRET,
    retryScale: 0.0005,
    redirectWaitMs: 5_000,
    log: () => {},
    ...overrides,
  });
  const polar = new Polar({ accessToken: TOKEN, serverURL: emulator.url });
  return {
    emulator,
    receiver,
    polar,
    async stop() {
      await emulator.stop();
      await receiver.stop();
    },
  };
}

type Falsy = undefined | null | false | 0 | "";

/** Polls `probe` (sync or async) until it returns something truthy, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | Falsy | Promise<T | Falsy>, timeoutMs = 8_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The app's exact checkout call. */
export function createCheckout(polar: Polar, email: string, productId = PRO_ID) {
  return polar.checkouts.create({ products: [productId], externalCustomerId: email, customerEmail: email, successUrl: SUCCESS_URL });
}

/**
 * Waits until every event emitted so far has been answered (or given up on): a clean start for
 * counting the events of what comes next.
 */
export async function settled(h: Harness): Promise<void> {
  await waitFor("the deliveries to settle", async () => {
    const log = (await (await admin(h.emulator.url, "/admin/deliveries.json")).json()) as { deliveries: Array<{ status: string }> };
    return log.deliveries.every((d) => d.status !== "queued" && d.status !== "retrying");
  });
}

/**
 * A customer subscribed through the hosted page: answers the subscription's id once the
 * purchase's last event (`checkout.updated`, succeeded) has been delivered.
 */
export async function subscribe(h: Harness, email: string, productId: string): Promise<string> {
  const checkout = await createCheckout(h.polar, email, productId);
  const res = await pay(checkout.url);
  if (res.status !== 303) throw new Error(`the purchase of ${productId} by ${email} failed: HTTP ${res.status}`);
  const [sub] = (await h.polar.subscriptions.list({ externalCustomerId: email, productId })).result.items;
  if (!sub) throw new Error(`no subscription for ${email}`);
  await waitFor("the purchase's events", () => h.receiver.received.some((r) => r.type === "checkout.updated" && r.data.id === checkout.id && r.data.status === "succeeded"));
  return sub.id;
}

/** Submits the hosted page's form as a browser would, without following the redirect. */
export async function pay(checkoutUrl: string, card = "4242 4242 4242 4242", extra: Record<string, string> = {}): Promise<Response> {
  return fetch(checkoutUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ card_number: card, card_expiry: "12 / 34", card_cvc: "123", ...extra }),
    redirect: "manual",
  });
}

export async function admin(emulatorUrl: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${emulatorUrl}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** A receiver's requests as the SDK sees them: verified and parsed, or the verifier's error. */
export function verified(r: Received, secret = SECRET) {
  return validateEvent(r.body, r.headers, secret);
}

/**
 * The SDK's own payload schemas for types its `validateEvent` refuses (0.49 has them for
 * `subscription.paused` and `subscription.resumed`, not for `subscription.cycled`).
 */
const PAYLOAD_SCHEMAS: Record<string, { parse(v: unknown): { type: string; data: { id: string } } }> = {
  "subscription.paused": WebhookSubscriptionPausedPayload$inboundSchema,
  "subscription.resumed": WebhookSubscriptionResumedPayload$inboundSchema,
};

/**
 * A delivery as the pinned SDK reads it: `validateEvent`, or, for the types it refuses
 * (`TYPES_THE_SDK_CANNOT_PARSE`: it must refuse them, else the list is stale), the whole body
 * through the SDK's payload schema for that type when it has one, else the subscription in
 * `data` through `Subscription$inboundSchema`. Throws when any of them does not parse.
 */
export function sdkParse(r: Received, secret = SECRET): { type: string; id: string } {
  if (!TYPES_THE_SDK_CANNOT_PARSE.has(r.type)) {
    const event = verified(r, secret);
    return { type: event.type, id: "id" in event.data ? String(event.data.id) : "" };
  }
  try {
    verified(r, secret);
  } catch (error) {
    // The signature checks out (validateEvent verifies it first); only the type is unknown to it.
    if (!(error instanceof SDKValidationError)) throw error;
    const schema = PAYLOAD_SCHEMAS[r.type];
    if (schema) {
      const payload = schema.parse(JSON.parse(r.body));
      return { type: payload.type, id: payload.data.id };
    }
    return { type: r.type, id: Subscription$inboundSchema.parse(r.data).id };
  }
  throw new Error(`the SDK parses ${r.type} now: drop it from TYPES_THE_SDK_CANNOT_PARSE`);
}

/** `type` plus the checkout/order status when there is one: the readable shape of a sequence. */
export function label(r: Received): string {
  const status = typeof r.data.status === "string" && r.type.startsWith("checkout.") ? `(${r.data.status})` : "";
  return `${r.type}${status}`;
}

/** The events of one checkout, its customer's and (with `subscriptions`) every subscription's. */
export function checkoutEvents(received: Received[], checkoutId: string, opts: { subscriptions?: boolean } = {}): Received[] {
  return received.filter((r) => {
    const d = r.data;
    return d.id === checkoutId || d.checkout_id === checkoutId || r.type.startsWith("customer.") || (opts.subscriptions === true && r.type.startsWith("subscription."));
  });
}
