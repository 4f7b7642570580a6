import { appendFileSync, existsSync, readFileSync } from "node:fs";

/**
 * Which database backend a run used, told to whoever started it: with FERRETDB_BACKEND_REPORT set
 * to a file, each FerretDB start (and the test setup pointed at TEST_MONGODB_URI) appends one JSON
 * line to it. `npm test` gives each stage its own file and names the backends in its summary, so a
 * run that fell back to SQLite (several times slower) cannot pass unnoticed.
 */
export interface BackendReport {
  backend: "postgresql" | "sqlite" | "external";
  /** For people: "PostgreSQL 15", "SQLite", "TEST_MONGODB_URI". */
  label: string;
  /** Why SQLite, when PostgreSQL was wanted but could not be used; else null. */
  fallbackReason: string | null;
}

export function reportBackend(report: BackendReport, file = process.env.FERRETDB_BACKEND_REPORT): void {
  if (file) appendFileSync(file, `${JSON.stringify(report)}\n`);
}

export function readBackendReports(file: string): BackendReport[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as BackendReport);
}

/**
 * One stage's backends in a few words: "PostgreSQL 15"; "SQLite (fallback: <why>)"; every distinct
 * one when a stage started several (a restart, a test with its own database) that differ.
 */
export function describeBackends(reports: BackendReport[]): string {
  if (reports.length === 0) return "none reported";
  const seen = new Map<string, BackendReport>();
  for (const r of reports) seen.set(`${r.label}\0${r.fallbackReason ?? ""}`, r);
  return [...seen.values()]
    .map((r) => (r.fallbackReason ? `${r.label} (FALLBACK: ${r.fallbackReason})` : r.label))
    .join(" + ");
}

/** True when any start in these reports fell back to SQLite. */
export function fellBack(reports: BackendReport[]): boolean {
  return reports.some((r) => r.fallbackReason !== null);
}
