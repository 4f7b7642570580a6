import "server-only";
import { otherEnvironments, type PolarEnvironment } from "@/lib/polar/environment";

/**
 * `npm run doctor`: what the deployment checker concludes from what it saw. Everything here is
 * pure (facts in, one result per check out) so each verdict and its wording is unit-tested
 * without a database, Polar or a network; lib/doctor/facts.ts does the looking.
 */

export const CHECK_NAMES = [
  "env",
  "mongodb",
  "environments",
  "polar-token",
  "webhook-endpoint",
  "webhook-reachable",
  "webhook-secret",
  "webhook-enabled",
  "webhook-events",
  "products",
  "cron-secret",
] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

export interface CheckResult {
  name: CheckName;
  /** `warn`: wrong, but not enough to fail the deployment (the exit code stays 0). */
  status: "ok" | "warn" | "fail" | "skip";
  /** What was seen (ok, skip) or what is wrong (warn, fail). */
  detail: string;
  /** How to fix it; warnings and failures only. */
  fix?: string;
}

/** One variable as lib/env.ts parses it on its own (`parseEnvVariable`). */
export type Setting<T = string> = { ok: true; value: T } | { ok: false; what: string; hint: string };

export type PolarTarget = { kind: "server"; server: "production" | "sandbox" } | { kind: "url"; url: string };

/** A Polar call's outcome, as the SDK reported it. */
export type PolarAnswer<T> =
  | { kind: "ok"; value: T }
  /** 401 or 403: the token was refused. */
  | { kind: "rejected"; status: number }
  /** Another HTTP error, no answer at all, or an answer the SDK's parser refused. */
  | { kind: "failed"; reason: "http" | "unreachable" | "unparsable"; status: number | null; message: string };

export interface OrganizationFact {
  id: string;
  name: string;
  slug: string;
}

export interface TokenFacts {
  kind: "asked";
  target: PolarTarget;
  answer: PolarAnswer<OrganizationFact[]>;
  /** Asked only when one of Polar's servers refused the token: the same token on the other one. */
  other?: { server: "production" | "sandbox"; answer: PolarAnswer<OrganizationFact[]> };
}

export interface EndpointFact {
  id: string;
  url: string;
  format: string;
  secret: string;
  events: string[];
  enabled: boolean;
}

export interface IndexSpec {
  key: Record<string, unknown>;
  options: Record<string, unknown>;
}

/** One model's indexes, as Mongoose's `Model.diffIndexes()` compares them with the database. */
export interface ModelIndexes {
  model: string;
  collection: string;
  /** How many indexes the schema declares. */
  declared: number;
  /** diffIndexes' `toCreate`: declared, not in the database. */
  missing: IndexSpec[];
  /** The comparison could not be made (e.g. the user may not list indexes). */
  error?: string;
}

/** A payment's or subscription's `environment`; "untagged": stored before facts recorded it. */
export type EnvironmentTag = PolarEnvironment | "untagged";

/** How many payments and subscriptions each Polar environment's deployment wrote in this database. */
export type EnvironmentCounts =
  | { kind: "counted"; payments: Record<EnvironmentTag, number>; subscriptions: Record<EnvironmentTag, number> }
  | { kind: "failed"; error: string };

export type MongoFacts =
  | { kind: "not-configured"; what: string; hint: string }
  | { kind: "unreachable"; target: string; error: string }
  | { kind: "connected"; target: string; server: string; ferretdb: boolean; models: ModelIndexes[]; environments: EnvironmentCounts };

export interface ReachFacts {
  url: string;
  /** The URL Polar sends to (a registered endpoint), or the one it should (none is registered). */
  source: "registered" | "expected";
  answer: { kind: "answered"; status: number; location: string | null; body: string } | { kind: "unreachable"; error: string };
}

export interface ProductFact {
  id: string;
  name: string;
  /** The plan as the app reads it (lib/billing/facts.ts productFact): trimmed, lowercased, or null. */
  plan: string | null;
  /** metadata.plan as Polar holds it, for the message. */
  rawPlan: string | null;
}

export interface CronFact {
  path: string;
  schedule: string;
}

