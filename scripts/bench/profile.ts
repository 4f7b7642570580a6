import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mongoose from "mongoose";
import { connectDb, disconnectDb } from "../../lib/db/connect";
import { receiveWebhook } from "../../lib/webhooks/receive";
import { startFerretdb } from "../lib/ferretdb";
import { freePort } from "../lib/ports";
import { sign } from "../lib/polar-payloads";
import { seedCustomers } from "./growth";
import { profileCheckout } from "./profile-checkout";
import { eventMix } from "./load";

/**
 * `npm run bench:profile`: where a webhook's time goes (`npm run bench:profile -- checkout`: the
 * Upgrade click's, scripts/bench/profile-checkout.ts). Delivers the bench's event mix in-process,
 * one event at a time, on a fresh FerretDB: the answer (verify and store), then the apply that
 * runs after it, and prints the database commands each sends per event type (count and time).
 */
const SECRET = "whsec_profile";
const EVENTS = Number(process.argv[2] ?? 300);
// `npm run bench:profile -- 300 100000`: the same, with that many customers stored first (a user
// and a payment each, as the growth bench seeds them), to see which commands grow with the data.
const CUSTOMERS = Number(process.argv[3] ?? 0);

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "ferretdb-profile-"));
  const db = await startFerretdb({ port: await freePort(), dataDir, log: () => {} });
  try {
    if (CUSTOMERS > 0) await seedCustomers(`${db.uri}profile`, 0, CUSTOMERS);
    await connectDb(`${db.uri}profile`, { monitorCommands: true });
    const client = mongoose.connection.getClient();
    const started = new Map<number, { name: string; at: number }>();
    let current: Array<[string, number]> = [];
    let currentMs = 0;
    client.on("commandStarted", (e) => started.set(e.requestId, { name: `${e.commandName} ${String(e.command[e.commandName] ?? "")}`, at: performance.now() }));
    client.on("commandSucceeded", (e) => {
      const s = started.get(e.requestId);
      if (!s) return;
      const ms = performance.now() - s.at;
      current.push([s.name, ms]);
      currentMs += ms;
    });
    // Collections and indexes created, and the pool warm, before anything is counted.
    for (const e of eventMix(40, 6)) {
      const d = sign(e.body, SECRET, e.webhookId);
      await (await receiveWebhook(d.body, d.headers, SECRET)).afterAnswer?.();
    }

    // Per command: how many, and their milliseconds in all.
    type Phase = { ms: number; dbMs: number; commands: Map<string, [number, number]> };
    const byType = new Map<string, { n: number; answer: Phase; apply: Phase }>();
    const measure = async <T>(phase: Phase, work: () => Promise<T>): Promise<T> => {
      current = [];
      currentMs = 0;
      const t0 = performance.now();
      const result = await work();
      phase.ms += performance.now() - t0;
      phase.dbMs += currentMs;
      for (const [c, ms] of current) {
        const [k, total] = phase.commands.get(c) ?? [0, 0];
        phase.commands.set(c, [k + 1, total + ms]);
      }
      return result;
    };
    for (const e of eventMix(EVENTS, 7)) {
      const d = sign(e.body, SECRET, e.webhookId);
      const type = (JSON.parse(e.body) as { type: string }).type;
      const t = byType.get(type) ?? { n: 0, answer: { ms: 0, dbMs: 0, commands: new Map() }, apply: { ms: 0, dbMs: 0, commands: new Map() } };
      t.n++;
      const res = await measure(t.answer, () => receiveWebhook(d.body, d.headers, SECRET));
      if (res.status >= 300) throw new Error(`${e.webhookId}: ${res.status}`);
      await measure(t.apply, async () => res.afterAnswer?.());
      byType.set(type, t);
    }
    const cell = (p: Phase, n: number) => {
      const commands = [...p.commands].map(([c, [k, ms]]) => `${c} ×${(k / n).toFixed(1)} (${(ms / k).toFixed(1)} ms)`).join(", ");
      const count = [...p.commands.values()].reduce((a, [k]) => a + k, 0) / n;
      return `${(p.ms / n).toFixed(1)} | ${(p.dbMs / n).toFixed(1)} | ${count.toFixed(1)}: ${commands}`;
    };
    console.log("| event | n | answer ms | answer db ms | answer commands | apply ms | apply db ms | apply commands |");
    console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for (const [type, t] of [...byType].sort((a, b) => b[1].n - a[1].n)) console.log(`| ${type} | ${t.n} | ${cell(t.answer, t.n)} | ${cell(t.apply, t.n)} |`);
  } finally {
    await disconnectDb();
    await db.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

(process.argv[2] === "checkout" ? profileCheckout(Number(process.argv[3] ?? 100)) : main()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
