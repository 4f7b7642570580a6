import { describe, expect, it } from "vitest";
import { withPreviousRun } from "@/scripts/bench/history";

const history = "# Benchmark history\n\nIntro.\n\n## Stop 30\n\nOlder figures.\n";
/** What a run wrote above its analysis: its header line and its table. */
const run = [
  "`npm run bench`, 2026-12-03 02:13 UTC, on 2 × AMD EPYC.",
  "",
  "| Measure | Figure |",
  "| --- | --- |",
  "| Checkout: our overhead | 10.4 ms |",
];
const results = ["# Benchmarks", "", ...run, "", "## What the figures say", "", "Analysis of that run.", ""].join("\n");

describe("withPreviousRun", () => {
  it("puts the run results.md held above the history's first section, header and table, without the analysis", () => {
    const kept = withPreviousRun(history, results);
    expect(kept).toBe(
      [
        "# Benchmark history",
        "",
        "Intro.",
        "",
        "## Full run, 2026-12-03 02:13 UTC",
        "",
        ...run,
        "",
        "## Stop 30",
        "",
        "Older figures.",
        "",
      ].join("\n"),
    );
  });

  it("appends the run to a history with no section yet", () => {
    expect(withPreviousRun("# Benchmark history\n\nIntro.\n", results)).toMatch(/Intro\.\n\n## Full run, 2026-12-03 02:13 UTC\n\n`npm run bench`.*\n\n\| Measure/s);
  });

  it("refuses a results.md that is not one the bench wrote, and so moves nothing", () => {
    expect(() => withPreviousRun(history, "Some notes\n\n| a |\n")).toThrow(/does not start with its title/);
  });
});
