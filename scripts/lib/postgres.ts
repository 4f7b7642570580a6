import { spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
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
 * Creates the cluster's directory and hands it to the server user; returns why that user cannot
 * use it, or null. Its parent is the caller's data dir (often a mkdtemp, mode 0700): it gets o+x
 * so that the server user can pass through it, and nothing more (no read, no write). Directories
 * further up are the caller's business.
 */
export async function prepareClusterDir(dataDir: string): Promise<string | null> {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!isRoot()) return null;
  const parent = dirname(dir);
  chmodSync(parent, statSync(parent).mode | 0o001);
  const { uid, gid } = serverUserIds();
  chownSync(dir, uid, gid);
  chmodSync(dir, 0o700);
  const reachable = (await runAsServerUser("test", ["-w", dir])).status === 0;
  return reachable ? null : `it runs as "${SERVER_USER}", which cannot reach ${dir}: a directory above it is closed to other users`;
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

function serverOptions(dir: string, port: number, maxConnections: number): string {
  return [
    `-p ${port}`,
    `-c max_connections=${maxConnections}`,
    "-c listen_addresses=127.0.0.1",
    socketDirOption(dir, port),
    ...THROWAWAY_SETTINGS.map((setting) => `-c ${setting}`),
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

async function createDatabaseIfMissing(binaries: PostgresBinaries, port: number, database: string): Promise<void> {
  const psql = (sql: string) => mustRun(binaries, "psql", ["-X", "-q", "-t", "-A", "-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", "postgres", "-c", sql]);
  const exists = await psql(`select 1 from pg_database where datname = '${database}'`);
  if (exists.trim() !== "1") await psql(`create database "${database}"`);
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
  log?: (line: string) => void;
}

export async function startPostgres(opts: StartPostgresOptions): Promise<RunningPostgres> {
  const { binaries, port } = opts;
  const log = opts.log ?? console.log;
  const dir = resolve(opts.dataDir);
  const problem = await prepareClusterDir(dir);
  if (problem) throw new Error(`PostgreSQL cannot use ${dir}: ${problem}`);
  if (!existsSync(join(dir, "PG_VERSION"))) {
    // --no-sync: initdb's closing fsync of its ~1,000 files (150 ms here, seconds on slow disks)
    // protects nothing worth keeping.
    await mustRun(binaries, "initdb", ["-D", dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync", "--no-instructions"]);
  } else if (await isRunning(binaries, dir)) {
    // Left running by a process that died before its stop(): it owns the dir, so it goes first.
    log(`A PostgreSQL server from an earlier run was still running in ${dir}: stopping it`);
    await stopCluster(binaries, dir);
  }
  await mustRun(binaries, "pg_ctl", ["start", "-D", dir, "-l", join(dir, "postgres.log"), "-w", "-t", "60", "-o", serverOptions(dir, port, opts.maxConnections ?? 100)]);
  try {
    await createDatabaseIfMissing(binaries, port, opts.database);
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
