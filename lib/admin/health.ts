import type { WebhookEventStatus } from "@/models/WebhookEvent";

/** One stored delivery, as much of it as the health view needs. */
export interface DeliverySample {
  receivedAt: Date;
  processedAt: Date | null;
  status: WebhookEventStatus;
}

export interface HealthBucket {
  start: Date;
  deliveries: number;
  /** The slowest receive-to-applied time among the bucket's applied events (null: none applied). */
  lagMsMax: number | null;
}

export interface WebhookHealth {
  since: Date;
  bucketMs: number;
  buckets: HealthBucket[];
  deliveries: number;
  failed: number;
  /** Stored, not applied yet, and older than `stuckAfterMs`: the applier or the sweep is behind. */
  stuck: number;
  lastDeliveryAt: Date | null;
  lagMsP50: number | null;
  lagMsP95: number | null;
  /** The samples stopped at the query's limit: the oldest part of the span is not counted. */
  truncated: boolean;
}

export interface HealthOptions {
  spanMs: number;
  bucketMs: number;
  stuckAfterMs: number;
  /** How many samples the query was allowed to return. */
  limit: number;
}

export const DEFAULT_HEALTH_OPTIONS: HealthOptions = {
  spanMs: 24 * 3_600_000,
  bucketMs: 60_000,
  // The sweep runs with every cron call and every delivery's `after()`; a minute unapplied is late.
  stuckAfterMs: 60_000,
  // On FerretDB a projection is applied after whole documents (payloads included) are read, so
  // the page reads the day's newest 5,000 and says so when there were more.
  limit: 5_000,
};

function percentile(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Deliveries per bucket and apply lag over the span ending `now` (pure: the page's query feeds it). */
export function summarizeDeliveries(samples: DeliverySample[], now: Date, opts: HealthOptions = DEFAULT_HEALTH_OPTIONS): WebhookHealth {
  const since = new Date(now.getTime() - opts.spanMs);
  const count = Math.ceil(opts.spanMs / opts.bucketMs);
  const buckets: HealthBucket[] = Array.from({ length: count }, (_, i) => ({
    start: new Date(since.getTime() + i * opts.bucketMs),
    deliveries: 0,
    lagMsMax: null,
  }));
  const lags: number[] = [];
  let failed = 0;
  let stuck = 0;
  let lastDeliveryAt: Date | null = null;
  let inSpan = 0;
  for (const s of samples) {
    const at = s.receivedAt.getTime();
    if (at < since.getTime() || at > now.getTime()) continue;
    inSpan++;
    const bucket = buckets[Math.min(count - 1, Math.floor((at - since.getTime()) / opts.bucketMs))]!;
    bucket.deliveries++;
    if (!lastDeliveryAt || at > lastDeliveryAt.getTime()) lastDeliveryAt = s.receivedAt;
    if (s.status === "failed") failed++;
    if (s.status === "received" && now.getTime() - at > opts.stuckAfterMs) stuck++;
    if (s.status === "processed" && s.processedAt) {
      const lag = Math.max(0, s.processedAt.getTime() - at);
      lags.push(lag);
      bucket.lagMsMax = Math.max(bucket.lagMsMax ?? 0, lag);
    }
  }
  lags.sort((a, b) => a - b);
  return {
    since,
    bucketMs: opts.bucketMs,
    buckets,
    deliveries: inSpan,
    failed,
    stuck,
    lastDeliveryAt,
    lagMsP50: percentile(lags, 50),
    lagMsP95: percentile(lags, 95),
    truncated: samples.length >= opts.limit,
  };
}
