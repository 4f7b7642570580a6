import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { findServerBindir } from "../../scripts/lib/postgres";

const root = mkdtempSync(join(tmpdir(), "pg-lookup-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function fakeBindir(dir: string, tools: string[]): string {
  mkdirSync(dir, { recursive: true });
  for (const tool of tools) writeFileSync(join(dir, tool), "");
  return dir;
}
const server = ["initdb", "pg_ctl", "postgres", "psql"];

it("takes pg_config's bindir only when it holds the server tools, else the newest versioned dir", () => {
  const versions = join(root, "lib");
  fakeBindir(join(versions, "9.6", "bin"), server);
  fakeBindir(join(versions, "15", "bin"), server);
  fakeBindir(join(versions, "16", "bin"), ["psql"]); // a client-only install: skipped
  const clientOnly = fakeBindir(join(root, "client"), ["psql", "pg_config"]);
  const full = fakeBindir(join(root, "full"), server);

  expect(findServerBindir(full, versions)).toBe(full);
  expect(findServerBindir(clientOnly, versions)).toBe(join(versions, "15", "bin"));
  expect(findServerBindir(null, versions)).toBe(join(versions, "15", "bin"));
  expect(findServerBindir(null, join(root, "missing"))).toBeNull();
});
