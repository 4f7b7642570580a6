import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { percentile } from "../lib/percentile";
import { startQuietStack } from "../lib/services";

/**
 * What a new user waits for after `npm run dev`: a cold `next dev` (no `.next`, so no compile cache)
 * and the first visit to one page, timed from the request to the last byte, with the module count
 * webpack prints. Each (bundler, page) pair gets a fresh server so each visit is a first one.
 *
 *   tsx scripts/bench/dev-first-visit.ts [--bundler webpack|turbopack]... [--page /pricing]... [--runs 3]
 *
 * Prints the median of the runs (each a cold server on a cold `.next`) and every run.
 */

interface Visit {
  bundler: string;
  page: string;
  status: number;
  readyMs: number;
  visitMs: number;
  modules: number | null;
}

function listArg(name: string, fallback: string[]): string[] {
  const values = process.argv.flatMap((arg, i) => (arg === name && process.argv[i + 1] ? [process.argv[i + 1]!] : []));
  return values.length ? values : fallback;
}

async function firstVisit(bundler: string, page: string, env: Record<string, string>, port: number): Promise<Visit> {
  rmSync(".next", { recursive: true, force: true });
  let output = "";
  const started = performance.now();
  const child = spawn("node_modules/.bin/next", ["dev", ...(bundler === "turbopack" ? ["--turbopack"] : []), "-p", String(port)], {
    detached: true,
    env: { ...process.env, ...env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  try {
    while (!/Ready in/.test(output)) {
      if (child.exitCode !== null) throw new Error(`next dev exited: ${output}`);
      if (performance.now() - started > 60_000) throw new Error(`next dev not ready after 60 s: ${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const readyMs = performance.now() - started;
    const asked = performance.now();
    const res = await fetch(`${env.APP_URL}${page}`, { redirect: "manual" });
    await res.arrayBuffer();
    const visitMs = performance.now() - asked;
    // webpack: "✓ Compiled /pricing in 20.1s (3705 modules)"; Turbopack prints no count.
    const counts = [...output.matchAll(/Compiled .*?\((\d+) modules\)/g)].map((m) => Number(m[1]));
    if (process.argv.includes("--verbose")) console.log(output.split("\n").filter((l) => /Compil/.test(l)).join("\n"));
    return { bundler, page, status: res.status, readyMs, visitMs, modules: counts.length ? Math.max(...counts) : null };
  } finally {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // gone
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function main(): Promise<void> {
  const bundlers = listArg("--bundler", ["webpack", "turbopack"]);
  const pages = listArg("--page", ["/pricing", "/"]);
  const runs = Number(listArg("--runs", ["3"])[0]);
  const stack = await startQuietStack("bench-dev");
  const port = Number(new URL(stack.env.APP_URL!).port);
  try {
    for (const bundler of bundlers) {
      for (const page of pages) {
        const visits: Visit[] = [];
        for (let i = 0; i < runs; i++) visits.push(await firstVisit(bundler, page, stack.env, port));
        const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
        const v = visits[0]!;
        console.log(
          `dev first visit: bundler=${v.bundler} page=${v.page} status=${visits.map((x) => x.status).join(",")} ` +
            `ready=${(median(visits.map((x) => x.readyMs)) / 1000).toFixed(1)}s visit=${(median(visits.map((x) => x.visitMs)) / 1000).toFixed(1)}s ` +
            `(runs ${visits.map((x) => (x.visitMs / 1000).toFixed(1)).join(" ")}) modules=${v.modules ?? "-"}`,
        );
      }
    }
  } finally {
    await stack.stop();
    // A dev build must not pass for a production one (--keep leaves it to inspect).
    if (!process.argv.includes("--keep")) rmSync(".next", { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
