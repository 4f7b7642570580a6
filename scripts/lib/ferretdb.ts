import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { waitForPort } from "./ports";

/**
 * The local database: FerretDB v1.24.2 (MongoDB wire protocol, SQLite backend), built once from
 * the Go module proxy and cached outside the work tree so every clone on this machine shares it.
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

export interface RunningFerretdb {
  uri: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts FerretDB on loopback with its data in `dataDir`; resolves once it accepts connections. */
export async function startFerretdb(opts: { port: number; dataDir: string; log?: (line: string) => void }): Promise<RunningFerretdb> {
  const log = opts.log ?? console.log;
  const bin = ensureFerretdb(log);
  mkdirSync(opts.dataDir, { recursive: true });
  const child = spawn(
    bin,
    [
      "--handler=sqlite",
      `--sqlite-url=file:${opts.dataDir}/`,
      `--state-dir=${opts.dataDir}`,
      `--listen-addr=127.0.0.1:${opts.port}`,
      "--debug-addr=-", // no metrics listener: several instances (dev, tests) can run side by side
      "--telemetry=disable",
      "--log-level=error",
    ],
    { stdio: ["ignore", "inherit", "inherit"] },
  );
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const ready = waitForPort(opts.port, 30_000).then(() => "ready" as const);
  const outcome = await Promise.race([ready, exited.then((code) => ({ code }))]);
  if (outcome !== "ready") throw new Error(`FerretDB exited with code ${outcome.code} before listening on 127.0.0.1:${opts.port}`);
  return {
    uri: `mongodb://127.0.0.1:${opts.port}/`,
    port: opts.port,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
