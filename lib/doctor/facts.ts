import "server-only";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { PolarCore } from "@polar-sh/sdk/core.js";
import { organizationsListOrganizations } from "@polar-sh/sdk/funcs/organizationsListOrganizations.js";
import { productsList } from "@polar-sh/sdk/funcs/productsList.js";
import { webhooksListWebhookEndpoints } from "@polar-sh/sdk/funcs/webhooksListWebhookEndpoints.js";
import { HTTPClientError } from "@polar-sh/sdk/models/errors/httpclienterrors";
import { PolarError } from "@polar-sh/sdk/models/errors/polarerror";
import { ResponseValidationError } from "@polar-sh/sdk/models/errors/responsevalidationerror";
import { unwrap } from "@polar-sh/sdk/types/fp.js";
import mongoose from "mongoose";
import { APPLIED_EVENT_TYPES } from "@/lib/webhooks/apply-polar-event";
import { productFact } from "@/lib/billing/facts";
import { loadAppModels, type AppModel } from "@/lib/db/app-models";
import { parseEnv, EnvError, parseEnvVariable, type EnvVariable } from "@/lib/env";
import { createPolarClient, type PolarServer } from "@/lib/polar/client";
import { describeError } from "@/lib/redact";
import { GATED_PLANS } from "@/lib/billing/rules";
import { POLAR_ENVIRONMENTS } from "@/lib/polar/environment";
import { Payment } from "@/models/Payment";
import { Subscription } from "@/models/Subscription";
import {
  expectedWebhookUrl,
  pickEndpoint,
  type CronFact,
  type DoctorFacts,
  type EnvironmentCounts,
  type EnvironmentTag,
  type EndpointFact,
  type IndexSpec,
  type ModelIndexes,
  type MongoFacts,
  type OrganizationFact,
  type PolarAnswer,
  type PolarTarget,
  type ProductFact,
  type ReachFacts,
  type Setting,
  type TokenFacts,
} from "./checks";

/**
 * `npm run doctor`: looks at the deployment (MongoDB, Polar through the SDK, the webhook URL,
 * vercel.json) and records what it saw as DoctorFacts; lib/doctor/checks.ts judges them.
 * Nothing here writes: the database connection creates no index or collection, and the webhook
 * URL gets an unsigned POST, which the app refuses without storing anything.
 */

// The doctor checks every model; the loader lives with the database code the query check shares.
export { loadAppModels, type AppModel };

export interface GatherOptions {
  /** The configuration to check (process.env with the files the script loaded). */
  env: Record<string, string | undefined>;
  /** Where the configuration came from, for the env line. */
  sources?: string[];
  /** The project directory: vercel.json. Default: the working directory. */
  cwd?: string;
  /** The app's models. Default: every model exported by a file in models/ (loadAppModels). */
  models?: AppModel[];
  /** Polar's delivery timeout: an endpoint slower than this fails there too. */
  reachTimeoutMs?: number;
  /** The app's serverSelectionTimeoutMS (lib/db/options.ts). */
  mongoTimeoutMs?: number;
}

function setting(name: EnvVariable, env: Record<string, string | undefined>): Setting {
  const parsed = parseEnvVariable(name, env);
  if (!parsed.ok) return parsed;
  return { ok: true, value: String(parsed.value) };
}

