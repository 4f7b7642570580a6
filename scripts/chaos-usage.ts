import { rmSync } from "node:fs";
import { join } from "node:path";
import { Polar } from "@polar-sh/sdk";
import mongoose from "mongoose";
import { BUSINESS_MONTHLY_ID } from "polar-emulator/testing";
import { UsageEvent } from "../models/UsageEvent";
import { startAppServer, ensureBuild, type AppServer } from "./lib/app-server";
import { startQuietStack } from "./lib/services";
import { reportSubscriber } from "./lib/report-subscriber";

/**
 * The usage path under a crash: subscribers generate reports (`POST /api/pro/report`, each with an
 * idempotency key, retried with the same key on an error as a client would) while the app is
 * SIGKILLed and restarted; then the billing cron sends what the outbox still holds. Afterwards
 * each customer's meter at Polar (the emulator) must equal the reports the app answered 200 for:
 * none lost (answered, never counted), none doubled (counted twice, or counted and never answered).
 *
 *   npm run chaos:usage -- --customers 12 --reports 25 --concurrency 12
 * Prints one line; exits 1 on any difference.
 */

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};


async function main(): Promise<number> {
  const customers = arg("customers", 12);
  const perCustomer = arg("reports", 25);
  const concurrency = arg("concurrency", 12);
  ensureBuild();
  // A fresh stack each run: the emulator and the database keep their state in the data dir.
  rmSync(join(".data", "chaos-usage"), { recursive: true, force: true });
  const stack = await startQuietStack("chaos-usage");
  // The stack's emulator delivers to the app at the stack's APP_URL: the app is started on its port.
  const env = { ...stack.env };
  const appPort = Number(new URL(env.APP_URL!).port);
  let app: AppServer = await startAppServer(appPort, env, { quiet: true });
  const polar = new Polar({ accessToken: env.POLAR_ACCESS_TOKEN!, serverURL: env.POLAR_API_URL! });
  try {
    // Business: overage, so no report is refused for its credits and every one must be counted.
    const users: Array<{ email: string; cookie: string }> = [];
    for (let i = 0; i < customers; i++) {
      const email = `usage-chaos-${i}@example.com`;
      users.push({ email, cookie: await reportSubscriber(app.url, polar, email, BUSINESS_MONTHLY_ID) });
    }

    const jobs = users.flatMap((u, i) => Array.from({ length: perCustomer }, (_, k) => ({ ...u, key: `chaos-${i}-${k}-${Date.now()}` })));
    const answered = new Map<string, Set<string>>(users.map((u) => [u.email, new Set()]));
    let retries = 0;
    let next = 0;
    const killAt = Math.floor(jobs.length * 0.4);
    let killed: Promise<void> | null = null;
    const kill = async () => {
      // The app dies mid-burst, outbox writes and flushes in flight; a new instance takes the port.
      app.process.kill("SIGKILL");
      await new Promise((r) => app.process.once("exit", r));
      app = await startAppServer(appPort, env, { quiet: true });
    };
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < jobs.length) {
          const job = jobs[next++]!;
          if (next >= killAt && !killed) killed = kill();
          for (let attempt = 0; ; attempt++) {
            const res = await fetch(`${env.APP_URL}/api/pro/report`, {
              method: "POST",
              headers: { cookie: job.cookie, "idempotency-key": job.key },
              signal: AbortSignal.timeout(10_000),
            }).catch(() => null);
            if (res?.status === 200) {
              answered.get(job.email)!.add(job.key);
              break;
            }
            if (res && res.status !== 503 && res.status < 500) throw new Error(`chaos-usage: ${job.email} got ${res.status}: ${await res.text()}`);
            retries++;
            if (attempt > 40) throw new Error(`chaos-usage: ${job.email}'s report ${job.key} never answered`);
            await new Promise((r) => setTimeout(r, 250));
          }
        }
      }),
    );
    await killed;

    // What the outbox still holds goes out with the cron, as on Vercel.
    await mongoose.connect(env.MONGODB_URI!);
    for (let round = 0; (await UsageEvent.countDocuments({ sentAt: null })) > 0; round++) {
      if (round > 60) throw new Error("chaos-usage: the outbox did not empty within 60 cron runs");
      await UsageEvent.updateMany({ sentAt: null }, { $set: { nextAttemptAt: new Date() } }); // no backoff wait in a test
      await fetch(`${app.url}/api/cron/billing`, { headers: { authorization: `Bearer ${env.CRON_SECRET}` } });
      await new Promise((r) => setTimeout(r, 500));
    }
    const recorded = await UsageEvent.countDocuments({});
    await mongoose.disconnect();

    let lost = 0;
    let doubled = 0;
    let meterTotal = 0;
    for (const u of users) {
      const meter = (await polar.customers.getStateExternal({ externalId: u.email })).activeMeters[0];
      const consumed = meter?.consumedUnits ?? 0;
      meterTotal += consumed;
      const ok = answered.get(u.email)!.size;
      if (consumed < ok) lost += ok - consumed;
      if (consumed > ok) doubled += consumed - ok;
    }
    const answeredTotal = [...answered.values()].reduce((n, s) => n + s.size, 0);
    console.log(
      `chaos-usage: customers=${customers} reports=${jobs.length} answered=${answeredTotal} outbox=${recorded} meter=${meterTotal} ` +
        `retries=${retries} fault=app-killed lost=${lost} doubled=${doubled}`,
    );
    return lost === 0 && doubled === 0 && answeredTotal === jobs.length ? 0 : 1;
  } finally {
    await app.stop();
    await stack.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
