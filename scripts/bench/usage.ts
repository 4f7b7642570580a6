import { Polar } from "@polar-sh/sdk";
import { MongoClient } from "mongodb";
import { BUSINESS_MONTHLY_ID } from "polar-emulator/testing";
import { percentile } from "../lib/percentile";
import { reportSubscriber } from "../lib/report-subscriber";

/**
 * The usage path's figures: `POST /api/pro/report` one after another (the allowance read, the
 * outbox write, the answer; the flush runs behind it), and the flush alone: a backlog of usage
 * events in the outbox sent to Polar's events.ingest by one cron run.
 */

export interface UsageTiming {
  reportP50: number;
  reportP99: number;
  flushed: number;
  /** Events of a batch Polar did not take in this run (left, with backoff, for the next). */
  notSent: number;
  flushMs: number;
}


export async function timeUsage(opts: {
  baseUrl: string;
  polarApiUrl: string;
  polarToken: string;
  mongoUri: string;
  cronSecret: string;
  reports: number;
  backlog: number;
  runId: string;
}): Promise<UsageTiming> {
  // A Business subscriber: its reports go on past the credits, so every request is a report.
  const email = `bench-usage-${opts.runId}@example.com`;
  const polar = new Polar({ accessToken: opts.polarToken, serverURL: opts.polarApiUrl });
  const cookie = await reportSubscriber(opts.baseUrl, polar, email, BUSINESS_MONTHLY_ID);

  const times: number[] = [];
  for (let i = 0; i < opts.reports; i++) {
    const started = performance.now();
    const res = await fetch(`${opts.baseUrl}/api/pro/report`, { method: "POST", headers: { cookie, "idempotency-key": `bench-${opts.runId}-${i}` } });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`bench usage: a report answered ${res.status}`);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);

  // A backlog (an outage at Polar, say) written straight into the outbox, then one cron run.
  const client = await MongoClient.connect(opts.mongoUri);
  const now = new Date();
  await client
    .db()
    .collection("usageevents")
    .insertMany(
      Array.from({ length: opts.backlog }, (_, i) => ({
        _id: `rpt_backlog_${opts.runId}_${i}` as unknown as never,
        customerEmail: email,
        name: "report.generated",
        metadata: {},
        createdAt: now,
        sentAt: null,
        attempts: 0,
        nextAttemptAt: now,
        lastError: null,
      })),
    );
  const started = performance.now();
  const res = await fetch(`${opts.baseUrl}/api/cron/billing`, { headers: { authorization: `Bearer ${opts.cronSecret}` } });
  const report = (await res.json()) as { usageSent?: { sent: number; failed: number } };
  const flushMs = performance.now() - started;
  await client.close();
  return { reportP50: percentile(times, 50), reportP99: percentile(times, 99), flushed: report.usageSent?.sent ?? 0, notSent: opts.backlog - (report.usageSent?.sent ?? 0), flushMs };
}
