import { appendFileSync } from "node:fs";
import { relative } from "node:path";
import type mongoose from "mongoose";
import { commandShapes, type RecordedQuery } from "./query-shape";

/**
 * Test instrumentation: with RECORD_QUERIES set to a file, every query and update the process
 * sends is appended to it as one JSON line per statement (its shape: fields and operators, never
 * values), for scripts/check-queries.ts to hold against the models' indexes. Unset (production,
 * dev) nothing is attached and the driver's command monitoring stays off.
 */
export const RECORD_QUERIES = "RECORD_QUERIES";

/** The file to record to, if this process records: read where it is needed, not via lib/env.ts (no app setting). */
export function queryLogFile(): string | undefined {
  return process.env[RECORD_QUERIES] || undefined;
}

/** `lib/users.ts:51 findUserByEmail`, from one V8 stack line; null for a frame outside the project. */
function projectFrame(line: string, root: string): string | null {
  const match = /^\s*at (?:async )?(?:(.*?) \()?(?:file:\/\/)?(\/[^():]+):(\d+):\d+\)?$/.exec(line);
  if (!match) return null;
  const [, fn, path, lineNo] = match;
  if (!path || path.includes("/node_modules/") || path.endsWith("/lib/db/query-recorder.ts")) return null;
  const rel = relative(root, path);
  if (rel.startsWith("..")) return null;
  // A production build (e2e): a route's bundle names the route; a shared chunk is minified, its
  // line and function names mean nothing.
  const route = /^\.next\/server\/(app\/.+)\.js$/.exec(rel);
  if (route) return route[1]!;
  if (rel.startsWith(".next/")) return rel;
  // "Module.findUserByEmail" when called through a module namespace; "<anonymous>" says nothing.
  const name = fn?.replace(/^async /, "").replace(/^(Module|Object)\./, "");
  return `${rel}:${lineNo}${name && name !== "<anonymous>" ? ` ${name}` : ""}`;
}

/**
 * The caller as far as the stack shows it: V8 keeps the awaiting functions of an async chain, so
 * a query awaited through Mongoose still names the app's function (and, under vitest, the test
 * that called it); in a production build, the route (`app/account/page`).
 */
export function sourceOf(stack: string, root = process.cwd()): string {
  const frames = stack
    .split("\n")
    .map((line) => projectFrame(line, root))
    .filter((f): f is string => f !== null);
  if (frames.length === 0) return "unknown";
  const [inner, outer] = [frames[0]!, frames[frames.length - 1]!];
  return inner === outer ? inner : `${inner} < ${outer}`;
}

function callSite(): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 60;
  const stack = new Error().stack ?? "";
  Error.stackTraceLimit = limit;
  return sourceOf(stack);
}

/** Appends the shape of every filtering command `client` starts to `file` (one line per statement). */
export function recordQueries(client: mongoose.mongo.MongoClient, file: string): void {
  client.on("commandStarted", (event) => {
    try {
      const shapes = commandShapes(event.commandName, event.command);
      if (shapes.length === 0) return;
      const source = callSite();
      // One write per command: several processes append to the same file without tearing lines.
      appendFileSync(file, shapes.map((shape) => `${JSON.stringify({ ...shape, source } satisfies RecordedQuery)}\n`).join(""));
    } catch (error) {
      // Never fail the app's command for the recorder; the check fails on a run that recorded nothing.
      console.error(`[db] query not recorded: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
}