export interface DoctorFacts {
  /** parseEnv over the whole configuration: what the app checks at start. */
  config: { problems: string[]; sources: string[] };
  appUrl: Setting;
  webhookSecret: Setting;
  cronSecret: Setting;
  polarTarget: PolarTarget;
  mongodb: MongoFacts;
  /** not-configured: POLAR_ACCESS_TOKEN is not set, nothing was asked. */
  token: TokenFacts | { kind: "not-configured"; what: string; hint: string };
  /** null: not asked (no valid token). */
  endpoints: PolarAnswer<EndpointFact[]> | null;
  /** null: no URL to try (APP_URL invalid and no endpoint registered). */
  reachable: ReachFacts | null;
  /** Products on sale (not archived); null: not asked (no valid token). */
  products: PolarAnswer<ProductFact[]> | null;
  crons: { ok: true; crons: CronFact[] } | { ok: false; error: string };
  /** The event types the app maps (lib/billing/apply-event.ts MAPPED_EVENT_TYPES). */
  handledEvents: readonly string[];
  /** The tiers the app's features require (lib/billing/rules.ts GATED_PLANS): some product must sell each. */
  paidPlans: readonly string[];
}

export const WEBHOOK_PATH = "/api/webhooks/polar";
export const CRON_PATH = "/api/cron/billing";

/**
 * The app's answer to a POST without a valid signature (lib/webhooks/receive.ts): 403 and this
 * body, nothing stored. Seeing exactly it proves the URL reaches this app's webhook route.
 */
export const UNSIGNED_ANSWER = { status: 403, body: { ok: false, error: "invalid signature" } } as const;

/** Polar's own number (the server's WEBHOOK_FAILURE_THRESHOLD), also in the README. */
const DISABLE_AFTER = 10;
const WEBHOOKS_SETTINGS = "Polar (Settings -> Webhooks)";

const ok = (name: CheckName, detail: string): CheckResult => ({ name, status: "ok", detail });
const warn = (name: CheckName, detail: string, fix: string): CheckResult => ({ name, status: "warn", detail, fix });
const fail = (name: CheckName, detail: string, fix: string): CheckResult => ({ name, status: "fail", detail, fix });
const skip = (name: CheckName, detail: string): CheckResult => ({ name, status: "skip", detail });

export function describeTarget(target: PolarTarget): string {
  if (target.kind === "url") return `the Polar API at ${target.url}`;
  return target.server === "production" ? "Polar production (api.polar.sh)" : "Polar sandbox (sandbox-api.polar.sh)";
}

/** Enough to recognise a secret, never enough to use it. */
export function describeSecret(secret: string): string {
  const prefix = ["polar_whs_", "whsec_"].find((p) => secret.startsWith(p));
  return `${prefix ? `${prefix}… ` : ""}(${secret.length} characters)`;
}

export function expectedWebhookUrl(appUrl: string): string {
  return `${appUrl}${WEBHOOK_PATH}`;
}

// ---------------------------------------------------------------------------------------------
// env

function checkEnv(f: DoctorFacts): CheckResult {
  const from = f.config.sources.length ? ` (from ${f.config.sources.join(", ")})` : "";
  if (f.config.problems.length === 0) return ok("env", `every variable lib/env.ts reads is valid${from}`);
  return fail(
    "env",
    `the app would refuse to start${from}: ${f.config.problems.join("; ")}`,
    "set each one where the app runs (Vercel: Project -> Settings -> Environment Variables), then redeploy",
  );
}

// ---------------------------------------------------------------------------------------------
// mongodb

function formatKey(key: Record<string, unknown>): string {
  return `{${Object.entries(key)
    .map(([field, order]) => `${field}: ${JSON.stringify(order)}`)
    .join(", ")}}`;
}

function formatIndex(collection: string, spec: IndexSpec): string {
  const flags = ["unique", "sparse"].filter((o) => spec.options[o] === true);
  if (spec.options.partialFilterExpression !== undefined) flags.push("partial");
  if (spec.options.expireAfterSeconds !== undefined) flags.push("TTL");
  return `${collection} ${formatKey(spec.key)}${flags.length ? ` (${flags.join(", ")})` : ""}`;
}

