import { describe, expect, it } from "vitest";
import { resultsText, withPreviousRun } from "@/scripts/bench/results-file";

const history = "# Benchmark history\n\nIntro.\n\n## Stop 30\n\nOlder figures.\n";
const table = "| Measure | Figure |\n| --- | --- |\n| Checkout: our overhead | 10.4 ms |";
const results = resultsText({ at: new Date("2026-12-03T02:13:40Z"), machine: "2 × AMD EPYC", table, analysis: "## What the figures say\n\nAnalysis of that run.\n" });

describe("bench/results.md", () => {
  it("is the title, the run's header, its table, then the analysis", () => {
    expect(results).toBe(
      "# Benchmarks\n\n`npm run bench`, 2026-12-03 02:13 UTC, on 2 × AMD EPYC.\n" +
        "Production build (`next build` + `next start`), local stack (FerretDB, Polar emulator).\n\n" +
        `${table}\n\n## What the figures say\n\nAnalysis of that run.\n`,
    );
  });

  it("moves into the history above its first section when a run replaces it: header and table, without the analysis", () => {
    const header = results.slice("# Benchmarks\n\n".length, results.indexOf(table));
    expect(withPreviousRun(history, results)).toBe(
      `# Benchmark history\n\nIntro.\n\n## Full run, 2026-12-03 02:13 UTC\n\n${header}${table}\n\n## Stop 30\n\nOlder figures.\n`,
    );
  });

  it("goes at the end of a history with no section yet", () => {
    expect(withPreviousRun("# Benchmark history\n\nIntro.\n", results)).toMatch(/Intro\.\n\n## Full run, 2026-12-03 02:13 UTC\n\n`npm run bench`.*\| Checkout: our overhead \| 10\.4 ms \|\n\n$/s);
  });

  it("is refused, and so moved nowhere, when it is not a file the bench wrote", () => {
    expect(() => withPreviousRun(history, "Some notes\n\n| a |\n")).toThrow(/does not start with its title/);
  });
});
