import "server-only";
import { connectDb } from "@/lib/db/connect";
import { DriftRepair } from "@/models/DriftRepair";
import { FREE_PLAN, User } from "@/models/User";
import { WebhookEvent, type WebhookEventStatus } from "@/models/WebhookEvent";
import { findEventSummaries, listAttentionEvents, type EventSummary } from "@/lib/webhooks/operator";
import { DEFAULT_HEALTH_OPTIONS, summarizeDeliveries, type WebhookHealth } from "./health";

export async function loadWebhookHealth(now = new Date()): Promise<WebhookHealth> {
  await connectDb();
  const opts = DEFAULT_HEALTH_OPTIONS;
  // The newest first, so a day busier than the limit loses its oldest minutes, not its latest.
  const samples = await WebhookEvent.find(
    { receivedAt: { $gte: new Date(now.getTime() - opts.spanMs) } },
    { _id: 0, receivedAt: 1, processedAt: 1, status: 1 },
  )
    .sort({ receivedAt: -1 })
    .limit(opts.limit)
    .lean();
  return summarizeDeliveries(
    samples.map((s) => ({ receivedAt: s.receivedAt, processedAt: s.processedAt ?? null, status: s.status })),
    now,
    opts,
  );
}

export interface EventQuery {
  /** A customer's email, found anywhere in the stored payload. */
  email?: string;
  webhookId?: string;
  type?: string;
  status?: WebhookEventStatus;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export const EVENT_LOG_LIMIT = 25;

/** The newest events matching every given field. */
export function searchEvents(query: EventQuery, limit = EVENT_LOG_LIMIT): Promise<EventSummary[]> {
  const filter: Record<string, unknown> = {};
  if (query.webhookId) filter._id = query.webhookId;
  if (query.type) filter.type = query.type;
  if (query.status) filter.status = query.status;
  // The payload is stored as Polar sent it (a string): an email appears in it as written there.
  if (query.email) filter.payload = { $regex: escapeRegExp(query.email), $options: "i" };
  return findEventSummaries(filter, limit);
}

/** Failed events, and events stored but not applied: what Replay is for. */
export function eventsNeedingAttention(limit = 10): Promise<EventSummary[]> {
  return listAttentionEvents(limit, ["failed", "received"]);
}

/** Users on a paid plan (any tier) or Free, from each stored plan and its end date (a lapsed one counts as Free). */
export interface PlanCounts {
  paid: number;
  free: number;
  /** Stored on a paid plan with an end date already past: the cron's next run turns them Free. */
  lapsed: number;
}

export async function countCustomersByPlan(now = new Date()): Promise<PlanCounts> {
  await connectDb();
  const onPaid = { subscriptionStatus: { $ne: FREE_PLAN } };
  const [all, paid, lapsed] = await Promise.all([
    // From the collection's metadata: countDocuments({}) reads every user on MongoDB.
    User.estimatedDocumentCount(),
    User.countDocuments({ ...onPaid, $or: [{ planUntil: null }, { planUntil: { $gt: now } }] }),
    User.countDocuments({ ...onPaid, planUntil: { $lte: now } }),
  ]);
  return { paid, lapsed, free: all - paid };
}

export interface DriftRow {
  at: Date;
  email: string | null;
  kind: string;
  subject: string;
  before: string;
  after: string;
  planBefore: string;
  planAfter: string;
}

export async function recentDriftRepairs(limit = 20): Promise<DriftRow[]> {
  await connectDb();
  const repairs = await DriftRepair.find({}).sort({ at: -1 }).limit(limit).lean();
  const users = await User.find({ _id: { $in: repairs.map((r) => r.userId) } }, { email: 1 }).lean();
  const emailOf = new Map(users.map((u) => [String(u._id), u.email]));
  return repairs.map((r) => ({
    at: r.at,
    email: emailOf.get(String(r.userId)) ?? null,
    kind: r.kind,
    subject: r.subject,
    before: r.before,
    after: r.after,
    planBefore: r.planBefore,
    planAfter: r.planAfter,
  }));
}
