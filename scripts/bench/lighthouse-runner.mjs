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
const chrome = await chromeLauncher.launch({ chromePath, chromeFlags, logLevel: "error" });
try {
  for (const run of runs) {
    const result = await lighthouse(run.url, { ...run.flags, port: chrome.port, output: "json", logLevel: "error" });
    if (!result) throw new Error(`lighthouse returned nothing for ${run.url}`);
    writeFileSync(run.out, JSON.stringify(result.lhr));
    writeFileSync(run.html, result.artifacts.MainDocumentContent ?? "");
  }
} finally {
  chrome.kill();
}
