import "server-only";
import { Webhook } from "standardwebhooks";

/**
 * Standard Webhooks, keyed the way Polar and its SDK key it: the raw UTF-8 bytes of the whole
 * secret (`whsec_` included), base64-encoded for the library (`@polar-sh/sdk/webhooks`
 * validateEvent does exactly this before it parses). The route verifies with this alone and
 * leaves the SDK's parse of the payload to the applier, off the path of the answer
 * (profiled while the inbox was built: the parse was the largest part of the answer's own CPU time).
 * tests/integration/webhook-input.test.ts checks it accepts and refuses what validateEvent does.
 */
const webhooks = new Map<string, Webhook>();

export function polarWebhook(secret: string): Webhook {
  let webhook = webhooks.get(secret);
  if (!webhook) {
    webhook = new Webhook(Buffer.from(secret, "utf-8").toString("base64"));
    webhooks.set(secret, webhook);
  }
  return webhook;
}
