import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { reportBackend } from "../scripts/lib/backend-report";
import { removeFerretdbData, startFerretdb } from "../scripts/lib/ferretdb";
import { freePort } from "../scripts/lib/ports";

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
  const given = process.env.TEST_MONGODB_URI;
  if (given) {
    project.provide("mongoUri", given.endsWith("/") ? given : `${given}/`);
    project.provide("dbBackend", "external");
    reportBackend({ backend: "external", label: "TEST_MONGODB_URI", fallbackReason: null });
    return async () => {};
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
  };
}
