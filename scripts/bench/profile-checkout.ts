import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mongoose from "mongoose";
import { startPolarEmulator } from "polar-emulator";
import { connectDb, disconnectDb } from "../../lib/db/connect";
import { startFerretdb } from "../lib/ferretdb";
import { percentile } from "../lib/percentile";
import { PRO_PRODUCT_ID } from "../lib/polar-payloads";
import { freePort } from "../lib/ports";

/**
 * `npm run bench:profile -- checkout [clicks]`: where the Upgrade click's time goes below Next. Calls
 * lib/checkout's beginCheckout in-process, as the action does (the recording behind the answer),
 * against a fresh FerretDB and the Polar emulator, one new user per click, and prints the click's
 * time, its database commands and its Polar calls (count and time each). What the bench's checkout
 * overhead holds beyond this is Next's handling of the form post and the session read.
 */
const TOKEN = "polar_oat_profile_checkout";

export async function profileCheckout(clicks: number): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "ferretdb-profile-"));
  const db = await startFerretdb({ port: await freePort(), dataDir, log: () => {} });
  const emulator = await startPolarEmulator({ port: 0, accessTokens: [TOKEN], webhookUrl: "http://127.0.0.1:9/", webhookSecret: "whsec_profile_checkout_secret_0123", log: () => {} });
  Object.assign(process.env, {
    MONGODB_URI: `${db.uri}profile`,
    POLAR_ACCESS_TOKEN: TOKEN,
    POLAR_API_URL: emulator.url,
    POLAR_WEBHOOK_SECRET: "whsec_profile_checkout_secret_0123",
    APP_URL: "http://localhost:3999",
    NEXTAUTH_SECRET: "x".repeat(40),
    AUTH_LOCAL_OIDC_ISSUER: "http://127.0.0.1:9",
    AUTH_LOCAL_OIDC_ID: "profile",
    AUTH_LOCAL_OIDC_SECRET: "profile-checkout-oidc-secret-0123456789",
    CRON_SECRET: "cron-secret-0123456789",
  });
  try {
    await connectDb(`${db.uri}profile`, { monitorCommands: true });
    const { syncProducts } = await import("../../lib/billing/product-sync");
    const { beginCheckout } = await import("../../lib/checkout/begin");
    await syncProducts();

    // Each database command and each Polar call of a click: name -> [count, ms].
    let tally = new Map<string, [number, number]>();
    const add = (name: string, ms: number) => {
      const [k, total] = tally.get(name) ?? [0, 0];
      tally.set(name, [k + 1, total + ms]);
    };
    const started = new Map<number, { name: string; at: number }>();
    const client = mongoose.connection.getClient();
    client.on("commandStarted", (e) => started.set(e.requestId, { name: `db ${e.commandName} ${String(e.command[e.commandName] ?? "")}`, at: performance.now() }));
    client.on("commandSucceeded", (e) => {
      const s = started.get(e.requestId);
      if (s) add(s.name, performance.now() - s.at);
    });
    const realFetch = globalThis.fetch;
    globalThis.fetch = async (input, init) => {
      const request = new Request(input, init);
      const at = performance.now();
      const res = await realFetch(request);
      add(`polar ${request.method} ${new URL(request.url).pathname.replace(/[0-9a-f-]{36}/g, ":id").replace(/external\/[^/]+/, "external/:id")}`, performance.now() - at);
      return res;
    };

    const warm = 10;
    const clickMs: number[] = [];
    const perClick = new Map<string, [number, number]>();
    for (let i = 0; i < warm + clicks; i++) {
      tally = new Map();
      let recording: Promise<unknown> = Promise.resolve();
      const at = performance.now();
      const start = await beginCheckout(`profile-${i}@example.com`, PRO_PRODUCT_ID, undefined, { behindAnswer: (r) => (recording = r) });
      const ms = performance.now() - at;
      if (!start.ok) throw new Error(`click ${i}: ${start.message}`);
      await recording;
      if (i < warm) continue;
      clickMs.push(ms);
      for (const [name, [k, t]] of tally) {
        const [k0, t0] = perClick.get(name) ?? [0, 0];
        perClick.set(name, [k0 + k, t0 + t]);
      }
    }
    clickMs.sort((a, b) => a - b);
    console.log(`checkout: ${clicks} clicks by new users, to the answer (the recording behind it not counted): p50 ${percentile(clickMs, 50).toFixed(1)} ms, p99 ${percentile(clickMs, 99).toFixed(1)} ms`);
    console.log("| command or call, per click (the recording's included) | count | ms each |");
    console.log("| --- | --- | --- |");
    for (const [name, [k, t]] of [...perClick].sort((a, b) => b[1][1] - a[1][1])) console.log(`| ${name} | ${(k / clicks).toFixed(1)} | ${(t / k).toFixed(1)} |`);
  } finally {
    await disconnectDb();
    await emulator.stop();
    await db.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
