import "server-only";
import { connectDb } from "@/lib/db/connect";
import { WebhookEvent, type WebhookEventStatus } from "@/models/WebhookEvent";
import { applyInboxEvent, type ApplyResult } from "./applier";
import { reopenEvent } from "./inbox";

export interface EventSummary {
  webhookId: string;
  type: string;
  status: WebhookEventStatus;
  attempts: number;
  receivedAt: Date;
  processedAt: Date | null;
  error: string | null;
}

const summaryFields = { type: 1, status: 1, attempts: 1, receivedAt: 1, processedAt: 1, error: 1 } as const;

/** The newest events matching `filter`, as the operator's tools list them. */
export async function findEventSummaries(filter: Record<string, unknown>, limit: number): Promise<EventSummary[]> {
  await connectDb();
  const docs = await WebhookEvent.find(filter, summaryFields).sort({ receivedAt: -1 }).limit(limit).lean();
  return docs.map((d) => ({
    webhookId: d._id,
    type: d.type,
    status: d.status,
    attempts: d.attempts ?? 0,
    receivedAt: d.receivedAt,
    processedAt: d.processedAt ?? null,
    error: d.error ?? null,
  }));
}

/** Events an operator should look at: failed, not yet applied, or (by default) stored without being applied. */
export function listAttentionEvents(limit = 50, statuses: WebhookEventStatus[] = ["failed", "received", "skipped"]): Promise<EventSummary[]> {
  return findEventSummaries({ status: { $in: statuses } }, limit);
}

export async function showEvent(webhookId: string) {
  await connectDb();
  return WebhookEvent.findOne({ _id: webhookId }).lean();
}

export type ReplayResult = "not-found" | "already-applied" | ApplyResult;

/**
 * Applies a stored event again through the applier a delivery uses (same lease, same
 * lib/billing code). An event already applied is left alone: replaying it changes nothing.
 */
export async function replayEvent(webhookId: string): Promise<ReplayResult> {
  const stored = await showEvent(webhookId);
  if (!stored) return "not-found";
  if (stored.status === "processed") return "already-applied";
  await reopenEvent(webhookId);
  return applyInboxEvent(webhookId, { dueOnly: false });
}
