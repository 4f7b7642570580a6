/**
 * The text of bench/results.md, and what becomes of it when a new run replaces it. The file's
 * shape is decided here only: `resultsText` writes it and `withPreviousRun` reads it back. Pure.
 *
 * results.md is the title, the run's header line(s), its table, then the analysis (from `## `).
 * `npm run bench` rewrites it whole; before it does, the run it held moves into bench/history.md,
 * so a new run never erases an old one's figures: its header and table become a `## Full run,
 * <when>` section above the history's first section (the newest comes first). The analysis is not
 * kept: bench/analysis.md is rewritten for each run, and git keeps its earlier text.
 */
const TITLE = "# Benchmarks\n";
const WHEN = /`npm run bench`, ([0-9-]+ [0-9:]+ UTC)/;

export function resultsText(run: { at: Date; machine: string; table: string; analysis: string }): string {
  const when = `${run.at.toISOString().slice(0, 16).replace("T", " ")} UTC`;
  const header = `\`npm run bench\`, ${when}, on ${run.machine}.\nProduction build (\`next build\` + \`next start\`), local stack (FerretDB, Polar emulator).`;
  return `${TITLE}\n${header}\n\n${run.table}\n\n${run.analysis}`;
}

export function withPreviousRun(history: string, previousResults: string): string {
  if (!previousResults.startsWith(TITLE)) throw new Error("bench/results.md does not start with its title: not moved to history.md");
  const analysis = previousResults.indexOf("\n## ");
  const run = (analysis === -1 ? previousResults : previousResults.slice(0, analysis)).slice(TITLE.length).trim();
  const section = `## Full run, ${WHEN.exec(run)?.[1] ?? "date unknown"}\n\n${run}\n\n`;
  const first = history.indexOf("\n## ");
  return first === -1 ? `${history.trimEnd()}\n\n${section}` : `${history.slice(0, first + 1)}${section}${history.slice(first + 1)}`;
}
