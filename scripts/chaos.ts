import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import mongoose from "mongoose";
import { Payment } from "../models/Payment";
import { Subscription } from "../models/Subscription";
import { User } from "../models/User";
import { WebhookEvent } from "../models/WebhookEvent";
import { ensureBuild, startAppServer, type AppServer } from "./lib/app-server";
import { FERRETDB_VERSION, startFerretdb, type RunningFerretdb } from "./lib/ferretdb";
import { drainInbox } from "./lib/inbox-drain";
import { freePort } from "./lib/ports";
import { sign } from "./lib/polar-payloads";
import { customerRun, type CustomerRun } from "./lib/scenarios";
import { percentile } from "./lib/percentile";

/**
 * Load-and-chaos harness: plays Polar against the production build. N customers' full event
 * sequences, signed like Polar, delivered shuffled with a fraction duplicated, at a given
 * concurrency, retrying non-2xx like Polar (same webhook-id, fresh signature); optionally stops
 * the database for a few seconds mid-run. Then checks every user and payment in MongoDB against
 * what the sequences imply and prints one summary line. Exit 1 on any mismatch or lost event.
 *
 *   npm run chaos -- --customers 200 --duplicates 0.3 --concurrency 16 [--fault [db | app-kill]]
 *
 * `--fault` (or `--fault db`) stops the database for 3 s; `--fault app-kill` SIGKILLs the app
 * server (events acknowledged but not yet applied die with it) and starts it again. Either way
 * the run then waits, calling the billing cron as Vercel Cron would, until the inbox holds no
 * unapplied event, and checks the final state.
 */
type Fault = "none" | "db" | "app-kill";
interface Options { customers: number; duplicates: number; concurrency: number; fault: Fault; seed: number }

function parseArgs(argv: string[]): Options {
  const get = (name: string, fallback: number) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  const f = argv.indexOf("--fault");
  const fault: Fault = f < 0 ? "none" : argv[f + 1] === "app-kill" ? "app-kill" : "db";
  return { customers: get("customers", 200), duplicates: get("duplicates", 0.3), concurrency: get("concurrency", 16), fault, seed: get("seed", 1) };
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const SECRET = "whsec_chaos_harness_secret";
const CRON_SECRET = "chaos-harness-cron-secret";
const MAX_ATTEMPTS = 10;

interface Delivery { webhookId: string; body: string }

async function deliverWithRetries(url: string, d: Delivery, stats: { latencies: number[]; retries: number; lost: number }): Promise<void> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const signed = sign(d.body, SECRET, d.webhookId);
    const started = performance.now();
    let status = 0;
    try {
      const res = await fetch(url, { method: "POST", headers: signed.headers, body: signed.body, signal: AbortSignal.timeout(10_000) });
      status = res.status;
      await res.arrayBuffer();
    } catch {
      status = 0; // timeout or connection error: a failure, as for Polar
    }
    stats.latencies.push(performance.now() - started);
    if (status >= 200 && status < 300) return;
    stats.retries++;
    // Polar's backoff shape (2 s * 2^n), scaled down 20x for a run that fits in CI.
    await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 3_000)));
  }
  stats.lost++;
}

