import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { RECORD_QUERIES } from "../lib/db/query-recorder";
import { reportBackend } from "../scripts/lib/backend-report";
import { removeFerretdbData, startFerretdb } from "../scripts/lib/ferretdb";
import { freePort } from "../scripts/lib/ports";
import { checkQueryLog } from "../scripts/lib/query-check";

declare module "vitest" {
  export interface ProvidedContext {
    mongoUri: string;
    /** The FerretDB backend of the run, or "external" for TEST_MONGODB_URI. */
    dbBackend: "postgresql" | "sqlite" | "external";
  }
}

/**
 * Integration tests talk to a real FerretDB started for the run (each file then uses its own
 * database), on PostgreSQL unless FERRETDB_BACKEND=sqlite or PostgreSQL cannot be had.
 * TEST_MONGODB_URI points them at another server instead, e.g. a real mongod.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const checkQueries = recordQueries();
  const given = process.env.TEST_MONGODB_URI;
  if (given) {
    project.provide("mongoUri", given.endsWith("/") ? given : `${given}/`);
    project.provide("dbBackend", "external");
    reportBackend({ backend: "external", label: "TEST_MONGODB_URI", fallbackReason: null });
    return checkQueries;
  }
  const dataDir = mkdtempSync(join(tmpdir(), "ferretdb-test-"));
  // A fallback's reason (or an install) is worth a line in the run's output, and so is the backend.
  const db = await startFerretdb({ port: await freePort(), dataDir, log: (line) => console.log(`[global-setup] ${line}`) });
  console.log(`[global-setup] FerretDB on ${db.backendLabel}: ${db.uri}${db.clusterDir ? ` (cluster in ${db.clusterDir})` : ""}`);
  project.provide("mongoUri", db.uri);
  project.provide("dbBackend", db.backend);
  return async () => {
    await db.stop();
    await removeFerretdbData(dataDir);
    await checkQueries();
  };
}

/**
 * Every test file's queries are recorded (lib/db/query-recorder.ts): the workers inherit
 * RECORD_QUERIES from this process. A caller that sets it checks the file itself (npm test:
 * scripts/test.ts, a stage of its own); otherwise this run records to a file of its own and the
 * teardown checks it, so a run of a few files fails on a query Atlas could not serve too.
 */
function recordQueries(): () => Promise<void> {
  if (process.env[RECORD_QUERIES]) return async () => {};
  const dir = mkdtempSync(join(tmpdir(), "queries-"));
  const file = join(dir, "queries.jsonl");
  process.env[RECORD_QUERIES] = file;
  return async () => {
    const { report, text } = await checkQueryLog(file, "this vitest run");
    rmSync(dir, { recursive: true, force: true });
    // A unit-only run records nothing, which is no failure here (npm test's stage requires queries).
    if (report.checked === 0) return;
    console.log(`\n${text}`);
    // vitest ignores an error thrown by a global teardown (exit 0): the exit code is set instead.
    if (report.unserved.length > 0) process.exitCode = 1;
  };
}