function configProblems(env: Record<string, string | undefined>): string[] {
  try {
    parseEnv(env);
    return [];
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
}

/** The connection string without its credentials and options: safe to print. */
export function describeMongoTarget(uri: string): string {
  return uri.replace(/^mongodb(\+srv)?:\/\/([^@/]*@)?/, "").split("?")[0] ?? uri;
}

const asRecord = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** diffIndexes({indexOptionsToCreate: true}) lists `[key, options]` pairs; anything else is a key alone. */
function indexSpecs(toCreate: unknown[]): IndexSpec[] {
  return toCreate.map((entry) => (Array.isArray(entry) ? { key: asRecord(entry[0]), options: asRecord(entry[1]) } : { key: asRecord(entry), options: {} }));
}

async function modelIndexes(conn: mongoose.Connection, appModel: AppModel): Promise<ModelIndexes> {
  const collection = appModel.collection.collectionName;
  // The app's schema on the doctor's own connection (autoIndex off): compiling it creates nothing.
  const model = conn.model(appModel.modelName, appModel.schema, collection);
  const declared = appModel.schema.indexes().length;
  try {
    // A missing collection counts as one with no indexes.
    const diff = await model.diffIndexes({ indexOptionsToCreate: true });
    return { model: appModel.modelName, collection, declared, missing: indexSpecs(diff.toCreate) };
  } catch (error) {
    return { model: appModel.modelName, collection, declared, missing: [], error: describeError(error) };
  }
}

/** Each environment's payments and subscriptions (an equality on the indexed `environment`, per tag). */
async function environmentCounts(conn: mongoose.Connection): Promise<EnvironmentCounts> {
  const tags: EnvironmentTag[] = [...POLAR_ENVIRONMENTS, "untagged"];
  const count = async (collection: string): Promise<Record<EnvironmentTag, number>> => {
    const c = conn.db!.collection(collection);
    const n = await Promise.all(tags.map((t) => c.countDocuments({ environment: t === "untagged" ? null : t })));
    return Object.fromEntries(tags.map((t, i) => [t, n[i] ?? 0])) as Record<EnvironmentTag, number>;
  };
  try {
    const [payments, subscriptions] = await Promise.all([count(Payment.collection.collectionName), count(Subscription.collection.collectionName)]);
    return { kind: "counted", payments, subscriptions };
  } catch (error) {
    return { kind: "failed", error: describeError(error) };
  }
}

async function mongoFacts(uri: Setting, models: AppModel[], timeoutMs: number): Promise<MongoFacts> {
  if (!uri.ok) return { kind: "not-configured", what: uri.what, hint: uri.hint };
  const target = describeMongoTarget(uri.value);
  // Its own connection, not lib/db/connect.ts's: connectDb builds every declared index once connected
  // (buildIndexes), which would make each missing index appear the moment it is checked.
  const conn = mongoose.createConnection(uri.value, {
    serverSelectionTimeoutMS: timeoutMs,
    autoIndex: false,
    autoCreate: false,
  });
  try {
    try {
      await conn.asPromise();
    } catch (error) {
      return { kind: "unreachable", target, error: describeError(error) };
    }
    const info = asRecord(await conn.db!.admin().command({ buildInfo: 1 }));
    const ferretdbVersion = typeof info.ferretdbVersion === "string" ? info.ferretdbVersion : null;
    const server = ferretdbVersion ? `FerretDB ${ferretdbVersion}` : `MongoDB ${String(info.version ?? "?")}`;
    const perModel: ModelIndexes[] = [];
    for (const m of models) perModel.push(await modelIndexes(conn, m));
    return { kind: "connected", target, server, ferretdb: ferretdbVersion !== null, models: perModel, environments: await environmentCounts(conn) };
  } finally {
    await conn.close().catch(() => undefined);
  }
}

/** The SDK's error, sorted into what the checks tell apart. */
function failure(error: unknown): Exclude<PolarAnswer<never>, { kind: "ok" }> {
  // First: the parser's refusal is a PolarError too, with the (successful) status of the answer.
  if (error instanceof ResponseValidationError) {
    return { kind: "failed", reason: "unparsable", status: error.statusCode, message: error.pretty().split("\n").slice(0, 6).join(" ").slice(0, 400) };
  }
  if (error instanceof PolarError) {
    if (error.statusCode === 401 || error.statusCode === 403) return { kind: "rejected", status: error.statusCode };
    return { kind: "failed", reason: "http", status: error.statusCode, message: error.body.slice(0, 200) };
  }
  if (error instanceof HTTPClientError) return { kind: "failed", reason: "unreachable", status: null, message: `${error.name}: ${error.message}` };
  return { kind: "failed", reason: "unreachable", status: null, message: describeError(error) };
}

async function ask<T>(call: () => Promise<T>): Promise<PolarAnswer<T>> {
  try {
    return { kind: "ok", value: await call() };
  } catch (error) {
    return failure(error);
  }
}

async function organizations(client: PolarCore): Promise<OrganizationFact[]> {
  const page = unwrap(await organizationsListOrganizations(client, { limit: 100 }));
  return page.result.items.map((o) => ({ id: o.id, name: o.name, slug: o.slug }));
}

async function endpointList(client: PolarCore, organizationId: string | undefined): Promise<EndpointFact[]> {
  const endpoints: EndpointFact[] = [];
  for await (const page of await webhooksListWebhookEndpoints(client, { organizationId, limit: 100 })) {
    for (const e of unwrap(page).result.items) {
      endpoints.push({ id: e.id, url: e.url, format: String(e.format), secret: e.secret, events: e.events.map(String), enabled: e.enabled });
    }
  }
  return endpoints;
}

async function productsOnSale(client: PolarCore): Promise<ProductFact[]> {
  const products: ProductFact[] = [];
  for await (const page of await productsList(client, { isArchived: false, limit: 100 })) {
    for (const p of unwrap(page).result.items) {
      if (p.isArchived) continue;
      const raw = p.metadata.plan;
      // The plan exactly as the app reads it when it syncs the product.
      products.push({ id: p.id, name: p.name, plan: productFact(p).plan, rawPlan: raw === undefined ? null : String(raw) });
    }
  }
  return products;
}

function polarTarget(env: Record<string, string | undefined>): PolarTarget {
  // As lib/polar/client.ts: POLAR_API_URL (the emulator) wins over POLAR_SERVER.
  const url = parseEnvVariable("POLAR_API_URL", env);
  if (url.ok && url.value) return { kind: "url", url: url.value };
  const server = parseEnvVariable("POLAR_SERVER", env);
  return { kind: "server", server: server.ok ? server.value : "sandbox" };
}

const serverOf = (target: PolarTarget): PolarServer => (target.kind === "url" ? { serverURL: target.url } : { server: target.server });

async function tokenFacts(token: string, target: PolarTarget): Promise<TokenFacts> {
  const answer = await ask(() => organizations(createPolarClient(token, serverOf(target))));
  // 403 is a known token without the scope; 401 an unknown one, which may be the other server's.
  if (answer.kind !== "rejected" || answer.status !== 401 || target.kind !== "server") return { kind: "asked", target, answer };
  // Polar's two servers keep separate tokens: a refusal here may be a token from the other one.
  const server = target.server === "production" ? "sandbox" : "production";
  const other = await ask(() => organizations(createPolarClient(token, { server })));
  return { kind: "asked", target, answer, other: { server, answer: other } };
}

/** An unsigned POST, as Polar would send it (no redirect followed, Polar's 10 s timeout). */
async function reach(url: string, source: ReachFacts["source"], timeoutMs: number): Promise<ReachFacts> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "polar-mongo-billing doctor" },
      body: "{}",
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.text()).slice(0, 500);
    return { url, source, answer: { kind: "answered", status: res.status, location: res.headers.get("location"), body } };
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
    const timedOut = error instanceof Error && error.name === "TimeoutError";
    return { url, source, answer: { kind: "unreachable", error: timedOut ? `no answer within ${timeoutMs / 1000} s` : `${describeError(error)}${cause}` } };
  }
}

