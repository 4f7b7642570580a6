import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { describeBackends, fellBack, readBackendReports, type BackendReport } from "./lib/backend-report";
import { ensureChromium } from "./lib/chromium";
import { ensureFerretdb } from "./lib/ferretdb";

/**
 * `npm test`: every test, on real parts. vitest (unit + integration against a real FerretDB),
 * the Polar emulator package's own tests (packages/polar-emulator), the local identity provider
 * package's own tests (packages/local-oidc), Vercel's build and the checks
 * over it, then Playwright in Debian's Chromium and the chaos runs against `next start` of that
 * same build. Ends with a summary: each runner's counts, each stage's database, each stage's
 * seconds, the totals.
 */
const reports = join(".data", "reports");

/** Each stage's wall time, in the order they ran, for the summary. */
const timings: Array<[string, number]> = [];

function run(title: string, command: string, args: string[], env: Record<string, string> = {}): boolean {
  console.log(`\n=== ${title}: ${command} ${args.join(" ")}`);
  const started = performance.now();
  const result = spawnSync(command, args, { stdio: "inherit", env: { ...process.env, ...env } });
  const seconds = (performance.now() - started) / 1000;
  timings.push([title, seconds]);
  console.log(`=== ${title}: ${result.status === 0 ? "ok" : `FAILED (exit ${result.status ?? result.signal})`} in ${seconds.toFixed(0)} s`);
  return result.status === 0;
}

/** "unit + integration 50 s, ..., total 712 s": where the run's time went. */
function timingLine(totalSeconds: number): string {
  return `${timings.map(([title, s]) => `${title} ${s.toFixed(0)} s`).join(", ")}; total ${totalSeconds.toFixed(0)} s`;
}

/** The FerretDB backend(s) each stage that starts the database ran on, for the summary. */
const backends: Array<[string, BackendReport[]]> = [];

/**
 * Runs a stage that starts FerretDB with FERRETDB_BACKEND_REPORT pointing at a file of its own
 * (scripts/lib/backend-report.ts), and keeps what its starts reported.
 */
function databaseStage<T>(name: string, body: (env: Record<string, string>) => T): T {
  const file = resolve(reports, `backend-${name.replace(/[^A-Za-z0-9]+/g, "-")}.jsonl`);
  const result = body({ FERRETDB_BACKEND_REPORT: file });
  backends.push([name, readBackendReports(file)]);
  return result;
}

interface Counts { passed: number; failed: number; skipped: number }

