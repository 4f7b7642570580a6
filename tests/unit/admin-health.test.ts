import { describe, expect, it } from "vitest";
import { summarizeDeliveries, type DeliverySample } from "@/lib/admin/health";

const now = new Date("2026-11-27T12:00:00Z");
const minutesAgo = (m: number, s = 0) => new Date(now.getTime() - m * 60_000 - s * 1000);
const opts = { spanMs: 10 * 60_000, bucketMs: 60_000, stuckAfterMs: 60_000, limit: 100 };

describe("summarizeDeliveries", () => {
  it("counts deliveries per minute and the slowest apply per minute", () => {
    const samples: DeliverySample[] = [
      { receivedAt: minutesAgo(9, 30), processedAt: new Date(minutesAgo(9, 30).getTime() + 40), status: "processed" },
      { receivedAt: minutesAgo(9, 10), processedAt: new Date(minutesAgo(9, 10).getTime() + 900), status: "processed" },
      { receivedAt: minutesAgo(0, 5), processedAt: new Date(minutesAgo(0, 5).getTime() + 20), status: "processed" },
      { receivedAt: minutesAgo(11), processedAt: null, status: "received" }, // before the span
    ];
    const h = summarizeDeliveries(samples, now, opts);
    expect(h.buckets).toHaveLength(10);
    expect(h.buckets.map((b) => b.deliveries)).toEqual([2, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(h.buckets[0]!.lagMsMax).toBe(900);
    expect(h.buckets[9]!.lagMsMax).toBe(20);
    expect(h.buckets[1]!.lagMsMax).toBeNull();
    expect(h.deliveries).toBe(3);
    expect(h.lastDeliveryAt).toEqual(minutesAgo(0, 5));
    expect(h.lagMsP50).toBe(40);
    expect(h.lagMsP95).toBe(900);
    expect(h.truncated).toBe(false);
  });

  it("counts failed events, and unapplied ones only once they are older than a minute", () => {
    const h = summarizeDeliveries(
      [
        { receivedAt: minutesAgo(5), processedAt: minutesAgo(4), status: "failed" },
        { receivedAt: minutesAgo(3), processedAt: null, status: "received" },
        { receivedAt: minutesAgo(0, 20), processedAt: null, status: "received" },
        { receivedAt: minutesAgo(2), processedAt: minutesAgo(2), status: "skipped" },
      ],
      now,
      opts,
    );
    expect(h.failed).toBe(1);
    expect(h.stuck).toBe(1);
    expect(h.lagMsP50).toBeNull(); // nothing applied: no lag to report, not zero
  });

  it("says when the query's limit cut the samples", () => {
    const samples = Array.from({ length: 3 }, (_, i) => ({ receivedAt: minutesAgo(i), processedAt: null, status: "received" as const }));
    expect(summarizeDeliveries(samples, now, { ...opts, limit: 3 }).truncated).toBe(true);
    expect(summarizeDeliveries([], now, opts).lastDeliveryAt).toBeNull();
  });
});
