import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findServerBindir, isStaleRelocation, placeCluster, RELOCATED_CLUSTERS_DIR, relocatedClusterName } from "../../scripts/lib/postgres";

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

describe("where a cluster lives (root: PostgreSQL runs as postgres, who must reach it)", () => {
  const checkout = "/root/tmp.Xy12/c";
  const wanted = `${checkout}/.data/chaos/postgres`;
  const base = "/var/lib/polar-mongo-billing/postgres";

  it("in place when the server user can reach it: the data dir opened for traversal, the cluster its own, 0700", () => {
    expect(placeCluster(wanted, true, base)).toEqual({
      dir: wanted,
      wanted,
      relocated: false,
      traverse: `${checkout}/.data/chaos`,
      dirs: [{ path: wanted, owner: "server", mode: 0o700 }],
    });
  });

  it("else in a private directory of its own outside the checkout, named after the wanted path; nothing in the checkout is opened", () => {
    const placement = placeCluster(wanted, false, base);
    expect(placement.relocated).toBe(true);
    expect(placement.traverse).toBeNull();
    expect(placement.dir).toBe(join(base, relocatedClusterName(wanted)));
    expect(placement.dir.startsWith(`${checkout}/`)).toBe(false);
    expect(placement.dirs).toEqual([
      // Root's, passable by postgres but neither listable nor writable by anyone else.
      { path: "/var/lib/polar-mongo-billing", owner: "root", mode: 0o711 },
      { path: base, owner: "root", mode: 0o711 },
      { path: placement.dir, owner: "server", mode: 0o700 },
    ]);
    expect(RELOCATED_CLUSTERS_DIR).toBe(base);
  });

  it("names a relocated cluster by the path it was meant for: the same path finds it again, another never shares it", () => {
    const name = relocatedClusterName(wanted);
    expect(name).toMatch(/^c-\.data-chaos-postgres-[0-9a-f]{12}$/);
    expect(relocatedClusterName(`${wanted}/`)).toBe(name);
    expect(relocatedClusterName("/root/tmp.Xy12/c/.data/../.data/chaos/postgres")).toBe(name);
    // Two clones whose last components are the same, and two data dirs of one clone.
    expect(relocatedClusterName("/root/tmp.Ab34/c/.data/chaos/postgres")).not.toBe(name);
    expect(relocatedClusterName(`${checkout}/.data/e2e/ferretdb/postgres`)).not.toBe(name);
  });

  it("keeps a relocated cluster's name to safe characters and its socket path under 107 bytes", () => {
    const odd = `/root/a very long directory name with spaces and ünïcode ${"x".repeat(200)}/checkout/.data/e2e/ferretdb/postgres`;
    const name = relocatedClusterName(odd);
    expect(name).toMatch(/^[A-Za-z0-9_][A-Za-z0-9._-]*-[0-9a-f]{12}$/);
    expect(Buffer.byteLength(join(placeCluster(odd, false).dir, ".s.PGSQL.65535"))).toBeLessThanOrEqual(107);
  });

  it("calls a relocated cluster stale once the path it was made for no longer links to it", () => {
    const dir = join(base, relocatedClusterName(wanted));
    expect(isStaleRelocation(dir, dir)).toBe(false);
    expect(isStaleRelocation(dir, null)).toBe(true); // its data dir was deleted (a fresh run, a removed clone)
    expect(isStaleRelocation(dir, join(base, "other"))).toBe(true);
  });
});
