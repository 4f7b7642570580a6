import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { describeBackends, fellBack, readBackendReports, type BackendReport } from "./lib/backend-report";
import { ensureChromium } from "./lib/chromium";
import { ensureFerretdb } from "./lib/ferretdb";

/**
 * `npm test`: every test, on real parts. vitest (unit + integration against a real FerretDB),
 * the Polar emulator package's own tests (packages/polar-emulator), the local identity provider
 * package's own tests (packages/local-oidc), Vercel's build and the checks
 * over it, then Playwright in Debian's Chromium and, beside it, the chaos runs against `next start`
 * of that same build. Ends with a summary: each runner's counts, each stage's database, each
 * stage's seconds, the totals.
 */
const reports = join(".data", "reports");

/** Each stage's wall time, in the order they ended, for the summary; `beside` names the stage it ran next to. */
const timings: Array<{ title: string; seconds: number; beside?: string }> = [];

interface RunOptions {
  env?: Record<string, string>;
  /**
   * Runs next to another stage that prints as it goes: this one's output is kept and printed in
   * one block when it ends, so the two never interleave line by line.
   */
  beside?: string;
}

function run(title: string, command: string, args: string[], { env = {}, beside }: RunOptions = {}): Promise<boolean> {
  const header = `\n=== ${title}${beside ? ` (beside ${beside})` : ""}: ${command} ${args.join(" ")}`;
  if (!beside) console.log(header);
  const started = performance.now();
  const child = spawn(command, args, { stdio: beside ? ["ignore", "pipe", "pipe"] : "inherit", env: { ...process.env, ...env } });
  const kept: Buffer[] = [];
  child.stdout?.on("data", (chunk: Buffer) => kept.push(chunk));
  child.stderr?.on("data", (chunk: Buffer) => kept.push(chunk));
  return new Promise((resolvePromise) => {
    const end = (status: number | null, why?: string) => {
      const seconds = (performance.now() - started) / 1000;
      timings.push({ title, seconds, beside });
      if (beside) process.stdout.write(`${header}\n${Buffer.concat(kept).toString()}`);
      console.log(`=== ${title}: ${status === 0 ? "ok" : `FAILED (${why ?? `exit ${status}`})`} in ${seconds.toFixed(0)} s`);
      resolvePromise(status === 0);
    };
    child.once("error", (error) => end(null, error.message));
    child.once("close", (status, signal) => end(status, status === null ? `signal ${signal}` : undefined));
  });
}

/**
 * "unit + integration 50 s, ..., end to end (Chromium) 160 s; beside end to end (Chromium): load
 * and chaos 52 s, ...; total 390 s": where the run's time went (the total is the wall time).
 */
function timingLine(totalSeconds: number): string {
  const seconds = (t: (typeof timings)[number]) => `${t.title} ${t.seconds.toFixed(0)} s`;
  const alongside = [...new Set(timings.flatMap((t) => (t.beside ? [t.beside] : [])))].map(
    (main) => `; beside ${main}: ${timings.filter((t) => t.beside === main).map(seconds).join(", ")}`,
  );
  return `${timings.filter((t) => !t.beside).map(seconds).join(", ")}${alongside.join("")}; total ${totalSeconds.toFixed(0)} s`;
}

/** The FerretDB backend(s) each stage that starts the database ran on, for the summary. */
const backends: Array<[string, BackendReport[]]> = [];

/**
 * Runs a stage that starts FerretDB with FERRETDB_BACKEND_REPORT pointing at a file of its own
 * (scripts/lib/backend-report.ts), and keeps what its starts reported.
 */
async function databaseStage<T>(name: string, body: (env: Record<string, string>) => Promise<T>): Promise<T> {
  const file = resolve(reports, `backend-${name.replace(/[^A-Za-z0-9]+/g, "-")}.jsonl`);
  const result = await body({ FERRETDB_BACKEND_REPORT: file });
  backends.push([name, readBackendReports(file)]);
  return result;
}

interface Counts { passed: number; failed: number; skipped: number }

/** One vitest run with a JSON report (absolute path: a config may set its own root). */
async function vitestSuite(title: string, report: string, args: string[], options: RunOptions = {}): Promise<[boolean, Counts]> {
  const file = resolve(reports, report);
  const ok = await run(title, "node_modules/.bin/vitest", ["run", ...args, "--reporter=default", "--reporter=json", `--outputFile.json=${file}`], options);
  return [ok, vitestCounts(file)];
}

