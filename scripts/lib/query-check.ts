import { existsSync, readFileSync } from "node:fs";
import { loadAppModels } from "../../lib/db/app-models";
import { declaredIndexes } from "../../lib/db/declared-indexes";
import { checkCoverage, type CoverageReport } from "../../lib/db/index-coverage";
import type { RecordedQuery } from "../../lib/db/query-shape";

/**
 * The check after a run: the queries the app recorded (lib/db/query-recorder.ts, one JSON line
 * each) against the indexes every model in models/ declares. Used by scripts/check-queries.ts
 * (npm test's stages) and the vitest global setup (a run of a few files).
 */

export function readQueryLog(file: string): RecordedQuery[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .flatMap((line, i) => {
      if (!line) return [];
      try {
        return [JSON.parse(line) as RecordedQuery];
      } catch {
        throw new Error(`${file}:${i + 1}: not a recorded query: ${line.slice(0, 80)}`);
      }
    });
}

const SOURCES_SHOWN = 3;

/** The check's verdict as lines for a person: a summary, then each unserved query with where it came from. */
export function formatCoverage(report: CoverageReport, label: string): string {
  const head = `queries Atlas can serve (${label}): ${report.checked} queries from the app in ${report.shapes} shapes (and ${report.fromTests} from test code, not checked)`;
  if (report.checked === 0) return `${head}: none recorded, so nothing was checked (was RECORD_QUERIES passed to the app?)`;
  if (report.unserved.length === 0) return `${head}: every one is served by a declared index`;
  const lines = [`${head}: ${report.unserved.length} with no declared index whose prefix covers their filter and sort:`];
  for (const u of report.unserved) {
    lines.push(`  ${u.query}  (${u.ops.join(", ")}, ${u.count} time${u.count === 1 ? "" : "s"})`);
    for (const source of u.sources.slice(0, SOURCES_SHOWN)) lines.push(`    from ${source}`);
    if (u.sources.length > SOURCES_SHOWN) lines.push(`    and ${u.sources.length - SOURCES_SHOWN} more places`);
  }
  lines.push(
    "Declare the index on the model (models/), or list a scan made on purpose in ALLOWED_SCANS (lib/db/index-coverage.ts); " +
      'the rule: README, "Queries Atlas can serve".',
  );
  return lines.join("\n");
}

/** Reads `file`, judges it, and says whether the run passes: every query served, and at least one recorded. */
export async function checkQueryLog(file: string, label: string): Promise<{ ok: boolean; text: string; report: CoverageReport }> {
  const report = checkCoverage(readQueryLog(file), declaredIndexes(await loadAppModels()));
  return { ok: report.checked > 0 && report.unserved.length === 0, text: formatCoverage(report, label), report };
}
