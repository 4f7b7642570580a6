import { join } from "node:path";
import { loadEnvConfig } from "@next/env";
import { readDotenv } from "./lib/local-env";

/**
 * `npm run webhooks -- list | show <webhook-id> | replay <webhook-id> | drift`: the operator's view
 * of Polar events that failed or were not applied, a way to apply one again after a fix, and the
 * drift the reconciler repaired.
 * Uses .env.local, else the local stack's .data/local.env.
 */
loadEnvConfig(process.cwd(), true);
for (const [k, v] of Object.entries(readDotenv(join(".data", "local.env")))) process.env[k] ??= v;

async function main(argv: string[]): Promise<number> {
  const [command, id] = argv;
  const { disconnectDb } = await import("../lib/db/connect");
  const ops = await import("../lib/webhooks/operator");
  try {
    if (command === "list") {
      const events = await ops.listAttentionEvents();
      if (events.length === 0) console.log("No failed or unapplied events.");
      for (const e of events) {
        console.log(`${e.receivedAt.toISOString()}  ${e.status.padEnd(8)}  ${e.type.padEnd(24)}  ${e.webhookId}  attempts=${e.attempts}${e.error ? `  error: ${e.error}` : ""}`);
      }
      return 0;
    }
    if (command === "show" && id) {
      const event = await ops.showEvent(id);
      if (!event) return notFound(id);
      const { payload, ...rest } = event;
      console.log(JSON.stringify({ ...rest, payload: JSON.parse(payload) as unknown }, null, 2));
      return 0;
    }
    if (command === "replay" && id) {
      const result = await ops.replayEvent(id);
      if (result === "not-found") return notFound(id);
      console.log(`${id}: ${result}`);
      return result === "applied" || result === "ignored" || result === "already-applied" ? 0 : 1;
    }
    if (command === "drift") {
      const { listDriftRepairs } = await import("../lib/billing/drift");
      const repairs = await listDriftRepairs();
      if (repairs.length === 0) console.log("No drift repaired.");
      for (const r of repairs) {
        console.log(`${r.at.toISOString()}  user ${r.userId}  ${r.kind.padEnd(12)}  ${r.subject}  ${r.before} -> ${r.after}  plan ${r.planBefore} -> ${r.planAfter}`);
      }
      return 0;
    }
    console.error("usage: npm run webhooks -- list | show <webhook-id> | replay <webhook-id> | drift");
    return 2;
  } finally {
    await disconnectDb();
  }
}

function notFound(id: string): number {
  console.error(`No event with webhook-id ${id}`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