/** One vitest run with a JSON report (absolute path: a config may set its own root). */
function vitestSuite(title: string, report: string, args: string[], env: Record<string, string> = {}): [boolean, Counts] {
  const file = resolve(reports, report);
  const ok = run(title, "node_modules/.bin/vitest", ["run", ...args, "--reporter=default", "--reporter=json", `--outputFile.json=${file}`], env);
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

function main(): number {
  const started = performance.now();
  rmSync(reports, { recursive: true, force: true });
  mkdirSync(reports, { recursive: true });
  ensureChromium();
  ensureFerretdb(); // build it up front, once, with its own message, not inside a test's timeout

  // Every query the app sends in the integration and e2e runs is recorded (lib/db/query-recorder.ts)
  // and checked after each run against the indexes the models declare: FerretDB scans whatever
  // the indexes, so only this check sees a query Atlas could not serve (README, "Queries Atlas can serve").
  const queries: Counts = { passed: 0, failed: 0, skipped: 0 };
  const checkQueries = (label: string, file: string) => {
    const ok = run(`queries Atlas can serve (${label})`, "node_modules/.bin/tsx", ["scripts/check-queries.ts", file, label]);
    queries[ok ? "passed" : "failed"]++;
  };

  const integrationQueries = resolve(reports, "queries-vitest.jsonl");
  const [vitestOk, unit] = databaseStage("vitest", (env) =>
    vitestSuite("unit + integration", "vitest.json", [], { ...env, RECORD_QUERIES: integrationQueries }),
  );
  checkQueries("integration", integrationQueries);
  // The emulator package's tests, with its own config (loopback only, no database setup).
  const [emulatorOk, emulator] = vitestSuite("Polar emulator (packages/polar-emulator)", "emulator.json", ["--config", "packages/polar-emulator/vitest.config.mts"]);
  // The identity provider package's tests, the same way (loopback only, no database).
  const [oidcOk, oidc] = vitestSuite("local identity provider (packages/local-oidc)", "local-oidc.json", ["--config", "packages/local-oidc/vitest.config.mts"]);

  // The one production build of the commit: Vercel's builder (`vercel build`, which runs `next
  // build` into .next and makes .vercel/output of it), given recognisable fake secrets
  // (tests/e2e/sentinels.ts). Its checks and the tests that plant a mistake in each read
  // .vercel/output; then the e2e and chaos runs serve the .next it left with `next start`, and
  // tests/e2e/hardening.spec.ts proves no sentinel reached a client file.
  const buildReport = resolve(reports, "build-vercel.json");
  const vercelBuildOk = run("Vercel build (npm run build:vercel -- --sentinels)", "node_modules/.bin/tsx", [
    "scripts/build-vercel.ts", "--sentinels", "--report", buildReport,
  ]);
  // Built, whatever its checks said: the e2e and chaos runs still have a build to run against.
  const buildOk = existsSync(buildReport) && (JSON.parse(readFileSync(buildReport, "utf8")) as { built: boolean }).built;
  const [vercelOk, vercel] = vercelBuildOk
    ? vitestSuite("Vercel build output", "vercel.json", ["--config", "tests/vercel/vitest.config.mts"])
    : [false, { passed: 0, failed: 1, skipped: 0 }];

  let e2e: Counts = { passed: 0, failed: 1, skipped: 0 };
  let e2eOk = false;
  if (buildOk) {
    const e2eFile = join(reports, "playwright.json");
    const e2eQueries = resolve(reports, "queries-e2e.jsonl");
    e2eOk = databaseStage("e2e", (env) =>
      run("end to end (Chromium)", "node_modules/.bin/playwright", ["test"], { ...env, PLAYWRIGHT_JSON_OUTPUT_NAME: e2eFile, RECORD_QUERIES: e2eQueries }),
    );
    e2e = playwrightCounts(e2eFile);
    checkQueries("e2e", e2eQueries);
  }

  // The load-and-chaos harness at a CI size: each run is one test (0 mismatches, 0 lost events),
  // without a fault, with the database stopped for 3 s, and with the app SIGKILLed mid-run; then
  // the usage path's own run (0 lost, 0 doubled).
  const chaos: Counts = { passed: 0, failed: 0, skipped: 0 };
  if (buildOk) {
    // The load itself at 200 customers (every scenario 20 times); the two faults at 100 (each
    // scenario 10 times), which is what they test: a fault 30 % into the deliveries, then the
    // drain. Their length was most of the stage's time (about 95 s each at 200).
    const faults: Array<[string, string, string[]]> = [
      ["load and chaos", "200", []],
      ["load and chaos with a database outage", "100", ["--fault", "db"]],
      ["load and chaos with the app killed mid-run", "100", ["--fault", "app-kill"]],
    ];
    for (const [title, customers, extra] of faults) {
      const ok = databaseStage(["chaos", ...extra].join(" "), (env) =>
        run(title, "node_modules/.bin/tsx", ["scripts/chaos.ts", "--customers", customers, "--duplicates", "0.3", "--concurrency", "16", ...extra], env),
      );
      chaos[ok ? "passed" : "failed"]++;
    }
    // The usage path with the app SIGKILLed while reports are generated and sent: Polar's meter
    // equals the reports answered 200, exactly (scripts/chaos-usage.ts).
    const usageOk = databaseStage("chaos usage app-kill", (env) =>
      run("usage with the app killed mid-run", "node_modules/.bin/tsx", ["scripts/chaos-usage.ts", "--customers", "12", "--reports", "25", "--concurrency", "12"], env),
    );
    chaos[usageOk ? "passed" : "failed"]++;
  }

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

try {
  process.exit(main());
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
