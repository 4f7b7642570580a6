import "server-only";
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import { SDKValidationError } from "@polar-sh/sdk/models/errors/sdkvalidationerror";
import { applyPolarEvent } from "./apply-polar-event";
import { connectDb, replaceClientAfter } from "@/lib/db/connect";
import { isTransientDbError } from "@/lib/db/errors";
import { withKeyedLock } from "@/lib/db/keyed-lock";
import { describeError } from "@/lib/redact";
import { finishEvent, releaseEvent, takeLease } from "./inbox";
import { parseStoredEvent } from "./parse";

/** After this many attempts an event that keeps failing is marked failed for an operator. */
export const MAX_ATTEMPTS = 8;

/** 30 s, 1 min, 2 min, ... capped at an hour: the sweep's pace for an event that keeps failing. */
export function backoffMs(attempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

// Leases name the process that holds them, for whoever reads the inbox while it runs.
const processTag = `${hostname()}:${process.pid}`;

export type ApplyResult = "applied" | "ignored" | "busy" | "retry" | "failed";

/**
 * Applies one stored event, holding its lease. It may die at any point: before the lease (the
 * event stays unapplied), while applying (every write in lib/billing is idempotent and the
 * lease ends, so the sweep applies it again), before marking it (the same). The stored payload
 * is parsed by the SDK here, whoever applies it. `dueOnly` respects the backoff of earlier
 * failures (the sweep); a delivery or redelivery does not.
 */
export async function applyInboxEvent(webhookId: string, opts: { dueOnly: boolean }): Promise<ApplyResult> {
  // One attempt at a time per event within this process: see takeLease.
  return withKeyedLock(`webhook:${webhookId}`, async () => {
    await connectDb();
    const owner = `${processTag}:${randomUUID()}`;
    const lease = await takeLease(webhookId, owner, { dueOnly: opts.dueOnly });
    if (!lease) return "busy"; // applied already, or someone else holds it
    try {
      const event = parseStoredEvent(webhookId, lease.type, lease.payload);
      const outcome = await applyPolarEvent(event);
      await finishEvent(webhookId, owner, outcome === "applied" ? "processed" : "skipped");
      return outcome;
    } catch (error) {
      return settleFailure(webhookId, lease.owner, lease.attempts, error);
    }
  });
}

async function settleFailure(webhookId: string, owner: string, attempts: number, error: unknown): Promise<ApplyResult> {
  const reason = describeError(error);
  try {
    if (error instanceof SDKValidationError) {
      // Signed by Polar but not parseable by this SDK version: nothing to apply, ever.
      await finishEvent(webhookId, owner, "skipped", `not applied: ${reason}`);
      return "ignored";
    }
    if (isTransientDbError(error)) {
      replaceClientAfter(error);
      await releaseEvent(webhookId, owner, reason, new Date(Date.now() + backoffMs(attempts)));
      return "retry";
    }
    console.error(`[webhook ${webhookId}] attempt ${attempts} failed: ${reason}`);
    if (attempts >= MAX_ATTEMPTS) {
      await finishEvent(webhookId, owner, "failed", reason);
      return "failed";
    }
    await releaseEvent(webhookId, owner, reason, new Date(Date.now() + backoffMs(attempts)));
    return "retry";
  } catch (recordError) {
    // The database went away while recording the failure: the lease ends and the sweep retries.
    replaceClientAfter(recordError);
    return "retry";
  }
}
