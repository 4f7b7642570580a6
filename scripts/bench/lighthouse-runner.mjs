// @ts-check
/**
 * Runs Lighthouse's Node API on a list of URLs in one Chromium and writes each result (the LHR,
 * JSON) to its file. Plain JavaScript run by plain `node`, on purpose: under tsx, esbuild's
 * keepNames rewrites Lighthouse's own page functions with `__name(...)` calls, and those throw
 * `ReferenceError: __name is not defined` once Lighthouse evaluates them in the page.
 *
 * Input (stdin, JSON): { chromePath, chromeFlags: string[], runs: [{ url, flags, out, html }] }: the LHR goes
 * to `out`, the HTML the server sent for the page to `html` (to tell a signed-in page from a signed-out one).
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";

const { chromePath, chromeFlags, runs } = JSON.parse(readFileSync(0, "utf8"));
// Trace-recording failures Lighthouse itself answers with "Please run Lighthouse again": a run that
// ends in one is repeated (twice at most); any other runtime error is kept and reported.
const RUN_AGAIN = new Set(["NO_NAVSTART", "NO_FCP", "NO_TRACING_STARTED", "NO_DCL"]);
const chrome = await chromeLauncher.launch({ chromePath, chromeFlags, logLevel: "error" });
try {
  for (const run of runs) {
    let result;
    for (let attempt = 1; attempt <= 3; attempt++) {
      result = await lighthouse(run.url, { ...run.flags, port: chrome.port, output: "json", logLevel: "error" });
      const code = result?.lhr.runtimeError?.code;
      if (!code || !RUN_AGAIN.has(code) || attempt === 3) break;
      console.error(`[lighthouse] ${run.url}: ${code}, running it again`);
    }
    if (!result) throw new Error(`lighthouse returned nothing for ${run.url}`);
    writeFileSync(run.out, JSON.stringify(result.lhr));
    writeFileSync(run.html, result.artifacts.MainDocumentContent ?? "");
  }
} finally {
  chrome.kill();
}
