import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/**
 * Debian's Chromium drives the browser tests: Playwright's own browser download cannot work on
 * machines without general internet access. CHROMIUM_PATH points elsewhere if needed.
 */
export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
}

/**
 * Flags for Debian's Chromium on these machines, for Playwright and Lighthouse alike: root needs
 * --no-sandbox, and without the background-networking flags Chromium keeps dialing Google's
 * hosts, which a closed network refuses.
 */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function ensureChromium(log: (line: string) => void = console.log): string {
  const path = chromiumPath();
  if (existsSync(path)) return path;
  const isRoot = process.getuid?.() === 0;
  const hasApt = spawnSync("sh", ["-c", "command -v apt-get"]).status === 0;
  if (!isRoot || !hasApt) {
    throw new Error(
      `Chromium was not found at ${path}. Install Debian's package (sudo apt-get install -y chromium), ` +
        "or set CHROMIUM_PATH to a Chromium or Chrome binary.",
    );
  }
  log("Installing Chromium from Debian's packages (apt-get install -y chromium)...");
  for (const args of [["update", "-qq"], ["install", "-y", "-qq", "chromium"]]) {
    const run = spawnSync("apt-get", args, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    if (run.status !== 0) throw new Error(`apt-get ${args.join(" ")} failed (exit ${run.status})`);
  }
  if (!existsSync(path)) throw new Error(`apt-get installed chromium but ${path} is missing`);
  return path;
}
