import "server-only";
import { randomBytes } from "node:crypto";
import { validateEvent } from "@polar-sh/sdk/webhooks";
import type { PolarEvent } from "@/lib/billing/apply-event";
import { polarWebhook } from "./signature";

/**
 * Parses a payload taken from the inbox with the SDK's own event parser. The SDK exposes that
 * parser only through `validateEvent`, which checks a signature first; the payload was verified
 * when it was stored, so it is signed here with a secret of this process for the SDK to check.
 * Throws the SDK's SDKValidationError for a type it does not know or a payload it cannot parse.
 */
const secret = randomBytes(32).toString("base64url");

export function parseStoredEvent(webhookId: string, payload: string): PolarEvent {
  const at = new Date();
  const headers = {
    "webhook-id": webhookId,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": polarWebhook(secret).sign(webhookId, at, payload),
  };
  return validateEvent(payload, headers, secret);
}
