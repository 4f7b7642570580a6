import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { prepareClusterDir, relocatedClusterName, removeClusterDir } from "../../scripts/lib/postgres";

/**
 * scripts/lib/postgres.ts's placement as root, on real directories (no PostgreSQL started): a
 * checkout under a closed directory (a `mktemp -d`, /root) gets its cluster elsewhere, where the
 * server user can reach it. Only as root with Debian's postgres user; elsewhere PostgreSQL runs as
 * the caller, in place.
 */
const serverUid = Number(spawnSync("id", ["-u", "postgres"], { encoding: "utf8" }).stdout.trim());
const asRootWithServerUser = process.getuid?.() === 0 && Number.isInteger(serverUid) && serverUid > 0;

const scratch = mkdtempSync(join(tmpdir(), "pg-placement-"));
chmodSync(scratch, 0o755);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const base = join(scratch, "lib", "clusters");
const mode = (path: string) => statSync(path).mode & 0o777;

describe.skipIf(!asRootWithServerUser)("a cluster for a checkout the server user cannot reach", () => {
  const closed = mkdtempSync(join(scratch, "closed-")); // mode 0700, as mktemp -d makes it
  const wanted = join(closed, "c", ".data", "chaos", "postgres");
  const relocated = join(base, relocatedClusterName(wanted));
  const lines: string[] = [];

  it("lives in a directory of its own outside the checkout: the server user's, 0700, with a symlink where it was wanted", async () => {
    const prepared = await prepareClusterDir(wanted, (line) => lines.push(line), base);
    expect(prepared).toEqual({ dir: relocated, relocated: true });
    expect(lstatSync(wanted).isSymbolicLink()).toBe(true);
    expect(readlinkSync(wanted)).toBe(relocated);
    expect(statSync(relocated).uid).toBe(serverUid);
    expect(mode(relocated)).toBe(0o700);
    expect([mode(base), statSync(base).uid, mode(join(scratch, "lib"))]).toEqual([0o711, 0, 0o711]);
    expect(readFileSync(`${relocated}.path`, "utf8").trim()).toBe(wanted);
    expect(spawnSync("runuser", ["-u", "postgres", "--", "test", "-w", relocated]).status).toBe(0);
    // Nothing in the checkout was opened to other users.
    expect(mode(closed)).toBe(0o700);
    expect(lines.join("\n")).toContain(`PostgreSQL's cluster for ${wanted} lives in ${relocated}`);
  });

  it("is found again with its data by the next start on the same data dir (the outage drills restart it)", async () => {
    writeFileSync(join(relocated, "PG_VERSION"), "15\n");
    expect(await prepareClusterDir(wanted, () => {}, base)).toEqual({ dir: relocated, relocated: true });
    expect(existsSync(join(relocated, "PG_VERSION"))).toBe(true);
  });

  it("starts empty once its data dir was deleted, as it would in place", async () => {
    rmSync(join(closed, "c", ".data"), { recursive: true, force: true });
    expect(await prepareClusterDir(wanted, () => {}, base)).toEqual({ dir: relocated, relocated: true });
    expect(existsSync(join(relocated, "PG_VERSION"))).toBe(false);
  });

  it("moves a cluster an earlier run left in place along with it", async () => {
    const other = join(closed, "d", ".data", "ferretdb", "postgres");
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, "PG_VERSION"), "15\n");
    const prepared = await prepareClusterDir(other, () => {}, base);
    expect(prepared.relocated).toBe(true);
    expect(readFileSync(join(prepared.dir!, "PG_VERSION"), "utf8")).toBe("15\n");
    expect(statSync(join(prepared.dir!, "PG_VERSION")).uid).toBe(serverUid);
  });

  it("is deleted with its data dir by removeClusterDir, and a stale one by the next relocation", async () => {
    await removeClusterDir(wanted);
    expect(existsSync(wanted) || existsSync(relocated) || existsSync(`${relocated}.path`)).toBe(false);

    const gone = join(closed, "e", ".data", "x", "postgres");
    const goneDir = (await prepareClusterDir(gone, () => {}, base)).dir!;
    rmSync(join(closed, "e"), { recursive: true, force: true }); // the clone removed
    await prepareClusterDir(wanted, () => {}, base);
    expect(existsSync(goneDir) || existsSync(`${goneDir}.path`)).toBe(false);
    expect(existsSync(relocated)).toBe(true);
  });
});

describe.skipIf(!asRootWithServerUser)("a cluster for a checkout the server user can reach", () => {
  it("stays in place: the server user's, 0700, its data dir opened for traversal only", async () => {
    const open = join(scratch, "open", ".data", "tmp");
    mkdirSync(open, { recursive: true });
    chmodSync(open, 0o700); // a mkdtemp-like data dir
    const wanted = join(open, "postgres");
    expect(await prepareClusterDir(wanted, () => {}, base)).toEqual({ dir: wanted, relocated: false });
    expect([statSync(wanted).uid, mode(wanted), mode(open)]).toEqual([serverUid, 0o700, 0o701]);
  });
});
