import { customerRun } from "../lib/scenarios";
import { percentile } from "../lib/percentile";
import { sign } from "../lib/polar-payloads";

/** Load generation for the webhook benchmarks: Polar's real event mix, signed like Polar. */

export interface Unsigned { webhookId: string; body: string }

/**
 * `count` events of new customers' full sequences (purchase, subscription, refund, revocation,
 * abandoned checkout), each customer's events in Polar's order, customers interleaved.
 */
export function eventMix(count: number, runId: number): Unsigned[] {
  const out: Unsigned[] = [];
  for (let i = 0; out.length < count; i++) {
    for (const e of customerRun(i, runId).events) out.push({ webhookId: e.webhookId, body: JSON.stringify(e.body) });
  }
  return out.slice(0, count);
}

export interface LoadResult {
  sent: number;
  failed: number;
  seconds: number;
  eventsPerSec: number;
  p50: number;
  p99: number;
}

async function post(url: string, e: Unsigned, secret: string): Promise<{ ms: number; ok: boolean }> {
  const signed = sign(e.body, secret, e.webhookId);
  const started = performance.now();
  try {
    const res = await fetch(url, { method: "POST", headers: signed.headers, body: signed.body, signal: AbortSignal.timeout(120_000) });
    await res.arrayBuffer();
    return { ms: performance.now() - started, ok: res.ok };
  } catch {
    return { ms: performance.now() - started, ok: false };
  }
}

function summarize(latencies: number[], failed: number, seconds: number): LoadResult {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { sent: latencies.length, failed, seconds, eventsPerSec: latencies.length / seconds, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

/** Closed loop: `concurrency` senders, each posting its next event as soon as the last is answered. */
export async function saturate(url: string, events: Unsigned[], secret: string, concurrency: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let failed = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < events.length) {
        const r = await post(url, events[next++]!, secret);
        latencies.push(r.ms);
        if (!r.ok) failed++;
      }
    }),
  );
  return summarize(latencies, failed, (performance.now() - started) / 1000);
}

/**
 * Open loop at a fixed rate, as Polar sends: an event leaves on schedule whether or not the
 * earlier ones were answered, so a receiver slower than the rate shows it as queueing latency.
 */
export async function paced(url: string, events: Unsigned[], secret: string, perSecond: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let failed = 0;
  const started = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < events.length; i++) {
    const due = started + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inflight.push(
      post(url, events[i]!, secret).then((r) => {
        latencies.push(r.ms);
        if (!r.ok) failed++;
      }),
    );
  }
  await Promise.all(inflight);
  return summarize(latencies, failed, (performance.now() - started) / 1000);
}

/** One at a time: the latency of a single event with nothing else in flight. */
export const sequential = (url: string, events: Unsigned[], secret: string) => saturate(url, events, secret, 1);
