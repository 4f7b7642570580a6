import "server-only";
import { randomBytes } from "node:crypto";
import { Subscription$inboundSchema } from "@polar-sh/sdk/models/components/subscription.js";
import { SDKValidationError } from "@polar-sh/sdk/models/errors/sdkvalidationerror";
import { validateEvent } from "@polar-sh/sdk/webhooks";
import { SUBSCRIPTION_TYPES_OUTSIDE_SDK, type PolarEvent, type SubscriptionEventOutsideSdk } from "@/lib/billing/apply-event";
import { polarWebhook } from "./signature";

/**
 * Parses a payload taken from the inbox with the SDK's own event parser. The SDK exposes that
 * parser only through `validateEvent`, which checks a signature first; the payload was verified
 * when it was stored, so it is signed here with a secret of this process for the SDK to check.
 * Throws the SDK's SDKValidationError for a type it does not know or a payload it cannot parse.
 */
const secret = randomBytes(32).toString("base64url");

export function parseStoredEvent(webhookId: string, type: string, payload: string): PolarEvent {
  // The type the inbox stored with the payload (read from it when it was received).
  const outside = SUBSCRIPTION_TYPES_OUTSIDE_SDK.find((t) => t === type);
  if (outside) return parseSubscriptionEvent(outside, payload);
  const at = new Date();
  const headers = {
    "webhook-id": webhookId,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": polarWebhook(secret).sign(webhookId, at, payload),
  };
  return validateEvent(payload, headers, secret);
}

/**
 * `subscription.cycled` (a renewal), `subscription.paused` and `subscription.resumed` are types
 * Polar sends and the SDK 0.49's `validateEvent` refuses ("Unknown event type"). Their `data` is
 * the subscription object, as in every other subscription.* event, so it is parsed with the
 * SDK's own Subscription schema; a body it cannot parse throws the SDK's SDKValidationError, as
 * validateEvent would (the applier marks it skipped).
 */
function parseSubscriptionEvent(type: SubscriptionEventOutsideSdk["type"], payload: string): PolarEvent {
  const body: unknown = JSON.parse(payload);
  const { timestamp, data } = typeof body === "object" && body !== null ? (body as { timestamp?: unknown; data?: unknown }) : {};
  const at = typeof timestamp === "string" ? new Date(timestamp) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime())) throw new SDKValidationError(`${type}: timestamp is not a date`, null, timestamp);
  const sub = Subscription$inboundSchema.safeParse(data);
  if (!sub.success) throw new SDKValidationError(`${type}: data is not a subscription`, sub.error, data);
  return { type, timestamp: at, data: sub.data };
}
