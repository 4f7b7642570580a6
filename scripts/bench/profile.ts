import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mongoose from "mongoose";
import { connectDb, disconnectDb } from "../../lib/db";
import { receiveWebhook } from "../../lib/webhooks/receive";
import { startFerretdb } from "../lib/ferretdb";
import { freePort } from "../lib/ports";
import { sign } from "../lib/polar-payloads";
import { eventMix } from "./load";

/**
 * `npm run bench:profile`: where a webhook's time goes. Applies the bench's event mix in-process,
 * one event at a time, on a fresh FerretDB, and prints the database commands each event type
 * sends (count and time) next to its total time.
 */
const SECRET = "whsec_profile";
const EVENTS = Number(process.argv[2] ?? 300);

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "ferretdb-profile-"));
  const db = await startFerretdb({ port: await freePort(), dataDir, log: () => {} });
  try {
    await connectDb(`${db.uri}profile`, { monitorCommands: true });
    const client = mongoose.connection.getClient();
    const started = new Map<number, { name: string; at: number }>();
    let current: string[] = [];
    let currentMs = 0;
    client.on("commandStarted", (e) => started.set(e.requestId, { name: `${e.commandName} ${String(e.command[e.commandName] ?? "")}`, at: performance.now() }));
    client.on("commandSucceeded", (e) => {
      const s = started.get(e.requestId);
      if (!s) return;
      current.push(s.name);
      currentMs += performance.now() - s.at;
    });
    // Collections and indexes created, and the pool warm, before anything is counted.
    for (const e of eventMix(40, 6)) {
      const d = sign(e.body, SECRET, e.webhookId);
      await receiveWebhook(d.body, d.headers, SECRET);
    }

    const byType = new Map<string, { n: number; ms: number; dbMs: number; commands: Map<string, number> }>();
    for (const e of eventMix(EVENTS, 7)) {
      const d = sign(e.body, SECRET, e.webhookId);
      current = [];
      currentMs = 0;
      const t0 = performance.now();
      const res = await receiveWebhook(d.body, d.headers, SECRET);
      const ms = performance.now() - t0;
      if (res.status >= 300) throw new Error(`${e.webhookId}: ${res.status}`);
      const type = (JSON.parse(e.body) as { type: string }).type;
      const t = byType.get(type) ?? { n: 0, ms: 0, dbMs: 0, commands: new Map() };
      t.n++;
      t.ms += ms;
      t.dbMs += currentMs;
      for (const c of current) t.commands.set(c, (t.commands.get(c) ?? 0) + 1);
      byType.set(type, t);
    }
    console.log("| event | n | ms / event | db ms / event | commands / event |\n| --- | --- | --- | --- | --- |");
    for (const [type, t] of [...byType].sort((a, b) => b[1].n - a[1].n)) {
      const commands = [...t.commands].map(([c, n]) => `${c} ×${(n / t.n).toFixed(1)}`).join(", ");
      const count = [...t.commands.values()].reduce((a, b) => a + b, 0) / t.n;
      console.log(`| ${type} | ${t.n} | ${(t.ms / t.n).toFixed(1)} | ${(t.dbMs / t.n).toFixed(1)} | ${count.toFixed(1)}: ${commands} |`);
    }
  } finally {
    await disconnectDb();
    await db.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
