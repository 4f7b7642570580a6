import "server-only";
import { Webhook } from "standardwebhooks";
import { connectDb } from "@/lib/db";
import { WebhookEvent, type WebhookEventStatus } from "@/models/WebhookEvent";
import { receiveWebhook, type WebhookResponse } from "./receive";

export interface EventSummary {
  webhookId: string;
  type: string;
  status: WebhookEventStatus;
  attempts: number;
  receivedAt: Date;
  processedAt: Date | null;
  error: string | null;
}

const summaryFields = { webhookId: 1, type: 1, status: 1, attempts: 1, receivedAt: 1, processedAt: 1, error: 1 } as const;

/** Events an operator should look at: failed, not yet applied, or stored without being applied. */
export async function listAttentionEvents(limit = 50): Promise<EventSummary[]> {
  await connectDb();
  const docs = await WebhookEvent.find({ status: { $in: ["failed", "received", "skipped"] } }, summaryFields)
    .sort({ receivedAt: -1 })
    .limit(limit)
    .lean();
  return docs.map((d) => ({ ...d, processedAt: d.processedAt ?? null, error: d.error ?? null, attempts: d.attempts ?? 0 }));
}

export async function showEvent(webhookId: string) {
  await connectDb();
  return WebhookEvent.findOne({ _id: webhookId }).lean();
}

/**
 * Applies a stored event again through the same path as a delivery from Polar: signed afresh
 * with our own secret, then verified, deduped and applied. An event already applied is answered
 * as a duplicate and changes nothing.
 */
export async function replayEvent(webhookId: string, secret: string): Promise<WebhookResponse | null> {
  const stored = await showEvent(webhookId);
  if (!stored) return null;
  const timestamp = new Date();
  const signature = new Webhook(Buffer.from(secret, "utf-8").toString("base64")).sign(webhookId, timestamp, stored.payload);
  return receiveWebhook(
    stored.payload,
    {
      "webhook-id": webhookId,
      "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
      "webhook-signature": signature,
    },
    secret,
  );
}
