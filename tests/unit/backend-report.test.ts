import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { describeBackends, fellBack, readBackendReports, reportBackend, type BackendReport } from "../../scripts/lib/backend-report";

const dir = mkdtempSync(join(tmpdir(), "backend-report-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const postgres: BackendReport = { backend: "postgresql", label: "PostgreSQL 15", fallbackReason: null };
const why = 'PostgreSQL cannot be used (it runs as "postgres", which cannot write to /x)';
const fallback: BackendReport = { backend: "sqlite", label: "SQLite", fallbackReason: why };
const chosen: BackendReport = { backend: "sqlite", label: "SQLite", fallbackReason: null };

describe("the backend report npm test's summary is made of", () => {
  it("appends one line per start to the file it is given, and reads them back", () => {
    const file = join(dir, "stage.jsonl");
    reportBackend(postgres, file);
    reportBackend(fallback, file);
    expect(readBackendReports(file)).toEqual([postgres, fallback]);
    expect(readBackendReports(join(dir, "missing.jsonl"))).toEqual([]);
  });

  it("names a stage's backend once however often it started, every distinct one, and a fallback with its reason", () => {
    expect(describeBackends([postgres, postgres, postgres])).toBe("PostgreSQL 15");
    expect(describeBackends([fallback])).toBe(`SQLite (FALLBACK: ${why})`);
    expect(describeBackends([postgres, chosen])).toBe("PostgreSQL 15 + SQLite");
    expect(describeBackends([])).toBe("none reported");
  });

  it("tells a fallback from SQLite asked for by name", () => {
    expect(fellBack([postgres, fallback])).toBe(true);
    expect(fellBack([postgres, chosen])).toBe(false);
  });
});
