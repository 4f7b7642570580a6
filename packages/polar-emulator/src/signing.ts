import { Webhook } from "standardwebhooks";

export interface SignedHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
  "content-type": "application/json";
  "user-agent": "polar.sh webhooks";
}

/**
 * Polar signs with the raw UTF-8 bytes of the whole secret string (a `whsec_` prefix included)
 * as the HMAC key. `standardwebhooks` takes a base64 key, so the bytes are base64-encoded first:
 * the same construction as the SDK's `validateEvent`. Passing the secret as-is would strip the
 * prefix and base64-decode the rest, a different key.
 */
export function createSigner(secret: string): (webhookId: string, at: Date, body: string) => SignedHeaders {
  const webhook = new Webhook(Buffer.from(secret, "utf-8").toString("base64"));
  return (webhookId, at, body) => ({
    "webhook-id": webhookId,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": webhook.sign(webhookId, at, body),
    "content-type": "application/json",
    "user-agent": "polar.sh webhooks",
  });
}
