import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";

/**
 * PostgreSQL for FerretDB's `postgresql` backend: a throwaway cluster of the machine's own
 * PostgreSQL server binaries, in a data directory of ours, on loopback only.
 */
export interface PostgresBinaries {
  bindir: string;
  /** The major version, e.g. "15". */
  major: string;
}

export type PostgresLookup = { binaries: PostgresBinaries; reason?: never } | { binaries: null; reason: string };

const SERVER_TOOLS = ["initdb", "pg_ctl", "postgres", "psql"] as const;
/** The unprivileged account PostgreSQL runs as when we are root (Debian's package creates it). */
const SERVER_USER = "postgres";
const DEBIAN_VERSIONS_DIR = "/usr/lib/postgresql";

const isRoot = (): boolean => process.getuid?.() === 0;

function hasServerTools(dir: string): boolean {
  return SERVER_TOOLS.every((tool) => existsSync(join(dir, tool)));
}

function pgConfigBindir(): string | null {
  const out = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" });
  return out.status === 0 ? out.stdout.trim() || null : null;
}

/**
 * The server binaries: `pg_config --bindir` when it holds them (on Debian it names the client
 * package's dir, which has no initdb), else the newest `<versionsDir>/<major>/bin`.
 */
export function findServerBindir(bindirFromPgConfig: string | null, versionsDir = DEBIAN_VERSIONS_DIR): string | null {
  if (bindirFromPgConfig && hasServerTools(bindirFromPgConfig)) return bindirFromPgConfig;
  if (!existsSync(versionsDir)) return null;
  const candidates = readdirSync(versionsDir)
    .filter((name) => /^\d+(\.\d+)?$/.test(name))
    .sort((a, b) => Number(b) - Number(a))
    .map((name) => join(versionsDir, name, "bin"));
  return candidates.find(hasServerTools) ?? null;
}

function majorVersion(bindir: string): string | null {
  const out = spawnSync(join(bindir, "postgres"), ["--version"], { encoding: "utf8" });
  return out.status === 0 ? (/\(PostgreSQL\) (\d+)/.exec(out.stdout)?.[1] ?? null) : null;
}

function commandExists(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${name}`]).status === 0;
}

/**
 * Same policy as Chromium: root on Debian installs the distribution's package, nobody else does.
 * Returns why it could not, or null once installed.
 */
function installWithApt(log: (line: string) => void): string | null {
  if (!isRoot() || !commandExists("apt-get")) {
    return `no initdb/pg_ctl in \`pg_config --bindir\` or ${DEBIAN_VERSIONS_DIR}/*/bin; install PostgreSQL's server (Debian: apt-get install -y postgresql)`;
  }
  log("Installing PostgreSQL from Debian's packages (apt-get install -y postgresql)...");
  for (const args of [["update", "-qq"], ["install", "-y", "-qq", "postgresql"]]) {
    const run = spawnSync("apt-get", args, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    if (run.status !== 0) return `apt-get ${args.join(" ")} failed (exit ${run.status})`;
  }
  return null;
}

function serverUserExists(): boolean {
  return spawnSync("id", ["-u", SERVER_USER]).status === 0;
}

let lookup: PostgresLookup | null = null;

/**
 * Finds the server binaries, installing Debian's package when we may; else says why not, in one
 * line. Once per process: the outage drills restart the database mid-run.
 */
export function findPostgres(log: (line: string) => void = console.log): PostgresLookup {
  return (lookup ??= lookUpPostgres(log));
}

function lookUpPostgres(log: (line: string) => void): PostgresLookup {
  let bindir = findServerBindir(pgConfigBindir());
  if (!bindir) {
    const failed = installWithApt(log);
    if (failed) return { binaries: null, reason: failed };
    bindir = findServerBindir(pgConfigBindir());
    if (!bindir) return { binaries: null, reason: `apt-get installed postgresql but no ${DEBIAN_VERSIONS_DIR}/*/bin has initdb and pg_ctl` };
  }
  if (isRoot() && !serverUserExists()) return { binaries: null, reason: `PostgreSQL refuses to run as root and there is no "${SERVER_USER}" user to run it as` };
  if (isRoot() && !commandExists("runuser")) return { binaries: null, reason: `PostgreSQL refuses to run as root and runuser (util-linux) is missing` };
  const major = majorVersion(bindir);
  if (!major) return { binaries: null, reason: `${join(bindir, "postgres")} --version failed` };
  return { binaries: { bindir, major } };
}

