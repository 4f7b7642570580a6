import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startFerretdb } from "../scripts/lib/ferretdb";
import { freePort } from "../scripts/lib/ports";

declare module "vitest" {
  export interface ProvidedContext {
    mongoUri: string;
  }
}

/**
 * Integration tests talk to a real FerretDB started for the run (each file then uses its own
 * database). TEST_MONGODB_URI points them at another server instead, e.g. a real mongod.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.TEST_MONGODB_URI;
  if (given) {
    project.provide("mongoUri", given.endsWith("/") ? given : `${given}/`);
    return async () => {};
  }
  const dataDir = mkdtempSync(join(tmpdir(), "ferretdb-test-"));
  const db = await startFerretdb({ port: await freePort(), dataDir, log: () => {} });
  project.provide("mongoUri", db.uri);
  return async () => {
    await db.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