function mongoshCreate(collection: string, spec: IndexSpec): string {
  const options = Object.fromEntries(
    Object.entries(spec.options).filter(([k]) => ["unique", "sparse", "partialFilterExpression", "expireAfterSeconds", "collation"].includes(k)),
  );
  return `db.${collection}.createIndex(${JSON.stringify(spec.key)}${Object.keys(options).length ? `, ${JSON.stringify(options)}` : ""})`;
}

function checkMongo(f: DoctorFacts): CheckResult {
  const m = f.mongodb;
  if (m.kind === "not-configured") return fail("mongodb", `MONGODB_URI ${m.what}`, m.hint);
  if (m.kind === "unreachable") {
    return fail(
      "mongodb",
      `no server answered at ${m.target} within the selection timeout: ${m.error}`,
      "check MONGODB_URI (user, password, host, database) and the cluster's network access: Vercel's functions have no fixed IP, so Atlas must allow 0.0.0.0/0 (Network Access) or reach Vercel through a private endpoint",
    );
  }
  const errors = m.models.filter((x) => x.error);
  if (errors.length) {
    return fail(
      "mongodb",
      `${m.server} at ${m.target}: could not compare the indexes of ${errors.map((x) => `${x.collection} (${x.error})`).join(", ")}`,
      "check that MONGODB_URI's user may list indexes (Atlas: readWrite on the app's database)",
    );
  }
  const missing = m.models.flatMap((x) => x.missing.map((spec) => ({ collection: x.collection, spec })));
  const declared = m.models.reduce((n, x) => n + x.declared, 0);
  if (missing.length === 0) {
    return ok("mongodb", `${m.server} at ${m.target}: all ${declared} indexes the ${m.models.length} models declare are there`);
  }
  const first = missing[0]!;
  const ferretNote =
    m.ferretdb && missing.some(({ spec }) => spec.options.partialFilterExpression !== undefined || spec.options.expireAfterSeconds !== undefined)
      ? " FerretDB refuses partial and TTL indexes: declare them another way (the README's FerretDB table)."
      : "";
  const cron = `${f.appUrl.ok ? f.appUrl.value : "https://your-domain"}${CRON_PATH}`;
  return fail(
    "mongodb",
    `${m.server} at ${m.target}: ${missing.length} of ${declared} declared indexes missing: ${missing.map(({ collection, spec }) => formatIndex(collection, spec)).join(", ")}`,
    // lib/db/connect.ts builds them behind the request and only logs a failure: a failed build is seen here.
    "the app creates them itself: each server instance builds the indexes of the models it has loaded right after it connects (lib/db/connect.ts, buildIndexes), " +
      `so each appears once a route using its model has run; the billing cron loads every model: call it once (curl -H "Authorization: Bearer $CRON_SECRET" ${cron}) and run the doctor again. ` +
      `One that stays missing failed to build, silently (e.g. duplicate values under a unique key): run ${mongoshCreate(first.collection, first.spec)} in mongosh to see why.${ferretNote}`,
  );
}

// ---------------------------------------------------------------------------------------------
// environments

/** The Polar environment a target is (lib/polar/environment.ts polarEnvironment, from the doctor's facts). */
function environmentOf(target: PolarTarget): PolarEnvironment {
  return target.kind === "url" ? "local" : target.server;
}

const ENVIRONMENT_NAMES: Record<PolarEnvironment, string> = { local: "the local emulator", sandbox: "Polar sandbox", production: "Polar production" };
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