async function check(runs: CustomerRun[]): Promise<{ mismatches: string[]; unprocessed: number }> {
  const mismatches: string[] = [];
  for (const run of runs) {
    const users = await User.find({ email: run.email }).lean();
    const payments = await Payment.find({ customerEmail: run.email }).lean();
    const user = users[0];
    const problems: string[] = [];
    if (users.length !== 1) problems.push(`${users.length} users`);
    if (payments.length !== run.expected.payments) problems.push(`${payments.length} payments != ${run.expected.payments}`);
    if (user && user.subscriptionStatus !== run.expected.plan) problems.push(`plan ${user.subscriptionStatus} != ${run.expected.plan}`);
    if (user && (user.polarCustomerId ?? null) !== run.expected.polarCustomerId) problems.push(`polarCustomerId ${user.polarCustomerId} != ${run.expected.polarCustomerId}`);
    const payment = payments.find((p) => !p.checkoutId.startsWith("order:"));
    if (payment && payment.status !== run.expected.paymentStatus) problems.push(`payment ${payment.status} != ${run.expected.paymentStatus}`);
    const linked = new Set(user?.payments.map(String) ?? []);
    if (user && payments.some((p) => !linked.has(String(p._id)))) problems.push("payment not linked to user");
    if (run.expected.subscriptionStatus) {
      const sub = await Subscription.findOne({ customerEmail: run.email }).lean();
      if (sub?.status !== run.expected.subscriptionStatus) problems.push(`subscription ${sub?.status} != ${run.expected.subscriptionStatus}`);
      const { subscriptionProductId: product, pendingProductId: pending } = run.expected;
      if (product && sub?.productId !== product) problems.push(`subscription product ${sub?.productId} != ${product}`);
      if (pending !== undefined && (sub?.pendingProductId ?? null) !== pending) problems.push(`pending switch ${sub?.pendingProductId} != ${pending}`);
    }
    for (const member of run.expected.members ?? []) {
      const held = await User.findOne({ email: member.email }, { subscriptionStatus: 1 }).lean();
      if ((held?.subscriptionStatus ?? "no user") !== member.plan) problems.push(`member ${member.email} plan ${held?.subscriptionStatus ?? "no user"} != ${member.plan}`);
    }
    if (problems.length) mismatches.push(`${run.email} (${run.scenario}): ${problems.join(", ")}`);
  }
  const ids = runs.flatMap((r) => r.events.map((e) => e.webhookId));
  const processed = await WebhookEvent.countDocuments({ _id: { $in: ids }, status: { $in: ["processed", "skipped"] } });
  return { mismatches, unprocessed: ids.length - processed };
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  ensureBuild();
  const dataDir = join(".data", "chaos");
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const dbPort = await freePort();
  let db: RunningFerretdb = await startFerretdb({ port: dbPort, dataDir, log: () => {} });
  // Which database the figures below are of (a fallback to SQLite has also said why, on stderr).
  console.log(`chaos: FerretDB ${FERRETDB_VERSION} on ${db.backendLabel}${db.clusterDir ? `, cluster in ${db.clusterDir}` : ""}`);
  const uri = `${db.uri}chaos`;
  const appPort = await freePort();
  const appEnv = {
    MONGODB_URI: uri,
    // Webhooks never call Polar; the cron's reconciler finds no paid user to ask about (no
    // customer here exists at this address), so its calls fail fast and count as errors.
    POLAR_ACCESS_TOKEN: "unused-by-webhooks",
    POLAR_API_URL: "http://127.0.0.1:9",
    POLAR_WEBHOOK_SECRET: SECRET,
    APP_URL: `http://localhost:${appPort}`,
    NEXTAUTH_URL: `http://localhost:${appPort}`,
    NEXTAUTH_SECRET: "chaos-harness-secret-chaos-harness-secret",
    // Never signs in: a local identity provider's configuration only to pass the env check.
    AUTH_LOCAL_OIDC_ISSUER: "http://127.0.0.1:9",
    AUTH_LOCAL_OIDC_ID: "chaos",
    AUTH_LOCAL_OIDC_SECRET: "chaos-harness-oidc-secret-0123456789",
    CRON_SECRET,
  };
  let app: AppServer = await startAppServer(appPort, appEnv, { quiet: true });
  try {
    const random = rng(opts.seed);
    const runs = Array.from({ length: opts.customers }, (_, i) => customerRun(i, opts.seed));
    const deliveries: Delivery[] = runs.flatMap((r) => r.events.map((e) => ({ webhookId: e.webhookId, body: JSON.stringify(e.body) })));
    const events = deliveries.length;
    for (let i = 0; i < events; i++) if (random() < opts.duplicates) deliveries.push(deliveries[i]!);
    for (let i = deliveries.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
    }

    const stats = { latencies: [] as number[], retries: 0, lost: 0 };
    const url = `${app.url}/api/webhooks/polar`;
    let next = 0;
    let faultDone = opts.fault === "none";
    const faultAt = Math.floor(deliveries.length * 0.3);
    let fault: Promise<void> = Promise.resolve();
    const injectFault = async () => {
      if (opts.fault === "db") {
        // The database goes away for 3 s in the middle of the run, then comes back.
        await db.stop();
        await new Promise((r) => setTimeout(r, 3_000));
        db = await startFerretdb({ port: dbPort, dataDir, log: () => {} });
      } else {
        // The app dies at once, with whatever it acknowledged but had not applied yet, and a
        // new instance starts on the same port (a crash, or Vercel recycling an instance).
        app.process.kill("SIGKILL");
        await new Promise((r) => app.process.once("exit", r));
        app = await startAppServer(appPort, appEnv, { quiet: true });
      }
    };
    const started = performance.now();
    await Promise.all(
      Array.from({ length: opts.concurrency }, async () => {
        while (next < deliveries.length) {
          const index = next++;
          if (!faultDone && index >= faultAt) {
            faultDone = true;
            fault = injectFault();
          }
          await deliverWithRetries(url, deliveries[index]!, stats);
        }
      }),
    );
    await fault;
    const answeredAfter = (performance.now() - started) / 1000;
    // Applying lags the answers by design: wait for the inbox to drain, calling the cron as Vercel
    // Cron would. An event acknowledged by a killed app waits SWEEP_AFTER_MS (30 s) before the
    // sweep may take it: give up only after 60 s without one more applied.
    await mongoose.connect(uri);
    const drained = await drainInbox(WebhookEvent.collection, {
      cron: { appUrl: app.url, secret: CRON_SECRET },
      kickAfterStallMs: 1_000,
      giveUpAfterStallMs: 60_000,
      timeoutMs: Number.POSITIVE_INFINITY,
    });

    const { mismatches, unprocessed } = await check(runs);
    await mongoose.disconnect();
    const sorted = [...stats.latencies].sort((a, b) => a - b);
    for (const m of mismatches.slice(0, 20)) console.error(`mismatch: ${m}`);
    const faultName = { none: "none", db: "db-stopped-3s", "app-kill": "app-killed" }[opts.fault];
    console.log(
      `chaos: customers=${opts.customers} events=${events} deliveries=${deliveries.length} duplicates=${deliveries.length - events} ` +
        `retries=${stats.retries} fault=${faultName} mismatches=${mismatches.length} lost=${stats.lost + unprocessed} ` +
        `p50=${percentile(sorted, 50).toFixed(1)}ms p99=${percentile(sorted, 99).toFixed(1)}ms answers/s=${(deliveries.length / answeredAfter).toFixed(1)} ` +
        `drained-after=${(drained.ms / 1000).toFixed(1)}s`,
    );
    return mismatches.length === 0 && stats.lost + unprocessed === 0 ? 0 : 1;
  } finally {
    await app.stop();
    await db.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
