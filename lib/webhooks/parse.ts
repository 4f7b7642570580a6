import "server-only";
import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { validateEvent } from "@polar-sh/sdk/webhooks";
import type { PolarEvent } from "@/lib/billing/apply-event";

/**
 * Parses a payload taken from the inbox with the SDK's own event parser. The SDK exposes that
 * parser only through `validateEvent`, which checks a signature first; the payload was verified
 * when it was stored, so it is signed here with a secret of this process for the SDK to check.
 */
const secret = randomBytes(32).toString("base64url");
// The same key construction as Polar's and the SDK's: the secret's raw UTF-8 bytes.
const signer = new Webhook(Buffer.from(secret, "utf-8").toString("base64"));

export function parseStoredEvent(webhookId: string, payload: string): PolarEvent {
  const at = new Date();
  const headers = {
    "webhook-id": webhookId,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": signer.sign(webhookId, at, payload),
  };
  return validateEvent(payload, headers, secret);
}