function checkEnvironments(f: DoctorFacts): CheckResult {
  const m = f.mongodb;
  if (m.kind !== "connected") return skip("environments", "no database to look in (mongodb)");
  const here = environmentOf(f.polarTarget);
  const counts = m.environments;
  if (counts.kind === "failed") {
    return fail("environments", `could not count the payments and subscriptions by Polar environment at ${m.target}: ${counts.error}`, "check that MONGODB_URI's user may read the payments and subscriptions collections");
  }
  const others = otherEnvironments(here)
    .map((e) => ({ e, payments: counts.payments[e], subscriptions: counts.subscriptions[e] }))
    .filter((x) => x.payments + x.subscriptions > 0);
  const untagged = counts.payments.untagged + counts.subscriptions.untagged;
  const legacy = untagged ? `; ${plural(untagged, "fact")} stored before facts recorded their environment count as ${ENVIRONMENT_NAMES[here]}'s` : "";
  if (others.length === 0) {
    const total = counts.payments[here] + counts.subscriptions[here];
    return ok("environments", `every payment and subscription at ${m.target} is of ${ENVIRONMENT_NAMES[here]}, this configuration's Polar (${plural(total, "fact")}${legacy})`);
  }
  const found = others.map((x) => `${plural(x.payments, "payment")} and ${plural(x.subscriptions, "subscription")} of ${ENVIRONMENT_NAMES[x.e]}`).join("; ");
  const detail =
    `${m.target} holds facts of another Polar environment than this configuration's (${ENVIRONMENT_NAMES[here]}): ${found}. ` +
    `Another deployment writes into this database (a Preview on sandbox, or \`npm run dev\` pointed at it): its facts are stored as such and grant nothing here, but its users' plans and customers are not this deployment's${legacy}`;
  const fix =
    'give each deployment its own database, as the README says (Deploying to Vercel, step 1: "Preview gets a database of its own"): in Vercel set MONGODB_URI for the Preview environment to another database name or cluster, and redeploy the previews; locally, leave MONGODB_URI unset (`npm run dev` starts its own database)';
  // Production is where a sandbox test card must never buy anything: there it fails.
  return here === "production" ? fail("environments", detail, fix) : warn("environments", detail, fix);
}

// ---------------------------------------------------------------------------------------------
// polar-token

function failedCall(what: string, answer: Extract<PolarAnswer<unknown>, { kind: "failed" }>): string {
  if (answer.reason === "unreachable") return `${what} could not be reached: ${answer.message}`;
  if (answer.reason === "unparsable") return `${what} answered${answer.status ? ` ${answer.status}` : ""} with something @polar-sh/sdk's parser refused: ${answer.message}`;
  return `${what} answered ${answer.status ?? "an error"}: ${answer.message}`;
}

function checkToken(f: DoctorFacts): CheckResult {
  const t = f.token;
  if (t.kind === "not-configured") return fail("polar-token", `POLAR_ACCESS_TOKEN ${t.what}`, t.hint);
  const where = describeTarget(t.target);
  const a = t.answer;
  if (a.kind === "ok") {
    if (a.value.length === 0) {
      return fail("polar-token", `${where} accepted the token, but it sees no organization`, "create an Organization Access Token in the organization that sells (Settings -> Developers)");
    }
    const names = a.value.map((o) => `${o.name} (${o.slug})`).join(", ");
    return ok("polar-token", `${where} accepts the token: organization ${names}`);
  }
  if (a.kind === "failed") {
    const fix =
      t.target.kind === "url"
        ? "POLAR_API_URL must be Polar's API or the emulator (unset it to use POLAR_SERVER)"
        : "retry later, or check https://status.polar.sh";
    return fail("polar-token", failedCall(where, a), fix);
  }
  if (a.status === 403) {
    return fail(
      "polar-token",
      `${where} knows the token but refused it (403): it lacks the organizations:read scope`,
      "create an Organization Access Token with the scopes the app uses (or all of them) in Polar (Settings -> Developers)",
    );
  }
  // Refused. The most common support case: a token from the other Polar (their tokens are separate).
  const other = t.other;
  if (t.target.kind === "server" && other?.answer.kind === "ok") {
    const { server } = t.target;
    return fail(
      "polar-token",
      `a ${other.server} token against ${server}: ${where} refused it (${a.status}), Polar ${other.server} accepts it (organization ${other.answer.value.map((o) => o.name).join(", ")})`,
      `set POLAR_SERVER=${other.server} (with that server's webhook secret), or create an Organization Access Token on ${server === "production" ? "polar.sh" : "sandbox.polar.sh"} (Settings -> Developers)`,
    );
  }
  const alsoOther = other?.answer.kind === "rejected" ? `, and so did Polar ${other.server}` : "";
  return fail(
    "polar-token",
    `${where} refused POLAR_ACCESS_TOKEN (${a.status})${alsoOther}: expired, revoked or mistyped`,
    t.target.kind === "url"
      ? "use the token the emulator was started with (`npm run dev` writes both to .data/local.env)"
      : "create a new Organization Access Token (Settings -> Developers) and set it as POLAR_ACCESS_TOKEN",
  );
}

// ---------------------------------------------------------------------------------------------
// webhook endpoint: which registered endpoint is this app's

