import { receiveWebhook, type WebhookResponse } from "@/lib/webhooks/receive";
import { deliver, type Delivery, type PolarEventBody } from "../../scripts/lib/polar-payloads";

export const SECRET = "whsec_integration_test_secret";

/** Delivers an event through the same path as the route handler: verify, dedupe, apply. */
export async function post(e: PolarEventBody, webhookId?: string): Promise<WebhookResponse> {
  const d = deliver(e, SECRET, webhookId);
  return receiveWebhook(d.body, d.headers, SECRET);
}

export async function postDelivery(d: Delivery): Promise<WebhookResponse> {
  return receiveWebhook(d.body, d.headers, SECRET);
}
