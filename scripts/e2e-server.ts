import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { RECORD_QUERIES } from "../lib/db/query-recorder";
import { startAppServer } from "./lib/app-server";
import { E2E_APP_LOG } from "./lib/log-leaks";
import { startLocalStack, stopOnSignals } from "./lib/services";

/**
 * Playwright's web server: a fresh local stack (FerretDB, Polar emulator, identity provider) and the production
 * build (`next start`), all stopped together when Playwright stops this process.
 */
async function main(): Promise<void> {
  const appPort = Number(process.env.E2E_APP_PORT);
  const dataDir = ".data/e2e";
  rmSync(dataDir, { recursive: true, force: true });
  const stack = await startLocalStack({
    dataDir,
    appPort,
    ferretdbPort: Number(process.env.E2E_FERRETDB_PORT),
    emulatorPort: Number(process.env.E2E_EMULATOR_PORT),
    oidcPort: Number(process.env.E2E_OIDC_PORT),
    dbName: "e2e",
    // The user's own configuration must not leak into the tests.
    env: { APP_URL: `http://localhost:${appPort}` },
    emulatorRetryScale: 0.01,
  });
  // A grace period for failed renewals (Polar's default is none), so tests/e2e/lifecycle.spec.ts
  // can see a past_due subscription keep Pro; 7 days unless the caller sets another.
  // The app records every query it sends (lib/db/query-recorder.ts): npm test names the file and
  // checks it after the run (scripts/check-queries.ts); a run of its own leaves it in the data dir.
  const queries = resolve(process.env[RECORD_QUERIES] || `${dataDir}/queries.jsonl`);
  const app = await startAppServer(
    appPort,
    { ...stack.env, BILLING_GRACE_DAYS: process.env.BILLING_GRACE_DAYS ?? "7", [RECORD_QUERIES]: queries },
    // Read after the run by tests/e2e/log-leaks.teardown.ts.
    { logFile: E2E_APP_LOG },
  );
  stopOnSignals(async () => {
    await app.stop();
    await stack.stop();
  });
  app.process.on("exit", (code) => {
    void stack.stop().finally(() => process.exit(code ?? 1));
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
