import "server-only";
import { WebhookVerificationError } from "standardwebhooks";
import { APPLIED_EVENT_TYPES } from "./apply-polar-event";
import { connectDb, replaceClientAfter } from "@/lib/db/connect";
import { isTransientDbError } from "@/lib/db/errors";
import { describeError } from "@/lib/redact";
import { answeringEnded, answeringStarted, applyBehindAnswer } from "./behind-answer";
import { recordEvent, type Recorded } from "./inbox";
import { polarWebhook } from "./signature";

export interface WebhookResponse {
  status: number;
  body: { ok: boolean; outcome?: string; error?: string };
  /** The work to run after the answer is sent (the route hands it to `after()`). */
  afterAnswer?: () => Promise<void>;
}

const reply = (status: number, body: WebhookResponse["body"], afterAnswer?: () => Promise<void>): WebhookResponse => ({
  status,
  body,
  ...(afterAnswer ? { afterAnswer } : {}),
});

const unavailable = () => reply(503, { ok: false, error: "temporarily unavailable, retry later" });

/**
 * Verifies a Polar delivery, stores it in the inbox and answers; the event is parsed and applied
 * after the answer. Every answer is chosen for Polar's retry logic: 503 only when the event could
 * not be stored (Polar retries), 2xx once it is stored (applying it is our job from then on, so
 * the endpoint is never disabled for it), 4xx for what Polar did not sign. Response bodies never
 * carry secrets, stack traces or internal paths.
 */
export async function receiveWebhook(rawBody: string, headers: Record<string, string>, secret: string): Promise<WebhookResponse> {
  let body: unknown;
  try {
    body = polarWebhook(secret).verify(rawBody, headers);
  } catch (error) {
    if (error instanceof WebhookVerificationError) return reply(403, { ok: false, error: "invalid signature" });
    if (error instanceof SyntaxError) return reply(400, { ok: false, error: "body is not valid JSON" });
    throw error;
  }
  // Only a signed delivery counts as load for the apply scheduler: unsigned junk, however much
  // of it, never makes applying Polar's real events yield.
  answeringStarted();
  try {
    return await storeVerified(rawBody, headers, body);
  } finally {
    answeringEnded();
  }
}

async function storeVerified(rawBody: string, headers: Record<string, string>, body: unknown): Promise<WebhookResponse> {
  // Present: the verifier refuses a delivery without it.
  const webhookId = headers["webhook-id"] ?? "";
  const type = typeOf(body);
  // A type we do not map is kept (an audit log, and replayable after an upgrade) and answered 202.
  if (!APPLIED_EVENT_TYPES.has(type)) return store(webhookId, type, rawBody, { status: "skipped", note: "not applied: a type this app does not map" });
  return store(webhookId, type, rawBody, { status: "received" });
}

async function store(webhookId: string, type: string, rawBody: string, outcome: Parameters<typeof recordEvent>[3]): Promise<WebhookResponse> {
  let recorded: Recorded;
  try {
    await connectDb();
    recorded = await recordEvent(webhookId, type, rawBody, outcome);
  } catch (error) {
    if (!isTransientDbError(error)) throw error;
    replaceClientAfter(error);
    console.warn(`[webhook ${webhookId}] could not be stored, answering 503 so Polar retries: ${describeError(error)}`);
    return unavailable();
  }
  if (recorded === "done") return reply(200, { ok: true, outcome: "duplicate" });
  if (outcome.status === "skipped") return reply(202, { ok: true, outcome: "stored" });
  // New, or stored earlier by a delivery that died before applying it: applied either way.
  return reply(200, { ok: true, outcome: recorded === "new" ? "accepted" : "redelivered" }, () => applyBehindAnswer(webhookId));
}

function typeOf(body: unknown): string {
  const type = typeof body === "object" && body !== null ? (body as { type?: unknown }).type : undefined;
  return typeof type === "string" ? type.slice(0, 100) : "unknown";
}