interface RunResult {
  status: number | null;
  output: string;
}

/**
 * Runs a PostgreSQL tool as the account the cluster belongs to: PostgreSQL refuses to run as
 * root, so root hands it to the `postgres` user. Async so that a restart (the outage drills)
 * does not freeze the caller's event loop. cwd "/" because the server user may not be allowed
 * into the caller's working directory.
 */
function runTool(binaries: PostgresBinaries, tool: string, args: string[]): Promise<RunResult> {
  return runAsServerUser(join(binaries.bindir, tool), args);
}

function asServerUser(path: string, args: string[]): [string, string[]] {
  return isRoot() ? ["runuser", ["-u", SERVER_USER, "--", path, ...args]] : [path, args];
}

function runAsServerUser(path: string, args: string[]): Promise<RunResult> {
  const [command, argv] = asServerUser(path, args);
  return new Promise((resolvePromise) => {
    const child = spawn(command, argv, { cwd: "/", stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", (error) => resolvePromise({ status: null, output: error.message }));
    child.once("close", (status) => resolvePromise({ status, output }));
  });
}

async function mustRun(binaries: PostgresBinaries, tool: string, args: string[]): Promise<string> {
  const result = await runTool(binaries, tool, args);
  if (result.status !== 0) throw new Error(`${tool} ${args.join(" ")} failed (exit ${result.status}):\n${result.output.trim()}`);
  return result.output;
}

function serverUserIds(): { uid: number; gid: number } {
  const id = (flag: string) => Number(spawnSync("id", [flag, SERVER_USER], { encoding: "utf8" }).stdout.trim());
  return { uid: id("-u"), gid: id("-g") };
}

/**
 * Where a cluster goes when the server user cannot reach the place it was meant for: as root,
 * PostgreSQL runs as `postgres`, which must traverse every directory above its data directory,
 * and a checkout under /root or a `mktemp -d` (both mode 0700) has one closed to it. Then the
 * cluster gets a directory of its own here, named after the path it was meant for, and that path
 * becomes a symlink to it (so `<data dir>/postgres/postgres.log` still finds the log).
 */
export const RELOCATED_CLUSTERS_DIR = "/var/lib/polar-mongo-billing/postgres";

export interface ClusterDirSpec {
  path: string;
  /** root: made by us, not writable by the server user; server: the cluster itself. */
  owner: "root" | "server";
  mode: number;
}

export interface ClusterPlacement {
  /** Where PostgreSQL's files go (its socket and postgres.log too). */
  dir: string;
  /** The path asked for: `dir` itself, or a symlink to it when relocated. */
  wanted: string;
  relocated: boolean;
  /** The caller's data dir, opened for traversal only (o+x, no read, no write); null when relocated. */
  traverse: string | null;
  /** Made when missing and set to these owners and modes, outermost first. */
  dirs: ClusterDirSpec[];
}

/**
 * A relocated cluster's directory name: the wanted path's last components (readable in `ls`)
 * and a hash of the whole path (two checkouts, or two data dirs of one, never share a cluster;
 * the same data dir always finds its own again, as the outage drills' restarts need). Short
 * enough for the socket path's 107 bytes.
 */
export function relocatedClusterName(wanted: string): string {
  const path = resolve(wanted);
  const hash = createHash("sha256").update(path).digest("hex").slice(0, 12);
  const readable = path
    .split("/")
    .filter(Boolean)
    .slice(-4)
    .join("-")
    .replace(/[^A-Za-z0-9._-]/g, "_")
    .slice(-32)
    .replace(/^[.-]+/, "");
  return readable ? `${readable}-${hash}` : hash;
}

/**
 * Where the cluster meant for `wanted` lives when we are root (anyone else runs PostgreSQL as
 * themselves, in `wanted`). `reachable`: the server user can traverse every directory above the
 * caller's data dir (`wanted`'s parent, which is then opened to it for traversal, as before).
 */
export function placeCluster(wanted: string, reachable: boolean, base = RELOCATED_CLUSTERS_DIR): ClusterPlacement {
  const path = resolve(wanted);
  if (reachable) {
    return { dir: path, wanted: path, relocated: false, traverse: dirname(path), dirs: [{ path, owner: "server", mode: 0o700 }] };
  }
  const dir = join(resolve(base), relocatedClusterName(path));
  return {
    dir,
    wanted: path,
    relocated: true,
    traverse: null,
    dirs: [
      // Traversable by the server user, listable and writable by root alone.
      { path: dirname(resolve(base)), owner: "root", mode: 0o711 },
      { path: resolve(base), owner: "root", mode: 0o711 },
      { path: dir, owner: "server", mode: 0o700 },
    ],
  };
}

/** Beside each relocated cluster, `<name>.path` names the path it was made for (its symlink). */
const ownerFile = (dir: string): string => `${dir}.path`;

/** Where the symlink at `path` points, or null (missing, or not a symlink). */
function linkTarget(path: string): string | null {
  try {
    return lstatSync(path).isSymbolicLink() ? resolve(dirname(path), readlinkSync(path)) : null;
  } catch {
    return null;
  }
}

/** The pid in a cluster's postmaster.pid when that process is alive, else null. */
function runningPostmaster(dir: string): number | null {
  try {
    const pid = Number(readFileSync(join(dir, "postmaster.pid"), "utf8").split("\n")[0]);
    if (!Number.isInteger(pid) || pid <= 0) return null;
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

/**
 * A relocated cluster whose symlink no longer points to it is stale: its data dir was deleted
 * (a run starts on a fresh one, a clone was removed), and with it, as in place, its data.
 */
export function isStaleRelocation(dir: string, wantedLinksTo: string | null): boolean {
  return wantedLinksTo !== resolve(dir);
}

async function removeRelocatedCluster(dir: string): Promise<void> {
  const pid = runningPostmaster(dir);
  if (pid !== null) {
    // SIGINT is PostgreSQL's fast shutdown (what pg_ctl stop -m fast sends).
    process.kill(pid, "SIGINT");
    for (let waited = 0; runningPostmaster(dir) !== null && waited < 60_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
  }
  rmSync(dir, { recursive: true, force: true });
  rmSync(ownerFile(dir), { force: true });
}

/**
 * Deletes relocated clusters whose data dir is gone (a `mktemp -d` clone removed, a test run's
 * temporary dir deleted), so they do not pile up; one with a server still running is left alone.
 */
function collectStaleRelocations(base: string, keep: string): void {
  let names: string[];
  try {
    names = readdirSync(base).filter((name) => name.endsWith(".path"));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = join(base, name.slice(0, -".path".length));
    if (dir === keep) continue;
    try {
      const wanted = readFileSync(join(base, name), "utf8").trim();
      if (!isStaleRelocation(dir, linkTarget(wanted)) || runningPostmaster(dir) !== null) continue;
      rmSync(dir, { recursive: true, force: true });
      rmSync(join(base, name), { force: true });
    } catch {
      // another run's business, or already gone
    }
  }
}

/** Makes a root-owned directory of ours, refusing one that is not (a symlink, another owner). */
function ensureRootDir(spec: ClusterDirSpec): string | null {
  mkdirSync(spec.path, { recursive: true, mode: spec.mode });
  const stat = lstatSync(spec.path);
  if (!stat.isDirectory() || stat.uid !== 0) return `${spec.path} is not a directory owned by root`;
  chmodSync(spec.path, spec.mode);
  return null;
}

export type PreparedClusterDir = { dir: string; relocated: boolean; problem?: never } | { dir?: never; relocated?: never; problem: string };

/**
 * Makes the cluster's directory for `wanted` and hands it to the server user; returns where it
 * is, or why that user cannot use it. In place when the server user can reach it: its parent (the
 * caller's data dir, often a mkdtemp, mode 0700) gets o+x and nothing more. Else relocated (see
 * RELOCATED_CLUSTERS_DIR), which the same `wanted` finds again after a stop; if `wanted` was
 * deleted meanwhile, the relocated cluster's data goes too, as it would have in place.
 */
export async function prepareClusterDir(wanted: string, log: (line: string) => void = console.log, base = RELOCATED_CLUSTERS_DIR): Promise<PreparedClusterDir> {
  const path = resolve(wanted);
  if (!isRoot()) {
    mkdirSync(path, { recursive: true, mode: 0o700 });
    return { dir: path, relocated: false };
  }
  const parent = dirname(path);
  mkdirSync(parent, { recursive: true });
  // A symlink into our own directory: relocated by an earlier start (any other symlink is the
  // user's, and is followed like a directory).
  const target = linkTarget(path);
  const linked = target !== null && dirname(target) === resolve(base) ? target : null;
  // Asked as the server user itself: it sees modes, ACLs and mounts as they are.
  const reachable = linked === null && (await runAsServerUser("test", ["-x", dirname(parent)])).status === 0;
  const placement = placeCluster(path, reachable, base);
  const { uid, gid } = serverUserIds();
  const cluster = placement.dirs.at(-1)!;

  if (placement.relocated) {
    for (const spec of placement.dirs.slice(0, -1)) {
      const problem = ensureRootDir(spec);
      if (problem) return { problem: `its cluster would be relocated under ${base}, but ${problem}` };
    }
    collectStaleRelocations(resolve(base), placement.dir);
    if (linked !== placement.dir || !existsSync(placement.dir)) {
      // A fresh start for this data dir: whatever the relocated dir holds belonged to a data dir
      // since deleted.
      if (existsSync(placement.dir) || existsSync(ownerFile(placement.dir))) await removeRelocatedCluster(placement.dir);
      let previous: string | null = null;
      if (linked !== null) unlinkSync(path);
      else if (existsSync(path)) {
        // Left in place by an earlier run (before relocating, one that fell back to SQLite left it
        // empty): moved along, so a dev database survives its move.
        previous = readdirSync(path).length > 0 ? path : null;
        if (!previous) rmSync(path, { recursive: true, force: true });
      }
      mkdirSync(placement.dir, { mode: 0o700 });
      if (previous) {
        cpSync(previous, placement.dir, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
        rmSync(previous, { recursive: true, force: true });
      }
      spawnSync("chown", ["-R", `${uid}:${gid}`, placement.dir]);
      writeFileSync(ownerFile(placement.dir), `${path}\n`);
      symlinkSync(placement.dir, path);
      log(`PostgreSQL's cluster for ${path} lives in ${placement.dir}: "${SERVER_USER}" cannot reach ${parent} (a directory above it is closed to other users)`);
    }
  } else {
    chmodSync(placement.traverse!, statSync(placement.traverse!).mode | 0o001);
    mkdirSync(cluster.path, { recursive: true, mode: cluster.mode });
  }
  chownSync(cluster.path, uid, gid);
  chmodSync(cluster.path, cluster.mode);
  const usable = (await runAsServerUser("test", ["-w", cluster.path])).status === 0;
  return usable
    ? { dir: placement.dir, relocated: placement.relocated }
    : { problem: `it runs as "${SERVER_USER}", which cannot write to ${cluster.path}` };
}

/**
 * Deletes the cluster meant for `wanted` and, when it was relocated, its directory elsewhere: for
 * a caller that deletes its data dir (a test run's temporary one) and should not leave a cluster
 * behind. A server still running in it is stopped first.
 */
export async function removeClusterDir(wanted: string): Promise<void> {
  const path = resolve(wanted);
  const target = linkTarget(path);
  if (target !== null) await removeRelocatedCluster(target);
  rmSync(path, { recursive: true, force: true });
}

/** Quoting for pg_ctl's -o, which it hands to /bin/sh. */
const shellQuote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

/**
 * Durability traded for speed, acceptable only because this cluster is scratch data. With
 * synchronous_commit off a commit does not wait for its WAL flush: an OS crash may lose the last
 * few commits, never corrupt the cluster. Measured here (1,000-3,000 sequential inserts through
 * FerretDB, 2 shared cores, fsync about 50 us): about 0.9 ms per insert against 1.0-2.6 ms
 * without. fsync=off and full_page_writes=off showed nothing beyond that noise, and unlike this
 * one they can corrupt the cluster on a crash, so they are not set.
 */
const THROWAWAY_SETTINGS: readonly string[] = ["synchronous_commit=off"];

/**
 * Our own socket dir: Debian's default, /var/run/postgresql, belongs to the system cluster. A
 * socket path is limited to 107 bytes; past that, no socket (everything here uses TCP anyway).
 */
function socketDirOption(dir: string, port: number): string {
  const fits = Buffer.byteLength(join(dir, `.s.PGSQL.${port}`)) <= 107;
  return fits ? `-k ${shellQuote(dir)}` : "-c unix_socket_directories=''";
}

function serverOptions(dir: string, port: number, maxConnections: number, settings: readonly string[]): string {
  return [
    `-p ${port}`,
    `-c max_connections=${maxConnections}`,
    "-c listen_addresses=127.0.0.1",
    socketDirOption(dir, port),
    ...[...THROWAWAY_SETTINGS, ...settings].map((setting) => `-c ${setting}`),
  ].join(" ");
}

export interface RunningPostgres {
  port: number;
  dataDir: string;
  major: string;
  /** postgres://postgres@127.0.0.1:PORT/<database> */
  url(database: string): string;
  stop(): Promise<void>;
  /** For a process on its way out ("exit" handlers cannot wait): the same stop, blocking. */
  stopSync(): void;
}

async function isRunning(binaries: PostgresBinaries, dir: string): Promise<boolean> {
  return (await runTool(binaries, "pg_ctl", ["status", "-D", dir])).status === 0;
}

/** Fast shutdown (sessions cut, no wait for clients), and the wait until the server is gone. */
const stopArgs = (dir: string): string[] => ["stop", "-D", dir, "-m", "fast", "-w", "-t", "60"];

async function stopCluster(binaries: PostgresBinaries, dir: string): Promise<void> {
  const args = stopArgs(dir);
  const result = await runTool(binaries, "pg_ctl", args);
  // A server that is already gone (stopped by hand, crashed) is as stopped as we want it.
  if (result.status !== 0 && (await isRunning(binaries, dir))) {
    throw new Error(`pg_ctl ${args.join(" ")} failed (exit ${result.status}):\n${result.output.trim()}`);
  }
}

const psql = (binaries: PostgresBinaries, port: number, database: string, sql: string) =>
  mustRun(binaries, "psql", ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", database, "-c", sql]);

async function createDatabaseIfMissing(binaries: PostgresBinaries, port: number, database: string, setupSql: string | undefined): Promise<void> {
  const exists = await psql(binaries, port, "postgres", `select 1 from pg_database where datname = '${database}'`);
  if (exists.trim() !== "1") await psql(binaries, port, "postgres", `create database "${database}"`);
  if (setupSql) await psql(binaries, port, database, setupSql);
}

/**
 * Starts a cluster in `dataDir` (created and initialised on first use, reused after) on
 * 127.0.0.1:`port`, with database `database` created if missing. Logs to
 * `<dataDir>/postgres.log`. stop() shuts the server down (fast mode) and waits until it is gone.
 */
export interface StartPostgresOptions {
  binaries: PostgresBinaries;
  dataDir: string;
  port: number;
  database: string;
  /** PostgreSQL's own default is 100. */
  maxConnections?: number;
  /** More server settings (`name=value`). */
  settings?: readonly string[];
  /** Run in `database` at every start, after it exists (so it must be idempotent). */
  setupSql?: string;
  log?: (line: string) => void;
}

export async function startPostgres(opts: StartPostgresOptions): Promise<RunningPostgres> {
  const { binaries, port } = opts;
  const log = opts.log ?? console.log;
  const prepared = await prepareClusterDir(opts.dataDir, log);
  if (prepared.problem !== undefined) throw new Error(`PostgreSQL cannot use ${resolve(opts.dataDir)}: ${prepared.problem}`);
  const dir = prepared.dir;
  if (!existsSync(join(dir, "PG_VERSION"))) {
    // --no-sync: initdb's closing fsync of its ~1,000 files (150 ms here, seconds on slow disks)
    // protects nothing worth keeping.
    await mustRun(binaries, "initdb", ["-D", dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync", "--no-instructions"]);
  } else if (await isRunning(binaries, dir)) {
    // Left running by a process that died before its stop(): it owns the dir, so it goes first.
    log(`A PostgreSQL server from an earlier run was still running in ${dir}: stopping it`);
    await stopCluster(binaries, dir);
  }
  await mustRun(binaries, "pg_ctl", ["start", "-D", dir, "-l", join(dir, "postgres.log"), "-w", "-t", "60", "-o", serverOptions(dir, port, opts.maxConnections ?? 100, opts.settings ?? [])]);
  try {
    await createDatabaseIfMissing(binaries, port, opts.database, opts.setupSql);
  } catch (error) {
    await stopCluster(binaries, dir);
    throw error;
  }
  let stopped: Promise<void> | null = null;
  return {
    port,
    dataDir: dir,
    major: binaries.major,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    stop: () => (stopped ??= stopCluster(binaries, dir)),
    stopSync() {
      if (stopped) return;
      stopped = Promise.resolve();
      const [command, argv] = asServerUser(join(binaries.bindir, "pg_ctl"), stopArgs(dir));
      spawnSync(command, argv, { cwd: "/", stdio: "ignore" });
    },
  };
}
