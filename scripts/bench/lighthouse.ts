import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Flags, Result } from "lighthouse";
import { chromiumPath } from "../lib/chromium";

/**
 * Lighthouse (default config: mobile, simulated throttling) on each page, all in one Debian
 * Chromium; Lighthouse's own Chrome download cannot work here. Lighthouse itself runs in a plain
 * `node` child (lighthouse-runner.mjs says why); the scores are read from the results it writes.
 */

export interface PageScores { path: string; performance: number; accessibility: number; bestPractices: number; failedAudits: string[] }

export interface PageToScore {
  path: string;
  /** A `Cookie` header (`name=value; ...`) sent with every request of the page: a signed-in visit. */
  cookie?: string;
}

const CATEGORIES = ["performance", "accessibility", "best-practices"] as const;

// Root needs --no-sandbox; without the background-networking flags Chromium keeps dialing
// Google's hosts, which this machine's closed network refuses.
export const CHROMIUM_FLAGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** `reportDir`: keep each page's full Lighthouse result there (`<path>.json`), to read a missed audit's details. */
export async function lighthouseScores(baseUrl: string, pages: PageToScore[], opts: { reportDir?: string } = {}): Promise<PageScores[]> {
  const dir = opts.reportDir ?? mkdtempSync(join(tmpdir(), "lighthouse-"));
  mkdirSync(dir, { recursive: true });
  try {
    const runs = pages.map((page, i) => {
      const flags: Flags = {
        onlyCategories: [...CATEGORIES],
        // Network.setExtraHTTPHeaders: the cookie goes with the document and every request it
        // makes, and survives Lighthouse's storage reset (which empties the browser's cookie jar).
        extraHeaders: page.cookie ? { Cookie: page.cookie } : null,
      };
      const name = page.path.split("?")[0]!.replace(/\W+/g, "_");
      return { url: new URL(page.path, baseUrl).href, flags, out: join(dir, `${i}${name}.json`) };
    });
    await runLighthouse({ chromePath: chromiumPath(), chromeFlags: CHROMIUM_FLAGS, runs });
    return pages.map((page, i) => scoresOf(page.path, JSON.parse(readFileSync(runs[i]!.out, "utf8")) as Result));
  } finally {
    if (!opts.reportDir) rmSync(dir, { recursive: true, force: true });
  }
}

function runLighthouse(input: { chromePath: string; chromeFlags: string[]; runs: Array<{ url: string; flags: Flags; out: string }> }): Promise<void> {
  return new Promise((resolve, reject) => {
    // process.execPath without execArgv: no tsx loader in the child.
    const child = spawn(process.execPath, ["scripts/bench/lighthouse-runner.mjs"], { stdio: ["pipe", "inherit", "inherit"] });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`lighthouse-runner exited with code ${code}`))));
    child.stdin.end(JSON.stringify(input));
  });
}

function scoresOf(path: string, lhr: Result): PageScores {
  if (lhr.runtimeError) throw new Error(`lighthouse ${path}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
  // A gated page without a valid session redirects to /signin: its scores would be the sign-in page's.
  const asked = new URL(lhr.requestedUrl ?? lhr.finalDisplayedUrl).pathname;
  const shown = new URL(lhr.finalDisplayedUrl);
  if (shown.pathname !== asked) throw new Error(`lighthouse ${path}: the page shown was ${shown.pathname}${shown.search}, not ${asked} (signed out?)`);

  const score = (id: (typeof CATEGORIES)[number]) => {
    const s = lhr.categories[id]?.score;
    if (s === null || s === undefined) throw new Error(`lighthouse ${path}: no ${id} score`);
    return Math.round(s * 100);
  };
  const failedAudits = new Set<string>();
  for (const id of CATEGORIES) {
    for (const ref of lhr.categories[id]?.auditRefs ?? []) {
      const s = lhr.audits[ref.id]?.score;
      if (s !== null && s !== undefined && s < 1) failedAudits.add(ref.id);
    }
  }
  return { path, performance: score("performance"), accessibility: score("accessibility"), bestPractices: score("best-practices"), failedAudits: [...failedAudits] };
}