function vitestCounts(file: string): Counts {
  if (!existsSync(file)) return { passed: 0, failed: 1, skipped: 0 };
  const r = JSON.parse(readFileSync(file, "utf8")) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number };
  return { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + r.numTodoTests };
}

function playwrightCounts(file: string): Counts {
  if (!existsSync(file)) return { passed: 0, failed: 1, skipped: 0 };
  const r = JSON.parse(readFileSync(file, "utf8")) as { stats: { expected: number; unexpected: number; flaky: number; skipped: number } };
  return { passed: r.stats.expected + r.stats.flaky, failed: r.stats.unexpected, skipped: r.stats.skipped };
}

async function main(): Promise<number> {
  const started = performance.now();
  rmSync(reports, { recursive: true, force: true });
  mkdirSync(reports, { recursive: true });
  ensureChromium();
  ensureFerretdb(); // build it up front, once, with its own message, not inside a test's timeout

  // Every query the app sends in the integration and e2e runs is recorded (lib/db/query-recorder.ts)
  // and checked after each run against the indexes the models declare: FerretDB scans whatever
  // the indexes, so only this check sees a query Atlas could not serve (README, "Queries Atlas can serve").
  const queries: Counts = { passed: 0, failed: 0, skipped: 0 };
  const checkQueries = async (label: string, file: string) => {
    const ok = await run(`queries Atlas can serve (${label})`, "node_modules/.bin/tsx", ["scripts/check-queries.ts", file, label]);
    queries[ok ? "passed" : "failed"]++;
  };

  // The two packages' own tests (loopback only, no database) beside the integration run, which
  // mostly waits on its database and leaves a third of two cores idle.
  const integrationStage = "unit + integration";
  const integrationQueries = resolve(reports, "queries-vitest.jsonl");
  const [[vitestOk, unit], [[emulatorOk, emulator], [oidcOk, oidc]]] = await Promise.all([
    databaseStage("vitest", (env) => vitestSuite(integrationStage, "vitest.json", [], { env: { ...env, RECORD_QUERIES: integrationQueries } })),
    (async () => [
      await vitestSuite("Polar emulator (packages/polar-emulator)", "emulator.json", ["--config", "packages/polar-emulator/vitest.config.mts"], { beside: integrationStage }),
      await vitestSuite("local identity provider (packages/local-oidc)", "local-oidc.json", ["--config", "packages/local-oidc/vitest.config.mts"], { beside: integrationStage }),
    ])(),
  ]);
  await checkQueries("integration", integrationQueries);

  // The one production build of the commit: Vercel's builder (`vercel build`, which runs `next
  // build` into .next and makes .vercel/output of it), given recognisable fake secrets
  // (tests/e2e/sentinels.ts). Its checks and the tests that plant a mistake in each read
  // .vercel/output; then the e2e and chaos runs serve the .next it left with `next start`, and
  // tests/e2e/hardening.spec.ts proves no sentinel reached a client file.
  const buildReport = resolve(reports, "build-vercel.json");
  const vercelBuildOk = await run("Vercel build (npm run build:vercel -- --sentinels)", "node_modules/.bin/tsx", [
    "scripts/build-vercel.ts", "--sentinels", "--report", buildReport,
  ]);
  // Built, whatever its checks said: the e2e and chaos runs still have a build to run against.
  const buildOk = existsSync(buildReport) && (JSON.parse(readFileSync(buildReport, "utf8")) as { built: boolean }).built;
  const [vercelOk, vercel] = vercelBuildOk
    ? await vitestSuite("Vercel build output", "vercel.json", ["--config", "tests/vercel/vitest.config.mts"])
    : [false, { passed: 0, failed: 1, skipped: 0 }];

  // The browser run and the chaos runs side by side: each has its own app, database and ports,
  // and each alone leaves about half of two cores idle (waiting on deliveries, on the sweep's 30 s,
  // on pages that poll); one after the other they were 160 + 177 s of the suite.
  const e2eStage = "end to end (Chromium)";
  const endToEnd = async (): Promise<[boolean, Counts]> => {
    const e2eFile = join(reports, "playwright.json");
    const e2eQueries = resolve(reports, "queries-e2e.jsonl");
    const ok = await databaseStage("e2e", (env) =>
      run(e2eStage, "node_modules/.bin/playwright", ["test"], { env: { ...env, PLAYWRIGHT_JSON_OUTPUT_NAME: e2eFile, RECORD_QUERIES: e2eQueries } }),
    );
    await checkQueries("e2e", e2eQueries);
    return [ok, playwrightCounts(e2eFile)];
  };

  // The load-and-chaos harness at a CI size: each run is one test (0 mismatches, 0 lost events),
  // without a fault, with the database stopped for 3 s, and with the app SIGKILLed mid-run; then
  // the usage path's own run (0 lost, 0 doubled). One after another: they share .data/chaos.
  const chaosRuns = async (): Promise<Counts> => {
    const chaos: Counts = { passed: 0, failed: 0, skipped: 0 };
    // The load itself at 200 customers (every scenario 20 times); the two faults at 100 (each
    // scenario 10 times), which is what they test: a fault 30 % into the deliveries, then the
    // drain. Their length was most of the stage's time (about 95 s each at 200).
    const faults: Array<[string, string, string[]]> = [
      ["load and chaos", "200", []],
      ["load and chaos with a database outage", "100", ["--fault", "db"]],
      ["load and chaos with the app killed mid-run", "100", ["--fault", "app-kill"]],
    ];
    for (const [title, customers, extra] of faults) {
      const ok = await databaseStage(["chaos", ...extra].join(" "), (env) =>
        run(title, "node_modules/.bin/tsx", ["scripts/chaos.ts", "--customers", customers, "--duplicates", "0.3", "--concurrency", "16", ...extra], { env, beside: e2eStage }),
      );
      chaos[ok ? "passed" : "failed"]++;
    }
    // The usage path with the app SIGKILLed while reports are generated and sent: Polar's meter
    // equals the reports answered 200, exactly (scripts/chaos-usage.ts).
    const usageOk = await databaseStage("chaos usage app-kill", (env) =>
      run("usage with the app killed mid-run", "node_modules/.bin/tsx", ["scripts/chaos-usage.ts", "--customers", "12", "--reports", "25", "--concurrency", "12"], { env, beside: e2eStage }),
    );
    chaos[usageOk ? "passed" : "failed"]++;
    return chaos;
  };

  const [[e2eOk, e2e], chaos]: [[boolean, Counts], Counts] = buildOk
    ? await Promise.all([endToEnd(), chaosRuns()])
    : [[false, { passed: 0, failed: 1, skipped: 0 }], { passed: 0, failed: 0, skipped: 0 }];

  const passed = unit.passed + emulator.passed + oidc.passed + vercel.passed + e2e.passed + chaos.passed + queries.passed;
  // A runner that exits non-zero without a failed test (a file that did not load, a server that
  // did not start) still counts as one failure.
  const unexplained = (ok: boolean, c: Counts) => (ok || c.failed > 0 ? 0 : 1);
  const failed =
    unit.failed + emulator.failed + oidc.failed + vercel.failed + e2e.failed + chaos.failed + queries.failed +
    unexplained(vitestOk, unit) + unexplained(emulatorOk, emulator) + unexplained(oidcOk, oidc) + unexplained(vercelOk, vercel) +
    (buildOk ? unexplained(e2eOk, e2e) : 1);
  console.log(
    `\nvitest: ${unit.passed} passed, ${unit.failed} failed; emulator: ${emulator.passed} passed, ${emulator.failed} failed; ` +
      `local-oidc: ${oidc.passed} passed, ${oidc.failed} failed; ` +
      `vercel: ${vercel.passed} passed, ${vercel.failed} failed; playwright: ${e2e.passed} passed, ${e2e.failed} failed; ` +
      `chaos: ${chaos.passed} passed, ${chaos.failed} failed; queries Atlas can serve: ${queries.passed} passed, ${queries.failed} failed` +
      `${buildOk ? "" : "; vercel build FAILED (no e2e, no chaos)"}`,
  );
  // The database each stage ran on: a fallback to SQLite passes its tests several times slower,
  // and must not pass unnoticed.
  console.log(`database (FerretDB backend): ${backends.map(([name, r]) => `${name} ${describeBackends(r)}`).join("; ")}`);
  const fellBackIn = backends.filter(([, r]) => fellBack(r)).map(([name]) => name);
  if (fellBackIn.length) console.log(`WARNING: ${fellBackIn.join(", ")} ran on FerretDB's SQLite fallback, not PostgreSQL (why: above, and in the stage's output)`);
  console.log(`time: ${timingLine((performance.now() - started) / 1000)}`);
  console.log(`tests: ${passed} passed, ${failed} failed, ${unit.skipped + emulator.skipped + oidc.skipped + vercel.skipped + e2e.skipped} skipped`);
  return vitestOk && emulatorOk && oidcOk && vercelOk && buildOk && e2eOk && failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