function cronFacts(cwd: string): DoctorFacts["crons"] {
  const file = join(cwd, "vercel.json");
  if (!existsSync(file)) return { ok: false, error: `${file} does not exist` };
  try {
    const config = asRecord(JSON.parse(readFileSync(file, "utf8")));
    const crons = Array.isArray(config.crons) ? config.crons : [];
    return {
      ok: true,
      crons: crons.map((c): CronFact => {
        const r = asRecord(c);
        return { path: String(r.path ?? ""), schedule: String(r.schedule ?? "") };
      }),
    };
  } catch (error) {
    return { ok: false, error: describeError(error) };
  }
}

export async function gatherFacts(opts: GatherOptions): Promise<DoctorFacts> {
  const { env } = opts;
  const appUrl = setting("APP_URL", env);
  const target = polarTarget(env);
  const token = setting("POLAR_ACCESS_TOKEN", env);
  const models = opts.models ?? (await loadAppModels());

  // The database and Polar are independent: an unreachable cluster's timeout does not delay the rest.
  const mongoPromise = mongoFacts(setting("MONGODB_URI", env), models, opts.mongoTimeoutMs ?? 5_000);

  let tokenResult: DoctorFacts["token"];
  let endpoints: DoctorFacts["endpoints"] = null;
  let products: DoctorFacts["products"] = null;
  if (!token.ok) {
    tokenResult = { kind: "not-configured", what: token.what, hint: token.hint };
  } else {
    tokenResult = await tokenFacts(token.value, target);
    if (tokenResult.answer.kind === "ok") {
      const client = createPolarClient(token.value, serverOf(target));
      const orgs = tokenResult.answer.value;
      // An Organization Access Token sees one organization; with several, every endpoint is a candidate.
      const organizationId = orgs.length === 1 ? orgs[0]?.id : undefined;
      [endpoints, products] = await Promise.all([ask(() => endpointList(client, organizationId)), ask(() => productsOnSale(client))]);
    }
  }

  // The URL Polar would send to: the endpoint registered for this app, even a mistyped one.
  let reachable: ReachFacts | null = null;
  if (appUrl.ok) {
    const expected = expectedWebhookUrl(appUrl.value);
    const match = endpoints?.kind === "ok" ? pickEndpoint(endpoints.value, expected) : { kind: "none" as const };
    reachable =
      match.kind === "none"
        ? await reach(expected, "expected", opts.reachTimeoutMs ?? 10_000)
        : await reach(match.endpoint.url, "registered", opts.reachTimeoutMs ?? 10_000);
  }

  return {
    config: { problems: configProblems(env), sources: opts.sources ?? [] },
    appUrl,
    webhookSecret: setting("POLAR_WEBHOOK_SECRET", env),
    cronSecret: setting("CRON_SECRET", env),
    polarTarget: target,
    mongodb: await mongoPromise,
    token: tokenResult,
    endpoints,
    reachable,
    products,
    crons: cronFacts(opts.cwd ?? process.cwd()),
    handledEvents: [...APPLIED_EVENT_TYPES],
    paidPlans: GATED_PLANS,
  };
}