export type EndpointMatch =
  | { kind: "exact"; endpoint: EndpointFact; count: number }
  | { kind: "near"; endpoint: EndpointFact; differences: string[] }
  | { kind: "none" };

const stripSlashes = (path: string): string => path.replace(/\/+$/, "") || "/";

/** How a registered URL differs from the expected one, or null when it is not a near miss. */
function differences(registered: string, expected: string): string[] | null {
  if (!URL.canParse(registered) || !URL.canParse(expected)) return null;
  const r = new URL(registered);
  const e = new URL(expected);
  const found: string[] = [];
  if (r.protocol !== e.protocol) found.push(`${r.protocol.slice(0, -1)} instead of ${e.protocol.slice(0, -1)}`);
  const hostDiffers = r.host !== e.host;
  if (hostDiffers) found.push(`host ${r.host} instead of ${e.host}`);
  const pathDiffers = stripSlashes(r.pathname) !== stripSlashes(e.pathname);
  if (pathDiffers) found.push(`path ${r.pathname} instead of ${e.pathname}`);
  else if (r.pathname !== e.pathname) found.push("a trailing slash");
  if (r.search || r.hash) found.push("a query string or fragment");
  // Another host and another path: some other endpoint, not a mistyped one.
  if (hostDiffers && pathDiffers) return null;
  return found;
}

/** The endpoint registered for this app: exactly at `expected`, else the closest near miss. */
export function pickEndpoint(endpoints: EndpointFact[], expected: string): EndpointMatch {
  const exact = endpoints.filter((e) => e.url === expected);
  if (exact[0]) return { kind: "exact", endpoint: exact[0], count: exact.length };
  let best: { endpoint: EndpointFact; differences: string[] } | null = null;
  for (const endpoint of endpoints) {
    const d = differences(endpoint.url, expected);
    if (d && d.length > 0 && (!best || d.length < best.differences.length)) best = { endpoint, differences: d };
  }
  return best ? { kind: "near", ...best } : { kind: "none" };
}

function matchOf(f: DoctorFacts): EndpointMatch | null {
  if (!f.appUrl.ok || f.endpoints?.kind !== "ok") return null;
  return pickEndpoint(f.endpoints.value, expectedWebhookUrl(f.appUrl.value));
}

/** Why a later check cannot run when the endpoint list is not there. */
function noEndpointReason(f: DoctorFacts): string {
  if (!f.appUrl.ok) return `APP_URL ${f.appUrl.what}`;
  if (f.endpoints === null) return "no valid Polar token to list the webhook endpoints with (polar-token)";
  if (f.endpoints.kind !== "ok") return "the webhook endpoints could not be listed (webhook-endpoint)";
  return "no webhook endpoint is registered for this app (webhook-endpoint)";
}

function whyNear(differencesFound: string[]): string {
  const notes: string[] = [];
  if (differencesFound.includes("a trailing slash")) {
    notes.push("the app answers the URL with a trailing slash with a 308 redirect to the one without");
  }
  if (differencesFound.some((d) => d.startsWith("host "))) {
    notes.push("a domain that redirects to another (example.com -> www.example.com) answers every delivery with a 3xx");
  }
  notes.push(`Polar counts a redirect or any other non-2xx as a failed delivery and disables the endpoint after ${DISABLE_AFTER} failed events in a row`);
  return notes.join("; ");
}

