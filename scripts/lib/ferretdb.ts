import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { join } from "node:path";
import { reportBackend } from "./backend-report";
import { freePort, waitForPort } from "./ports";
import { FERRETDB_INDEX_COMPANIONS_SQL, FERRETDB_PLANNER_SETTINGS } from "./ferretdb-indexes";
import { findPostgres, prepareClusterDir, removeClusterDir, startPostgres, type PostgresBinaries } from "./postgres";

/**
 * The local database: FerretDB v1.24.2 (MongoDB wire protocol) on PostgreSQL, or on SQLite where
 * PostgreSQL cannot be had. FerretDB is built once from the Go module proxy and cached outside
 * the work tree so every clone on this machine shares it.
 */
export const FERRETDB_VERSION = "v1.24.2";
const MODULE = "github.com/FerretDB/FerretDB";

export function ferretdbBinaryPath(): string {
  if (process.env.FERRETDB_BIN) return process.env.FERRETDB_BIN;
  const cache = process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache");
  return join(cache, "polar-mongo-billing", `ferretdb-${FERRETDB_VERSION}`, "ferretdb");
}

function versionOf(bin: string): string | null {
  const out = spawnSync(bin, ["--version"], { encoding: "utf8" });
  return out.status === 0 ? (/version: (\S+)/.exec(out.stdout)?.[1] ?? null) : null;
}

/**
 * `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds, but the binary panics at
 * start ("Invalid build/version/version.txt file content"): the module as published lacks the
 * generated version file that FerretDB's own build writes. So we build the same module, from
 * the same proxy, with that one file added, exactly as FerretDB's panic message advises.
 */
