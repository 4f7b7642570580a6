import "server-only";
import type { Collection } from "mongoose";
import { WebhookEvent, type WebhookEventDoc, type WebhookEventStatus } from "@/models/WebhookEvent";
import { returnWhole } from "@/lib/db/ferretdb-workarounds";
import { isDuplicateKey } from "@/lib/db/write-newer";

/**
 * The inbox: the one durable write a delivery makes before it is answered, and the leases of
 * whoever applies it afterwards. Every function here is a single-document command.
 */

/** How long the delivery's own `after()` has before the sweep may take an event over. */
export const SWEEP_AFTER_MS = 30_000;
/** A lease outlives any normal apply; a holder that died is taken over once it ends. */
export const LEASE_MS = 60_000;
/** Payloads are kept this long: Polar can redeliver from its dashboard for 90 days. */
export const RETENTION_MS = 90 * 86_400_000;

export type Recorded = "new" | "unapplied" | "done";


/**
 * Stores a verified event under its `webhook-id`: one insert, whose unique `_id` decides
 * duplicates. Only a duplicate costs a read, to tell an applied event from one whose first
 * delivery died before applying it.
 */
export async function recordEvent(
  webhookId: string,
  type: string,
  payload: string,
  outcome: { status: "received" } | { status: "skipped"; note: string },
): Promise<Recorded> {
  const now = new Date();
  try {
    // The driver's insert, without a Mongoose document: this is the whole of a delivery's
    // database work, and its fields are all set here.
    await (WebhookEvent.collection as unknown as Collection<WebhookEventDoc & { _id: string }>).insertOne({
      _id: webhookId,
      type,
      payload,
      receivedAt: now,
      attempts: 0,
      nextAttemptAt: new Date(now.getTime() + SWEEP_AFTER_MS),
      leaseOwner: null,
      leaseUntil: null,
      ...(outcome.status === "received"
        ? { status: "received", processedAt: null, error: null }
        : { status: "skipped", processedAt: now, error: outcome.note }),
    });
    return "new";
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
  const stored = await WebhookEvent.findOne({ _id: webhookId }, { status: 1 }).lean();
  return stored?.status === "received" ? "unapplied" : "done";
}

export interface Lease {
  owner: string;
  /** The event's type, as read from its body when it was stored. */
  type: string;
  payload: string;
  attempts: number;
}

/**
 * Takes the event for `owner` if it is unapplied and nobody holds a live lease on it; `dueOnly`
 * also leaves it alone before its next attempt is due (the sweep's backoff). On MongoDB this
 * is an atomic compare-and-set; FerretDB makes no such promise, so callers also serialize per
 * event within the process (lib/db/ferretdb-workarounds.ts, a).
 */
export async function takeLease(webhookId: string, owner: string, opts: { dueOnly: boolean }): Promise<Lease | null> {
  const now = new Date();
  const taken = await WebhookEvent.findOneAndUpdate(
    {
      _id: webhookId,
      status: "received",
      $or: [{ leaseUntil: null }, { leaseUntil: { $lte: now } }],
      ...(opts.dueOnly ? { nextAttemptAt: { $lte: now } } : {}),
    },
    { $set: { leaseOwner: owner, leaseUntil: new Date(now.getTime() + LEASE_MS) }, $inc: { attempts: 1 } },
    returnWhole("after"),
  ).lean();
  return taken ? { owner, type: taken.type, payload: taken.payload, attempts: taken.attempts ?? 1 } : null;
}

/** Marks the event done, if `owner` still holds it (a holder whose lease was taken over does nothing). */
export async function finishEvent(webhookId: string, owner: string, status: Exclude<WebhookEventStatus, "received">, error: string | null = null): Promise<void> {
  await WebhookEvent.updateOne(
    { _id: webhookId, leaseOwner: owner },
    { $set: { status, processedAt: new Date(), error, leaseOwner: null, leaseUntil: null } },
  );
}

/** Gives the event back for a later attempt, not before `at`. */
export async function releaseEvent(webhookId: string, owner: string, error: string, at: Date): Promise<void> {
  await WebhookEvent.updateOne(
    { _id: webhookId, leaseOwner: owner },
    { $set: { error, nextAttemptAt: at, leaseOwner: null, leaseUntil: null } },
  );
}

/** Unapplied events whose next attempt is due, oldest first (the sweep's work list). */
export async function dueEvents(limit: number, now = new Date()): Promise<string[]> {
  const docs = await WebhookEvent.find({ status: "received", nextAttemptAt: { $lte: now } }, { _id: 1 })
    .sort({ nextAttemptAt: 1 })
    .limit(limit)
    .lean();
  return docs.map((d) => d._id);
}

/** Makes a stored event applicable again now (an operator's replay of a failed or skipped event). */
export async function reopenEvent(webhookId: string): Promise<boolean> {
  const reopened = await WebhookEvent.updateOne(
    { _id: webhookId },
    { $set: { status: "received", nextAttemptAt: new Date(), leaseOwner: null, leaseUntil: null, attempts: 0 } },
  );
  return reopened.matchedCount === 1;
}

/** Deletes events received before the retention window, payloads included. */
export async function deleteExpiredEvents(now = new Date()): Promise<number> {
  const deleted = await WebhookEvent.deleteMany({ receivedAt: { $lt: new Date(now.getTime() - RETENTION_MS) } });
  return deleted.deletedCount;
}
