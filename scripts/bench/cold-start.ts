import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { percentile } from "../lib/percentile";
import { freePort, isPortOpen } from "../lib/ports";
import { startQuietStack } from "../lib/services";

/**
 * What a serverless function pays for a route in the production build (`.next`, from `next build`):
 * the files Next traces for it (what Vercel packs into its function, Next's own `.nft.json`; its
 * largest packages too) and a cold start, from spawning `next start` to the route's first complete
 * answer, in a fresh process per route and run.
 *
 *   tsx scripts/bench/cold-start.ts [--runs 5]
 */

const ROUTES = [
  { name: "webhook route", path: "/api/webhooks/polar", nft: ".next/server/app/api/webhooks/polar/route.js.nft.json", method: "POST" },
  { name: "/pricing", path: "/pricing", nft: ".next/server/app/pricing/page.js.nft.json", method: "GET" },
] as const;

/** Files and bytes a route traces, and its three largest packages (`.next` counted as one). */
function traced(nftFile: string): { files: number; bytes: number; largest: string } {
  const { files } = JSON.parse(readFileSync(nftFile, "utf8")) as { files: string[] };
  const paths = [...files.map((f) => normalize(join(dirname(nftFile), f))), nftFile.replace(/\.nft\.json$/, "")];
  const existing = paths.filter((p) => existsSync(p) && statSync(p).isFile());
  const byPackage = new Map<string, number>();
  for (const p of existing) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(p)?.[1] ?? ".next";
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + statSync(p).size);
  }
  const largest = [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([pkg, bytes]) => `${pkg} ${(bytes / 1e6).toFixed(2)}MB`).join(", ");
  return { files: existing.length, bytes: existing.reduce((sum, p) => sum + statSync(p).size, 0), largest };
}

async function coldStart(route: (typeof ROUTES)[number], env: Record<string, string>): Promise<{ ms: number; status: number }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn("node_modules/.bin/next", ["start", "-p", String(port)], {
    detached: true,
    stdio: "ignore",
    env: { ...process.env, ...env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
  });
  try {
    while (!(await isPortOpen(port))) {
      if (performance.now() - started > 30_000) throw new Error("next start did not listen within 30 s");
      await new Promise((r) => setTimeout(r, 10));
    }
    // An unsigned delivery: answered 403 once the route's module is loaded, nothing written.
    const init = route.method === "POST" ? { method: "POST", body: "{}", headers: { "content-type": "application/json" } } : {};
    const res = await fetch(`http://localhost:${port}${route.path}`, { ...init, redirect: "manual" });
    await res.arrayBuffer();
    return { ms: performance.now() - started, status: res.status };
  } finally {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // gone
    }
  }
}

async function main(): Promise<void> {
  if (!existsSync(".next/BUILD_ID")) throw new Error("no production build: run `next build` first");
  const runsArg = process.argv.indexOf("--runs");
  const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
  const stack = await startQuietStack("bench-cold");
  try {
    for (const route of ROUTES) {
      const t = traced(route.nft);
      const times: number[] = [];
      let status = 0;
      for (let i = 0; i < runs; i++) {
        const r = await coldStart(route, stack.env);
        times.push(r.ms);
        status = r.status;
      }
      times.sort((a, b) => a - b);
      console.log(
        `cold start: ${route.name} traced-files=${t.files} traced-bytes=${(t.bytes / 1e6).toFixed(2)}MB ` +
          `status=${status} first-answer-median=${percentile(times, 50).toFixed(0)}ms runs=${runs} largest: ${t.largest}`,
      );
    }
  } finally {
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
