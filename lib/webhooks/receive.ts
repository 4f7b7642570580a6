import "server-only";
import { SDKValidationError } from "@polar-sh/sdk/models/errors/sdkvalidationerror";
import { validateEvent, WebhookVerificationError } from "@polar-sh/sdk/webhooks";
import { applyEvent, type PolarEvent } from "@/lib/billing/apply-event";
import { connectDb, replaceClientAfter } from "@/lib/db";
import { isTransientDbError } from "@/lib/db-errors";
import { withKeyedLock } from "@/lib/keyed-lock";
import { claimEvent, markApplied, markFailed, storeUnparsed } from "./inbox";

export interface WebhookResponse {
  status: number;
  body: { ok: boolean; outcome?: string; error?: string };
}

const reply = (status: number, body: WebhookResponse["body"]): WebhookResponse => ({ status, body });

/** 503 for a database that could not be reached (Polar retries), after replacing a stuck client; null for anything else. */
function unavailable(error: unknown): WebhookResponse | null {
  if (!isTransientDbError(error)) return null;
  replaceClientAfter(error);
  return reply(503, { ok: false, error: "temporarily unavailable, retry later" });
}

/**
 * Verifies a Polar delivery and applies it. Every answer is chosen for Polar's retry logic: 2xx
 * for anything a retry would not change (so the endpoint is never disabled for it), 503 only
 * when the database is down (so the retry applies it later), 4xx for what Polar did not sign.
 * Response bodies never carry secrets, stack traces or internal paths.
 */
export async function receiveWebhook(rawBody: string, headers: Record<string, string>, secret: string): Promise<WebhookResponse> {
  let event: PolarEvent;
  try {
    event = validateEvent(rawBody, headers, secret);
  } catch (error) {
    if (error instanceof WebhookVerificationError) return reply(403, { ok: false, error: "invalid signature" });
    if (error instanceof SyntaxError) return reply(400, { ok: false, error: "body is not valid JSON" });
    if (error instanceof SDKValidationError) return storeSignedButUnparsed(rawBody, headers, error);
    throw error;
  }

  const webhookId = headers["webhook-id"] ?? "";
  // Deliveries of one event run one at a time here, so a burst of duplicates applies it once.
  return withKeyedLock(`webhook:${webhookId}`, () => applyOnce(webhookId, event, rawBody));
}

async function applyOnce(webhookId: string, event: PolarEvent, rawBody: string): Promise<WebhookResponse> {
  try {
    await connectDb();
    if ((await claimEvent(webhookId, event.type, rawBody)) === "done") return reply(200, { ok: true, outcome: "duplicate" });
    const outcome = await applyEvent(event);
    await markApplied(webhookId, outcome);
    // 202 for an event stored but with nothing to apply (a type we do not map, no customer in it).
    return reply(outcome === "applied" ? 200 : 202, { ok: true, outcome });
  } catch (error) {
    const retryLater = unavailable(error);
    if (retryLater) {
      console.warn(`[webhook ${webhookId}] database unavailable, answering 503 so Polar retries`);
      return retryLater;
    }
    console.error(`[webhook ${webhookId}] ${event.type} could not be applied`, error);
    try {
      await markFailed(webhookId, error instanceof Error ? error.message : String(error));
    } catch (recordError) {
      const retryLater = unavailable(recordError);
      if (retryLater) return retryLater;
      throw recordError;
    }
    // Retrying cannot fix this one; it is kept as failed for an operator (npm run webhooks).
    return reply(202, { ok: false, outcome: "failed" });
  }
}

async function storeSignedButUnparsed(rawBody: string, headers: Record<string, string>, error: SDKValidationError): Promise<WebhookResponse> {
  const type = typeOfBody(rawBody);
  try {
    await connectDb();
    await storeUnparsed(headers["webhook-id"] ?? "", type, rawBody, `not applied: ${error.message} (${type})`);
  } catch (dbError) {
    const retryLater = unavailable(dbError);
    if (retryLater) return retryLater;
    throw dbError;
  }
  return reply(202, { ok: true, outcome: "stored" });
}

function typeOfBody(rawBody: string): string {
  const parsed: unknown = JSON.parse(rawBody);
  const type = typeof parsed === "object" && parsed !== null ? (parsed as { type?: unknown }).type : undefined;
  return typeof type === "string" ? type.slice(0, 100) : "unknown";
}