export function ensureFerretdb(log: (line: string) => void = console.log): string {
  const bin = ferretdbBinaryPath();
  if (existsSync(bin) && versionOf(bin) === FERRETDB_VERSION) return bin;

  const go = spawnSync("go", ["version"], { encoding: "utf8" });
  if (go.error || go.status !== 0) {
    throw new Error(
      "The local database (FerretDB " + FERRETDB_VERSION + ") is built with Go, and `go` was not found.\n" +
        "  Either install Go 1.22 or newer (https://go.dev/dl/, or your package manager: apt install golang-go, brew install go),\n" +
        "  or set MONGODB_URI to a MongoDB you already have (MongoDB Atlas, or a local mongod) and nothing is built.",
    );
  }
  log(`Building FerretDB ${FERRETDB_VERSION} from the Go module proxy (once; about 1-2 minutes)...`);
  const download = spawnSync("go", ["mod", "download", "-json", `${MODULE}@${FERRETDB_VERSION}`], {
    encoding: "utf8",
    env: { ...process.env, GOFLAGS: "-mod=mod" },
  });
  if (download.status !== 0) throw new Error(`go mod download failed:\n${download.stderr}${download.stdout}`);
  const moduleDir = (JSON.parse(download.stdout) as { Dir: string }).Dir;

  const work = mkdtempSync(join(tmpdir(), "ferretdb-src-"));
  try {
    cpSync(moduleDir, work, { recursive: true });
    spawnSync("chmod", ["-R", "u+w", work]);
    writeFileSync(join(work, "build", "version", "version.txt"), `${FERRETDB_VERSION}\n`);
    mkdirSync(join(bin, ".."), { recursive: true });
    const build = spawnSync("go", ["build", "-trimpath", "-o", bin, "./cmd/ferretdb"], {
      cwd: work,
      encoding: "utf8",
      env: { ...process.env, CGO_ENABLED: "0" },
    });
    if (build.status !== 0) throw new Error(`Building FerretDB failed:\n${build.stderr}`);
    chmodSync(bin, 0o755);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const built = versionOf(bin);
  if (built !== FERRETDB_VERSION) throw new Error(`FerretDB was built but \`${bin} --version\` did not report ${FERRETDB_VERSION}`);
  log(`FerretDB ${FERRETDB_VERSION} built: ${bin}`);
  return bin;
}

export type FerretdbBackend = "postgresql" | "sqlite";

export interface RunningFerretdb {
  uri: string;
  port: number;
  process: ChildProcess;
  backend: FerretdbBackend;
  /** For people: "PostgreSQL 15" or "SQLite". */
  backendLabel: string;
  /** Why SQLite was used though PostgreSQL was not refused by FERRETDB_BACKEND; else null. */
  fallbackReason: string | null;
  /** PostgreSQL's cluster directory (relocated out of a closed checkout, at times); else null. */
  clusterDir: string | null;
  /** Stops FerretDB, then its PostgreSQL if it has one; the data stays in the data dir. */
  stop(): Promise<void>;
}

export interface StartFerretdbOptions {
  port: number;
  dataDir: string;
  log?: (line: string) => void;
  /** Else FERRETDB_BACKEND, else PostgreSQL when it can be had, else SQLite. */
  backend?: FerretdbBackend;
}

type BackendChoice = { backend: "postgresql"; binaries: PostgresBinaries } | { backend: "sqlite"; fallbackReason: string | null };

function backendFromEnv(): FerretdbBackend | undefined {
  const value = process.env.FERRETDB_BACKEND;
  if (value === undefined || value === "") return undefined;
  if (value === "postgresql" || value === "sqlite") return value;
  throw new Error(`FERRETDB_BACKEND must be "postgresql" or "sqlite", not "${value}"`);
}

/**
 * PostgreSQL unless told otherwise: FerretDB hands its filters to PostgreSQL as SQL, while on
 * SQLite it decodes and filters most documents itself. SQLite stays as the fallback for machines
 * where PostgreSQL cannot be had; asked for by name, PostgreSQL must be there. The choice depends
 * only on the machine and the data dir, so a restart on the same data dir makes the same one.
 */
async function chooseBackend(requested: FerretdbBackend | undefined, clusterDir: string, log: (line: string) => void): Promise<BackendChoice> {
  if (requested === "sqlite") return { backend: "sqlite", fallbackReason: null };
  const found = findPostgres(log);
  const unusable = found.binaries ? (await prepareClusterDir(clusterDir, log)).problem : undefined;
  if (found.binaries && unusable === undefined) return { backend: "postgresql", binaries: found.binaries };
  const why = found.binaries ? `PostgreSQL cannot be used (${unusable})` : `PostgreSQL not found (${found.reason})`;
  if (requested === "postgresql") throw new Error(`FerretDB's PostgreSQL backend was asked for: ${why}`);
  warnFallback(why);
  return { backend: "sqlite", fallbackReason: why };
}

/**
 * The fallback is said on stderr whatever `log` the caller passed (chaos and bench pass a silent
 * one): a run on SQLite is several times slower (a chaos drain of 431 s against 40 s), and no one
 * should have to guess why.
 */
function warnFallback(why: string): void {
  console.error(
    `\nWARNING: FerretDB falls back to its SQLite backend: ${why}.\n` +
      "  Expect the database to be several times slower (chaos, bench, the e2e run); " +
      "FERRETDB_BACKEND=postgresql turns this into an error, FERRETDB_BACKEND=sqlite into a choice.\n",
  );
}

/**
 * FerretDB's connection pool to PostgreSQL. An update (update, findAndModify) keeps the pooled
 * connection of its read open while it takes a second one for its write, so with every pooled
 * connection held by such a read, all of them wait forever: seen here with FerretDB's default
 * pool of 50 and 50 concurrent updateOne (a hang, not an error; goroutines in pgxpool.Acquire
 * under UpdateAll, PostgreSQL's 50 sessions idle). A hang needs as many concurrent updates as the
 * pool has connections; the app's pools are 10 per process, so 100 leaves room for several
 * processes and test files at once. PostgreSQL gets a few more for psql.
 */
const POSTGRES_POOL = 100;

function handlerArgs(choice: FerretdbBackend, dataDir: string, postgresUrl: string | null): string[] {
  return choice === "postgresql" ? ["--handler=postgresql", `--postgresql-url=${postgresUrl}?pool_max_conns=${POSTGRES_POOL}`] : ["--handler=sqlite", `--sqlite-url=file:${dataDir}/`];
}

/**
 * On PostgreSQL, FerretDB logs every failed SQL statement at ERROR, among them the unique
 * violations it answers as E11000. The app provokes those on purpose (the inbox dedupes on
 * webhook-id, one of two concurrent creators wins), so they are dropped here; anything else goes
 * to our stderr as before.
 */
const UNIQUE_VIOLATION = /"Code":"23505"/;

function forwardLog(stream: Readable): void {
  createInterface({ input: stream }).on("line", (line) => {
    if (!UNIQUE_VIOLATION.test(line)) process.stderr.write(`${line}\n`);
  });
}

async function spawnFerretdb(bin: string, opts: StartFerretdbOptions, handler: string[]): Promise<{ child: ChildProcess; stop: () => Promise<void> }> {
  const child = spawn(
    bin,
    [
      ...handler,
      `--state-dir=${opts.dataDir}`,
      `--listen-addr=127.0.0.1:${opts.port}`,
      "--debug-addr=-", // no metrics listener: several instances (dev, tests) can run side by side
      "--telemetry=disable",
      "--log-level=error",
    ],
    { stdio: ["ignore", "inherit", "pipe"] },
  );
  forwardLog(child.stderr);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const ready = waitForPort(opts.port, 30_000).then(() => "ready" as const);
  const outcome = await Promise.race([ready, exited.then((code) => ({ code }))]);
  if (outcome !== "ready") throw new Error(`FerretDB exited with code ${outcome.code} before listening on 127.0.0.1:${opts.port}`);
  return { child, stop };
}

/**
 * Starts FerretDB on loopback with its data in `dataDir` (PostgreSQL's cluster in
 * `dataDir/postgres`); resolves once it accepts connections. Called again with the same
 * `dataDir` and port after stop(), it comes back with the same data (the outage drills do that).
 */
export async function startFerretdb(opts: StartFerretdbOptions): Promise<RunningFerretdb> {
  const log = opts.log ?? console.log;
  const bin = ensureFerretdb(log);
  mkdirSync(opts.dataDir, { recursive: true });
  const clusterDir = join(opts.dataDir, "postgres");
  const choice = await chooseBackend(opts.backend ?? backendFromEnv(), clusterDir, log);
  const fallbackReason = choice.backend === "sqlite" ? choice.fallbackReason : null;
  const postgres =
    choice.backend === "postgresql"
      ? await startPostgres({ binaries: choice.binaries, dataDir: clusterDir, port: await freePort(), database: "ferretdb", maxConnections: POSTGRES_POOL + 10, settings: FERRETDB_PLANNER_SETTINGS, setupSql: FERRETDB_INDEX_COMPANIONS_SQL, log })
      : null;
  let ferretdb: Awaited<ReturnType<typeof spawnFerretdb>>;
  try {
    ferretdb = await spawnFerretdb(bin, opts, handlerArgs(choice.backend, opts.dataDir, postgres?.url("ferretdb") ?? null));
  } catch (error) {
    await postgres?.stop();
    throw error;
  }
  // A caller that exits without stop() (process.exit on an error path) would otherwise leave
  // FerretDB and its PostgreSQL running, holding the port and the data dir.
  const stopOnExit = () => {
    ferretdb.child.kill("SIGKILL");
    postgres?.stopSync();
  };
  process.once("exit", stopOnExit);
  const backendLabel = postgres ? `PostgreSQL ${postgres.major}` : "SQLite";
  reportBackend({ backend: choice.backend, label: backendLabel, fallbackReason });
  return {
    uri: `mongodb://127.0.0.1:${opts.port}/`,
    port: opts.port,
    process: ferretdb.child,
    backend: choice.backend,
    backendLabel,
    fallbackReason,
    clusterDir: postgres?.dataDir ?? null,
    async stop() {
      process.off("exit", stopOnExit);
      // FerretDB first: it is PostgreSQL's client, and its clients must not see a half-stopped database.
      await ferretdb.stop();
      await postgres?.stop();
    },
  };
}

/**
 * Deletes a data dir startFerretdb used, with its PostgreSQL cluster wherever that lives (a
 * cluster relocated out of a closed checkout is outside the data dir). Stop FerretDB first.
 */
export async function removeFerretdbData(dataDir: string): Promise<void> {
  await removeClusterDir(join(dataDir, "postgres"));
  rmSync(dataDir, { recursive: true, force: true });
}