function checkEndpoint(f: DoctorFacts): CheckResult {
  if (!f.appUrl.ok) return fail("webhook-endpoint", `APP_URL ${f.appUrl.what}`, f.appUrl.hint);
  const expected = expectedWebhookUrl(f.appUrl.value);
  if (f.endpoints === null) return skip("webhook-endpoint", noEndpointReason(f));
  if (f.endpoints.kind !== "ok") {
    const where = describeTarget(f.polarTarget);
    return f.endpoints.kind === "rejected"
      ? fail("webhook-endpoint", `${where} refused to list the webhook endpoints (${f.endpoints.status})`, "give the Organization Access Token the webhooks:read scope (or all scopes)")
      : fail("webhook-endpoint", failedCall(where, f.endpoints), "retry; if it persists, check the token's scopes (webhooks:read)");
  }
  const match = pickEndpoint(f.endpoints.value, expected);
  const register = `in ${WEBHOOKS_SETTINGS} register exactly ${expected}, format Raw, with the events the app maps (README, Events -> models)`;
  if (match.kind === "none") {
    const registered = f.endpoints.value.map((e) => e.url);
    return fail(
      "webhook-endpoint",
      `no endpoint at ${expected}; registered: ${registered.length ? registered.join(", ") : "none"}`,
      register,
    );
  }
  if (match.kind === "near") {
    return fail(
      "webhook-endpoint",
      `the endpoint ${match.endpoint.url} is not ${expected} (${match.differences.join(", ")}): ${whyNear(match.differences)}`,
      `in ${WEBHOOKS_SETTINGS} edit the endpoint's URL to exactly ${expected} (the domain that serves without a redirect, the same as APP_URL)`,
    );
  }
  if (match.endpoint.format !== "raw") {
    return fail(
      "webhook-endpoint",
      `the endpoint at ${expected} has format ${match.endpoint.format}: Polar sends it a chat message, not the event`,
      `in ${WEBHOOKS_SETTINGS} delete it and add it again with format Raw`,
    );
  }
  const twice = match.count > 1 ? ` (${match.count} endpoints at this URL: Polar sends every event to each; the inbox applies it once)` : "";
  return ok("webhook-endpoint", `${expected} is registered (endpoint ${match.endpoint.id}, format raw)${twice}`);
}

// ---------------------------------------------------------------------------------------------
// webhook-reachable

function checkReachable(f: DoctorFacts): CheckResult {
  const r = f.reachable;
  if (!r) return skip("webhook-reachable", `no URL to try: ${noEndpointReason(f)}`);
  const post = `POST ${r.url} (unsigned {}${r.source === "expected" ? ", the URL to register" : ""})`;
  if (r.answer.kind === "unreachable") {
    return fail(
      "webhook-reachable",
      `${post}: no answer: ${r.answer.error}`,
      "deploy the app and check that APP_URL's domain resolves and serves it (Polar waits 10 s for an answer)",
    );
  }
  const { status, location, body } = r.answer;
  if (status >= 300 && status < 400) {
    const target = location && URL.canParse(location, r.url) ? new URL(location, r.url).href : location;
    return fail(
      "webhook-reachable",
      `${post} answered ${status}, a redirect to ${target ?? "(no Location)"}: Polar does not follow redirects, it counts each one as a failed delivery and disables the endpoint after ${DISABLE_AFTER} failed events in a row`,
      `in ${WEBHOOKS_SETTINGS} register the URL that answers without a redirect${target ? ` (${target}, if it is this app's)` : ""}, and set APP_URL to its origin`,
    );
  }
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(body);
  } catch {
    // not JSON: not the app's answer
  }
  const isAppAnswer = status === UNSIGNED_ANSWER.status && JSON.stringify(parsed) === JSON.stringify(UNSIGNED_ANSWER.body);
  if (isAppAnswer) return ok("webhook-reachable", `${post} answered 403 ${body.trim()}, the app's refusal of an unsigned delivery, without a redirect`);
  const shown = body.trim().slice(0, 120) || "(empty)";
  if (status === 401 || status === 403) {
    return fail(
      "webhook-reachable",
      `${post} answered ${status} ${shown}, not the app's 403 {"ok":false,"error":"invalid signature"}: something in front of the app refused it`,
      "Polar cannot pass a login or a challenge: turn off Vercel Deployment Protection / Attack Challenge Mode for this domain, or register the production domain",
    );
  }
  if (status === 404) {
    return fail("webhook-reachable", `${post} answered 404: no webhook route at that URL`, `deploy this app at APP_URL; its route is ${WEBHOOK_PATH}`);
  }
  if (status >= 500) {
    return fail("webhook-reachable", `${post} answered ${status} ${shown}: the app failed`, "read the function's logs in Vercel; a missing or malformed variable stops the app at start (the env check)");
  }
  return fail(
    "webhook-reachable",
    `${post} answered ${status} ${shown}: the app refuses an unsigned delivery with 403, so this is not its webhook route`,
    `check that APP_URL serves this app and that its route ${WEBHOOK_PATH} is deployed`,
  );
}

// ---------------------------------------------------------------------------------------------
// webhook-secret, webhook-enabled, webhook-events

