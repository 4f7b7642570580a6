import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { filesUnder, SERVER_SECRET_NAMES, secretsInFiles } from "./secret-scan";

/**
 * Checks over Vercel's Build Output (`.vercel/output`, what `vercel build` makes and Vercel deploys):
 * the mistakes that only show once deployed. Reads files only, so a test can plant each mistake in a
 * copy of a real output and see its check fail.
 */

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface OutputCheckOptions {
  /** `.vercel/output` */
  outputDir: string;
  /** The project root that `filePathMap` entries are relative to. */
  projectDir: string;
  /** Secret values the build ran with (from `.data/local.env`): none may reach a static file. */
  secretValues: Record<string, string>;
  /** The crons `vercel.json` declares. */
  expectedCrons: Array<{ path: string; schedule: string }>;
}

export const WEBHOOK_PATH = "/api/webhooks/polar";
export const CRON_PATH = "/api/cron/billing";

/** Our bar for a function's files, uncompressed (Vercel refuses 250 MB; cold starts grow long before). */
export const FUNCTION_SIZE_LIMIT_BYTES = 50 * 1024 * 1024;

/**
 * maxDuration bounds, in seconds. The upper bound is 60 s, the lowest cap of any plan (Hobby without
 * Fluid compute); tests/vercel ties the lower bounds to the code: the cron must outlast its work
 * budget, and the webhook function must not outlive an inbox lease (a function still applying when
 * its lease ends would race the sweep that takes the event over).
 */
export const MAX_DURATION_BOUNDS: Record<string, { min: number; max: number }> = {
  [WEBHOOK_PATH]: { min: 10, max: 60 },
  [CRON_PATH]: { min: 55, max: 60 },
};

/** Functions that open MongoDB or call Polar: an edge runtime cannot (no TCP sockets, no Node APIs). */
const NODE_ONLY_MODULES = ["node_modules/mongoose/", "node_modules/mongodb/", "node_modules/@polar-sh/"];

interface VcConfig {
  runtime?: string;
  maxDuration?: number;
  filePathMap?: Record<string, string>;
  entrypoint?: string;
  handler?: string;
}

interface FunctionInfo {
  /** URL path the function serves, e.g. /api/webhooks/polar */
  route: string;
  dir: string;
  config: VcConfig;
}

export interface Route {
  src?: string;
  dest?: string;
  status?: number;
  headers?: Record<string, string>;
  continue?: boolean;
  handle?: string;
  has?: Array<{ type: string; key: string; value?: string }>;
  missing?: Array<{ type: string; key: string; value?: string }>;
  middlewarePath?: string;
}

/** Every function in the output, `.rsc` twins and prefetch variants left out (they are the same function). */
function listFunctions(outputDir: string): FunctionInfo[] {
  const root = join(outputDir, "functions");
  const found: FunctionInfo[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (entry.endsWith(".func")) {
        const name = relative(root, path).slice(0, -".func".length);
        if (name.endsWith(".rsc") || name.includes(".prefetch")) continue;
        const config = JSON.parse(readFileSync(join(path, ".vc-config.json"), "utf8")) as VcConfig;
        found.push({ route: name === "index" ? "/" : `/${name}`, dir: path, config });
      } else if (lstatSync(path).isDirectory()) {
        walk(path);
      }
    }
  };
  walk(root);
  return found.sort((a, b) => a.route.localeCompare(b.route));
}

function filesOf(fn: FunctionInfo, projectDir: string): string[] {
  const mapped = Object.keys(fn.config.filePathMap ?? {}).map((p) => resolve(projectDir, p));
  return [...filesUnder(fn.dir), ...mapped];
}

/** Uncompressed bytes of a function's files: its own directory plus what `filePathMap` pulls in. */
function functionBytes(fn: FunctionInfo, projectDir: string): number {
  const files = new Set(filesOf(fn, projectDir).filter((f) => existsSync(f)).map((f) => realpathSync(f)));
  return [...files].reduce((total, file) => total + statSync(file).size, 0);
}

/**
 * A line of Mongoose's own source (lib/error/overwriteModel.js) that survives bundling and
 * minifying: each occurrence in a function's files is one copy of Mongoose it would load.
 */
export const MONGOOSE_SIGNATURE = "Cannot overwrite `";

function occurrences(text: string, needle: string): number {
  let count = 0;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) count++;
  return count;
}

/** The function's JavaScript, each file once (functions share chunks through `filePathMap`). */
function javascriptOf(fn: FunctionInfo, projectDir: string, cache: Map<string, string>): string[] {
  const files = new Set(filesOf(fn, projectDir).filter((f) => /\.[cm]?js$/.test(f) && existsSync(f)).map((f) => realpathSync(f)));
  return [...files].map((file) => {
    let text = cache.get(file);
    if (text === undefined) cache.set(file, (text = readFileSync(file, "utf8")));
    return text;
  });
}

