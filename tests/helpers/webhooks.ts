import { receiveWebhook, type WebhookResponse } from "@/lib/webhooks/receive";
import { deliver, type Delivery, type PolarEventBody } from "../../scripts/lib/polar-payloads";

export const SECRET = "whsec_integration_test_secret";

/**
 * Delivers an event through the route's path (verify, store, answer), then runs what the route
 * hands to `after()`, so the test sees the event applied as it would be shortly after the answer.
 */
export async function post(e: PolarEventBody, webhookId?: string): Promise<WebhookResponse> {
  return postDelivery(deliver(e, SECRET, webhookId));
}

export async function postDelivery(d: Delivery): Promise<WebhookResponse> {
  const response = await receiveWebhook(d.body, d.headers, SECRET);
  await response.afterAnswer?.();
  return response;
}

/** The answer alone, with nothing applied: what Polar sees before `after()` runs. */
export async function answerOnly(d: Delivery): Promise<WebhookResponse> {
  return receiveWebhook(d.body, d.headers, SECRET);
}