function nearNote(match: EndpointMatch): string {
  return match.kind === "near" ? ` (the endpoint at ${match.endpoint.url}, whose URL is wrong)` : "";
}

function checkSecret(f: DoctorFacts): CheckResult {
  const s = f.webhookSecret;
  if (!s.ok) return fail("webhook-secret", `POLAR_WEBHOOK_SECRET ${s.what}`, s.hint);
  const match = matchOf(f);
  if (!match || match.kind === "none") return skip("webhook-secret", `well-formed, ${describeSecret(s.value)}, but nothing to compare it with: ${noEndpointReason(f)}`);
  const registered = match.endpoint.secret;
  if (s.value === registered) {
    return ok("webhook-secret", `equals the secret of endpoint ${match.endpoint.id}${nearNote(match)}, ${describeSecret(s.value)}`);
  }
  const hints: string[] = [];
  if (s.value.trim() !== s.value || /^["']|["']$/.test(s.value)) hints.push("yours has spaces or quotes around it");
  else if (registered.endsWith(s.value)) {
    // Named only when it is Polar's public prefix: any other missing part is secret material.
    const missing = registered.slice(0, registered.length - s.value.length);
    hints.push(`yours lacks ${missing === "polar_whs_" ? `the beginning "${missing}"` : `its first ${missing.length} characters`}: the whole string is the key`);
  }
  if (registered.startsWith("polar_whs_") !== s.value.startsWith("polar_whs_")) {
    hints.push(`Polar's secrets start with polar_whs_; ${s.value.startsWith("polar_whs_") ? "the endpoint's does not" : "yours does not"}`);
  }
  return fail(
    "webhook-secret",
    `POLAR_WEBHOOK_SECRET, ${describeSecret(s.value)}, is not the secret of endpoint ${match.endpoint.id}${nearNote(match)}, ${describeSecret(registered)}${hints.length ? ` (${hints.join("; ")})` : ""}: every delivery would be refused 403`,
    `copy the endpoint's secret from ${WEBHOOKS_SETTINGS}, whole, into POLAR_WEBHOOK_SECRET where the app runs, and redeploy`,
  );
}

function checkEnabled(f: DoctorFacts): CheckResult {
  const match = matchOf(f);
  if (!match || match.kind === "none") return skip("webhook-enabled", noEndpointReason(f));
  if (match.endpoint.enabled) return ok("webhook-enabled", `endpoint ${match.endpoint.id}${nearNote(match)} is enabled`);
  return fail(
    "webhook-enabled",
    `endpoint ${match.endpoint.id}${nearNote(match)} is disabled: Polar sends it nothing (it disables an endpoint after ${DISABLE_AFTER} failed events in a row)`,
    `fix what made its deliveries fail (the checks above), then in ${WEBHOOKS_SETTINGS} enable the endpoint and redeliver the failed events from its delivery log`,
  );
}

function checkEvents(f: DoctorFacts): CheckResult {
  const match = matchOf(f);
  if (!match || match.kind === "none") return skip("webhook-events", noEndpointReason(f));
  const subscribed = new Set(match.endpoint.events);
  const missing = f.handledEvents.filter((e) => !subscribed.has(e));
  if (missing.length === 0) {
    const more = match.endpoint.events.filter((e) => !f.handledEvents.includes(e)).length;
    return ok("webhook-events", `endpoint ${match.endpoint.id} sends all ${f.handledEvents.length} event types the app maps${more ? ` (and ${more} it stores without applying)` : ""}`);
  }
  return fail(
    "webhook-events",
    `endpoint ${match.endpoint.id}${nearNote(match)} does not send ${missing.length} of the ${f.handledEvents.length} event types the app maps: ${missing.join(", ")}`,
    `in ${WEBHOOKS_SETTINGS} tick them on the endpoint (Events)`,
  );
}

// ---------------------------------------------------------------------------------------------
// products

function checkProducts(f: DoctorFacts): CheckResult {
  const p = f.products;
  if (p === null) return skip("products", "no valid Polar token to list the products with (polar-token)");
  if (p.kind !== "ok") {
    const where = describeTarget(f.polarTarget);
    return p.kind === "rejected"
      ? fail("products", `${where} refused to list the products (${p.status})`, "give the Organization Access Token the products:read scope (or all scopes)")
      : fail("products", failedCall(where, p), "retry; if it persists, check the token's scopes (products:read)");
  }
  const plans = f.paidPlans.join(", ");
  if (p.value.length === 0) {
    return fail("products", "no product is on sale (every product is archived, or there is none)", `create one in Polar (Products) with the metadata key plan = ${f.paidPlans[0] ?? "pro"}`);
  }
  const offenders = p.value.filter((x) => x.plan === null);
  const unsold = f.paidPlans.filter((plan) => !p.value.some((x) => x.plan === plan));
  if (offenders.length === 0 && unsold.length === 0) {
    return ok("products", `${p.value.length} on sale, each with a plan: ${p.value.map((x) => `${x.name} -> ${x.plan}`).join(", ")}`);
  }
  if (offenders.length === 0) {
    return fail(
      "products",
      `no product on sale grants ${unsold.map((u) => `"${u}"`).join(", ")}, which the app's features require (${plans})`,
      `in Polar (Products -> the product -> Metadata) set plan = ${unsold[0]} on the product that sells it`,
    );
  }
  const described = offenders.map((x) =>
    x.rawPlan === null ? `"${x.name}" (${x.id}) has no metadata.plan` : `"${x.name}" (${x.id}) has metadata.plan "${x.rawPlan}", which is empty once trimmed`,
  );
  return fail(
    "products",
    `${offenders.length} of ${p.value.length} products on sale grant nothing: ${described.join("; ")}`,
    `in Polar (Products -> the product -> Metadata) set plan = ${f.paidPlans[0] ?? "pro"}, or archive the product; the pricing page lists only products with a plan, and a purchase of one without grants no plan`,
  );
}

// ---------------------------------------------------------------------------------------------
// cron-secret

function checkCron(f: DoctorFacts): CheckResult {
  if (!f.crons.ok) return fail("cron-secret", `vercel.json could not be read: ${f.crons.error}`, `restore vercel.json with its cron for ${CRON_PATH}`);
  const cron = f.crons.crons.find((c) => c.path === CRON_PATH || c.path.startsWith(`${CRON_PATH}?`));
  if (!cron) return skip("cron-secret", `vercel.json declares no cron for ${CRON_PATH}, so nothing sends CRON_SECRET (the reconciliation and the clean-up never run)`);
  const s = f.cronSecret;
  const runs = `vercel.json runs ${cron.path} "${cron.schedule}"`;
  if (!s.ok) return fail("cron-secret", `${runs} with Authorization: Bearer $CRON_SECRET, but CRON_SECRET ${s.what}`, s.hint);
  return ok("cron-secret", `${runs}; CRON_SECRET is set (${s.value.length} characters)`);
}

// ---------------------------------------------------------------------------------------------

export function runChecks(f: DoctorFacts): CheckResult[] {
  return [
    checkEnv(f),
    checkMongo(f),
    checkEnvironments(f),
    checkToken(f),
    checkEndpoint(f),
    checkReachable(f),
    checkSecret(f),
    checkEnabled(f),
    checkEvents(f),
    checkProducts(f),
    checkCron(f),
  ];
}

/** `ok   name: detail`, `warn name: detail -> fix`, `FAIL name: detail -> fix`, `skip name: detail`. */
export function formatResult(r: CheckResult): string {
  if (r.status === "ok") return `ok   ${r.name}: ${r.detail}`;
  if (r.status === "skip") return `skip ${r.name}: ${r.detail}`;
  if (r.status === "warn") return `warn ${r.name}: ${r.detail} -> ${r.fix ?? ""}`;
  return `FAIL ${r.name}: ${r.detail} -> ${r.fix ?? ""}`;
}

/** A warning passes (the deployment works), and says so. */
export function summaryLine(results: CheckResult[]): string {
  const warned = results.filter((r) => r.status === "warn").length;
  const passed = results.filter((r) => r.status === "ok").length + warned;
  return `doctor: ${passed} of ${results.length} checks passed${warned ? ` (${plural(warned, "warning")})` : ""}`;
}

/** The exit code: 1 when a check failed (a skip follows a failure, which already counts). */
export function exitCode(results: CheckResult[]): number {
  return results.some((r) => r.status === "fail") ? 1 : 0;
}
