/**
 * `npm run bench` rewrites bench/results.md whole. Before it does, the run that file held moves into
 * bench/history.md, so a new run never erases an old one's figures. Pure: text in, text out.
 *
 * results.md is `# Benchmarks`, the run's header line(s), its table, then the analysis (from
 * `## `); the header and table become a `## Full run, <when>` section placed above the history's
 * first section (the newest comes first). The analysis is not kept: bench/analysis.md is
 * rewritten for each run, and git keeps its earlier text.
 */
export function withPreviousRun(history: string, previousResults: string): string {
  const title = "# Benchmarks\n";
  if (!previousResults.startsWith(title)) throw new Error("bench/results.md does not start with its title: not moved to history.md");
  const analysis = previousResults.indexOf("\n## ");
  const run = (analysis === -1 ? previousResults : previousResults.slice(0, analysis)).slice(title.length).trim();
  const when = /`npm run bench`, ([0-9-]+ [0-9:]+ UTC)/.exec(run)?.[1] ?? "date unknown";
  const section = `## Full run, ${when}\n\n${run}\n\n`;
  const first = history.indexOf("\n## ");
  return first === -1 ? `${history.trimEnd()}\n\n${section}` : `${history.slice(0, first + 1)}${section}${history.slice(first + 1)}`;
}
