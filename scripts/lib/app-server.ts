import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync } from "node:fs";

/** Builds the app once if there is no production build yet. */
export function ensureBuild(): void {
  if (existsSync(".next/BUILD_ID")) return;
  console.log("No production build yet: running next build...");
  const build = spawnSync("node_modules/.bin/next", ["build"], { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (build.status !== 0) throw new Error("next build failed");
}

export interface AppServer {
  url: string;
  process: ChildProcess;
  /** From spawning `next start` to the first 200 on the ready path. */
  readyAfterMs: number;
  stop(): Promise<void>;
}

export interface AppServerOptions {
  quiet?: boolean;
  /** The directory `next start` serves (default: the project). */
  dir?: string;
  readyPath?: string;
  pollMs?: number;
  /** Also writes the server's output to this file (the e2e run checks it for leaked emails and secrets). */
  logFile?: string;
}

/** `next start` (the production server) with `env`, resolved once /api/health answers. */
export async function startAppServer(port: number, env: Record<string, string>, opts: AppServerOptions = {}): Promise<AppServer> {
  const url = `http://localhost:${port}`;
  const readyPath = opts.readyPath ?? "/api/health";
  const started = performance.now();
  const child = spawn("node_modules/.bin/next", ["start", ...(opts.dir ? [opts.dir] : []), "-p", String(port)], {
    stdio: opts.quiet ? "ignore" : opts.logFile ? ["ignore", "pipe", "pipe"] : "inherit",
    env: { ...process.env, ...env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (opts.logFile && !opts.quiet) {
    const file = createWriteStream(opts.logFile, { flags: "a" });
    child.stdout?.on("data", (chunk: Buffer) => (process.stdout.write(chunk), file.write(chunk)));
    child.stderr?.on("data", (chunk: Buffer) => (process.stderr.write(chunk), file.write(chunk)));
    child.once("exit", () => file.end());
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}${readyPath}`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url}${readyPath} did not answer 200 within 60 s`);
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 250));
  }
  const readyAfterMs = performance.now() - started;
  return {
    url,
    process: child,
    readyAfterMs,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      // next start does not exit on SIGTERM while after() work is pending (a backlog being applied):
      // after a grace period it is killed, as a platform recycling the instance would.
      const grace = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(grace);
    },
  };
}