function usesNodeOnlyModules(fn: FunctionInfo, mongooseCopies: number, sources: () => string[]): boolean {
  const mapped = Object.keys(fn.config.filePathMap ?? {});
  if (mongooseCopies > 0 || mapped.some((p) => NODE_ONLY_MODULES.some((m) => p.startsWith(m)))) return true;
  // An edge function is one bundle: look for the packages inside it.
  return fn.config.runtime === "edge" && sources().some((text) => /\bmongoose\b|@polar-sh\//.test(text));
}

function headerMatches(cond: { type: string; key: string; value?: string }, headers: Record<string, string>): boolean {
  if (cond.type !== "header") return false; // host / cookie / query conditions: not part of a webhook delivery
  const actual = headers[cond.key.toLowerCase()];
  if (actual === undefined) return false;
  return cond.value === undefined || new RegExp(`^(?:${cond.value})$`).test(actual);
}

export interface RoutingResult {
  redirect?: { status: number; location?: string };
  middleware: boolean;
  /** The path after the routes that run before the filesystem is looked at. */
  path: string;
}

/**
 * Vercel's routing for one request, up to the filesystem check (the phase where redirects,
 * middleware and rewrites happen). Only header conditions are evaluated: a webhook delivery
 * carries no cookie or query that Next.js routes on.
 */
export function routeBeforeFilesystem(routes: Route[], path: string, headers: Record<string, string>): RoutingResult {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  let current = path;
  let middleware = false;
  for (const route of routes) {
    if (route.handle) break;
    if (!route.src) continue;
    const match = new RegExp(route.src).exec(current);
    if (!match) continue;
    if (route.has && !route.has.every((c) => headerMatches(c, lower))) continue;
    if (route.missing && route.missing.some((c) => headerMatches(c, lower))) continue;
    if (route.middlewarePath) middleware = true;
    const location = route.headers?.Location ?? route.headers?.location;
    if ((route.status && route.status >= 300 && route.status < 400) || location) {
      return { redirect: { status: route.status ?? 302, location }, middleware, path: current };
    }
    if (route.dest) {
      current = route.dest.replace(/\$(\d+)/g, (_, n: string) => match[Number(n)] ?? "").replace(/\?.*$/, "");
      if (!route.continue) break;
    }
  }
  return { middleware, path: current };
}

/** A delivery as Polar sends it. */
const POLAR_DELIVERY_HEADERS = {
  "content-type": "application/json",
  "user-agent": "polar.sh webhooks",
  "webhook-id": "msg_check",
  "webhook-timestamp": "1700000000",
  "webhook-signature": "v1,check",
};

export interface FunctionSummary {
  route: string;
  runtime: string | undefined;
  maxDuration: number | undefined;
  bytes: number;
}

/** The checks, and each function as they saw it (for the build's table). */
export function checkVercelOutput(opts: OutputCheckOptions): { checks: Check[]; functions: FunctionSummary[] } {
  const checks: Check[] = [];
  const add = (name: string, problems: string[], okDetail: string): void => {
    checks.push({ name, ok: problems.length === 0, detail: problems.length ? problems.join("; ") : okDetail });
  };
  const config = JSON.parse(readFileSync(join(opts.outputDir, "config.json"), "utf8")) as {
    routes?: Route[];
    crons?: Array<{ path: string; schedule: string }>;
  };
  const functions = listFunctions(opts.outputDir);
  const byRoute = new Map(functions.map((fn) => [fn.route, fn]));
  const cache = new Map<string, string>();
  const sourcesOf = (fn: FunctionInfo) => javascriptOf(fn, opts.projectDir, cache);
  const mongooseCopies = new Map(functions.map((fn) => [fn, sourcesOf(fn).reduce((n, text) => n + occurrences(text, MONGOOSE_SIGNATURE), 0)]));

  // 1. Node.js runtime wherever MongoDB or Polar is reached.
  const mustBeNode = functions.filter(
    (fn) => fn.route in MAX_DURATION_BOUNDS || usesNodeOnlyModules(fn, mongooseCopies.get(fn) ?? 0, () => sourcesOf(fn)),
  );
  add(
    "node-runtime",
    mustBeNode.filter((fn) => !fn.config.runtime?.startsWith("nodejs")).map((fn) => `${fn.route} runs on "${fn.config.runtime}", not Node.js: set \`export const runtime = "nodejs"\``),
    `${mustBeNode.length} functions that reach MongoDB or Polar all on ${[...new Set(mustBeNode.map((fn) => fn.config.runtime))].join(", ")}`,
  );

  // 2. Explicit maxDuration on the webhook and cron functions, inside their bounds.
  const durationProblems: string[] = [];
  for (const [route, { min, max }] of Object.entries(MAX_DURATION_BOUNDS)) {
    const fn = byRoute.get(route);
    const seconds = fn?.config.maxDuration;
    if (!fn) durationProblems.push(`${route}: no function in the output`);
    else if (seconds === undefined) durationProblems.push(`${route}: no maxDuration (set \`export const maxDuration = ${max}\` in its route.ts)`);
    else if (seconds < min || seconds > max) durationProblems.push(`${route}: maxDuration ${seconds} s outside ${min}-${max} s`);
  }
  add(
    "max-duration",
    durationProblems,
    Object.keys(MAX_DURATION_BOUNDS).map((r) => `${r} ${byRoute.get(r)?.config.maxDuration} s`).join(", "),
  );

  // 3. The billing cron reaches Vercel.
  // Compared with vercel.json and required outright: a cron deleted from vercel.json is missing too.
  const crons = config.crons ?? [];
  const cronProblems = opts.expectedCrons
    .filter((want) => !crons.some((c) => c.path === want.path && c.schedule === want.schedule))
    .map((want) => `cron ${want.path} "${want.schedule}" from vercel.json missing from the output's crons`);
  if (!crons.some((c) => c.path === CRON_PATH)) {
    cronProblems.push(`no cron calls ${CRON_PATH} (output crons: ${JSON.stringify(crons)}); add it to vercel.json`);
  }
  add("crons", cronProblems, crons.map((c) => `${c.path} "${c.schedule}"`).join(", "));

  // 4. Function sizes.
  const sizes: FunctionSummary[] = functions.map((fn) => ({
    route: fn.route,
    runtime: fn.config.runtime,
    maxDuration: fn.config.maxDuration,
    bytes: functionBytes(fn, opts.projectDir),
  }));
  const largest = sizes.length ? sizes.reduce((a, b) => (b.bytes > a.bytes ? b : a)) : { route: "-", bytes: 0 };
  add(
    "function-size",
    sizes.filter((s) => s.bytes > FUNCTION_SIZE_LIMIT_BYTES).map((s) => `${s.route} is ${(s.bytes / 1048576).toFixed(1)} MB (limit 50 MB)`),
    `largest ${largest.route} ${(largest.bytes / 1048576).toFixed(1)} MB of 50 MB`,
  );

  // 5. No secret, by value or by name, in what is served statically.
  const staticDir = join(opts.outputDir, "static");
  const files = existsSync(staticDir) ? filesUnder(staticDir) : [];
  const leaks = secretsInFiles(files, { values: opts.secretValues, names: SERVER_SECRET_NAMES }, opts.outputDir);
  add("static-secrets", leaks, `${files.length} static files, ${Object.keys(opts.secretValues).length} secret values and ${SERVER_SECRET_NAMES.length} names: none found`);

  // 6. The webhook URL is served as is, never redirected.
  const routes = config.routes ?? [];
  const routed = routeBeforeFilesystem(routes, WEBHOOK_PATH, POLAR_DELIVERY_HEADERS);
  const webhookProblems: string[] = [];
  if (routed.redirect) webhookProblems.push(`POST ${WEBHOOK_PATH} is redirected (${routed.redirect.status} ${routed.redirect.location ?? ""}): Polar counts that as a failed delivery`);
  if (routed.middleware) webhookProblems.push(`POST ${WEBHOOK_PATH} runs through middleware`);
  if (routed.path !== WEBHOOK_PATH) webhookProblems.push(`POST ${WEBHOOK_PATH} is rewritten to ${routed.path}`);
  if (!byRoute.has(WEBHOOK_PATH)) webhookProblems.push(`no function at ${WEBHOOK_PATH}`);
  add("webhook-route", webhookProblems, `POST ${WEBHOOK_PATH} reaches its function without redirect, rewrite or middleware`);

  // 7. One Mongoose per function. Production bundles Mongoose (next.config.ts): a second copy, which
  // a server action imported by a client component brings (its own React layer), would register the
  // models on a Mongoose that lib/db/connect.ts never connects.
  const withMongoose = functions.filter((fn) => (mongooseCopies.get(fn) ?? 0) > 0);
  const doubled = withMongoose.filter((fn) => (mongooseCopies.get(fn) ?? 0) > 1);
  add(
    "one-mongoose",
    doubled.length
      ? [
          `${doubled.map((fn) => `${fn.route} carries ${mongooseCopies.get(fn)} copies of Mongoose`).join(", ")}: ` +
            "a client component imports a server action; pass the action to it as a prop from a server component",
        ]
      : [],
    `${withMongoose.length} functions, one Mongoose each`,
  );

  return { checks, functions: sizes };
}
