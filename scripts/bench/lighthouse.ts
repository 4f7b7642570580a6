import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Flags, Result } from "lighthouse";
import { CHROMIUM_ARGS, chromiumPath } from "../lib/chromium";

/**
 * Lighthouse (default config: mobile, simulated throttling) on each page, all in one Debian
 * Chromium; Lighthouse's own Chrome download cannot work here. Lighthouse itself runs in a plain
 * `node` child (lighthouse-runner.mjs says why); the scores are read from the results it writes.
 */

export interface PageScores {
  path: string;
  performance: number;
  accessibility: number;
  bestPractices: number;
  /** Audits of the three categories scored below 1 in the run reported. */
  failedAudits: string[];
  /** The performance score of every run, in order (one unless `runs` was given). */
  performanceRuns?: number[];
  /**
   * JS the page really loaded, compressed, in kB (transfer sizes, headers included). next build's
   * First Load JS leaves out the root layout's client chunks; this does not.
   */
  scriptKb?: number;
}

export interface PageToScore {
  path: string;
  /** A `Cookie` header (`name=value; ...`) sent with every request of the page: a signed-in visit. */
  cookie?: string;
  /** Text the HTML served for the page must contain, e.g. a mark only a signed-in visitor gets. */
  mustContain?: string;
}

const CATEGORIES = ["performance", "accessibility", "best-practices"] as const;

export interface LighthouseOptions {
  /**
   * Lighthouse runs per page; each page's result is its run with the median performance score.
   * On 2 shared cores one run can lose 15 points to another process (React's hydration task,
   * the same code, measured from 100 to 700 ms): Lighthouse's own advice is the median of several.
   */
  runs?: number;
  /** Keep each run's full Lighthouse result there (`<round>-<n><path>.json`, the HTML served as `.html`). */
  reportDir?: string;
}

export async function lighthouseScores(baseUrl: string, pages: PageToScore[], opts: LighthouseOptions = {}): Promise<PageScores[]> {
  const rounds = Math.max(1, opts.runs ?? 1);
  const dir = opts.reportDir ?? mkdtempSync(join(tmpdir(), "lighthouse-"));
  mkdirSync(dir, { recursive: true });
  try {
    // Round after round of every page, so a burst of load elsewhere hits all pages alike.
    const runs = Array.from({ length: rounds }, (_, round) =>
      pages.map((page, i) => {
        const flags: Flags = {
          onlyCategories: [...CATEGORIES],
          // Network.setExtraHTTPHeaders: the cookie goes with the document and every request it
          // makes, and survives Lighthouse's storage reset (which empties the browser's cookie jar).
          extraHeaders: page.cookie ? { Cookie: page.cookie } : null,
        };
        const file = join(dir, `${round + 1}-${i}${page.path.split("?")[0]!.replace(/\W+/g, "_")}`);
        return { url: new URL(page.path, baseUrl).href, flags, out: `${file}.json`, html: `${file}.html` };
      }),
    );
    await runLighthouse({ chromePath: chromiumPath(), chromeFlags: ["--headless=new", ...CHROMIUM_ARGS], runs: runs.flat() });
    return pages.map((page, i) => {
      const scores = runs.map((round) => {
        const html = readFileSync(round[i]!.html, "utf8");
        if (page.mustContain && !html.includes(page.mustContain)) throw new Error(`lighthouse ${page.path}: the page served lacks ${page.mustContain} (signed out?)`);
        return scoresOf(page.path, JSON.parse(readFileSync(round[i]!.out, "utf8")) as Result);
      });
      const performanceRuns = scores.map((s) => s.performance);
      const median = [...scores].sort((a, b) => a.performance - b.performance)[Math.floor(rounds / 2)]!;
      return { ...median, performanceRuns };
    });
  } finally {
    if (!opts.reportDir) rmSync(dir, { recursive: true, force: true });
  }
}

function runLighthouse(input: { chromePath: string; chromeFlags: string[]; runs: Array<{ url: string; flags: Flags; out: string; html: string }> }): Promise<void> {
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
  const requests = (lhr.audits["network-requests"]?.details as { items?: Array<{ resourceType?: string; transferSize?: number }> } | undefined)?.items ?? [];
  const scriptKb = Math.round(requests.filter((r) => r.resourceType === "Script").reduce((sum, r) => sum + (r.transferSize ?? 0), 0) / 100) / 10;
  return { path, performance: score("performance"), accessibility: score("accessibility"), bestPractices: score("best-practices"), failedAudits: [...failedAudits], scriptKb };
}
