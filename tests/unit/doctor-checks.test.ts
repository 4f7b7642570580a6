import { describe, expect, it } from "vitest";
import { MAPPED_EVENT_TYPES } from "@/lib/billing/apply-event";
import {
  CHECK_NAMES,
  describeSecret,
  exitCode,
  formatResult,
  pickEndpoint,
  runChecks,
  summaryLine,
  type CheckName,
  type CheckResult,
  type DoctorFacts,
  type EndpointFact,
  type EnvironmentCounts,
  type EnvironmentTag,
  type ModelIndexes,
  type PolarAnswer,
} from "@/lib/doctor/checks";

// Each check's verdict and wording from facts alone (lib/doctor/checks.ts is pure); the facts
// are gathered against FerretDB and the emulator in tests/integration/doctor.test.ts.

const APP_URL = "https://acme.example";
const WEBHOOK_URL = `${APP_URL}/api/webhooks/polar`;
const SECRET = "polar_whs_ovyN6cPrTv56AApvzCaJno08SSmGJmgbWilb33N2JuK";

const endpoint = (over: Partial<EndpointFact> = {}): EndpointFact => ({
  id: "e1",
  url: WEBHOOK_URL,
  format: "raw",
  secret: SECRET,
  events: [...MAPPED_EVENT_TYPES, "refund.created"],
  enabled: true,
  ...over,
});

const tags = (over: Partial<Record<EnvironmentTag, number>> = {}): Record<EnvironmentTag, number> => ({ local: 0, sandbox: 0, production: 0, untagged: 0, ...over });
const counted = (payments: Partial<Record<EnvironmentTag, number>> = { production: 3 }, subscriptions: Partial<Record<EnvironmentTag, number>> = { production: 1 }): EnvironmentCounts => ({
  kind: "counted",
  payments: tags(payments),
  subscriptions: tags(subscriptions),
});

const users = (over: Partial<ModelIndexes> = {}): ModelIndexes => ({
  model: "User",
  collection: "users",
  declared: 5,
  missing: [],
  ...over,
});

function passing(): DoctorFacts {
  return {
    config: { problems: [], sources: ["the environment"] },
    appUrl: { ok: true, value: APP_URL },
    webhookSecret: { ok: true, value: SECRET },
    cronSecret: { ok: true, value: "c".repeat(44) },
    polarTarget: { kind: "server", server: "production" },
    mongodb: { kind: "connected", target: "cluster0.example.mongodb.net/acme", server: "MongoDB 8.0.4", ferretdb: false, models: [users()], environments: counted() },
    token: { kind: "asked", target: { kind: "server", server: "production" }, answer: { kind: "ok", value: [{ id: "o1", name: "Acme", slug: "acme" }] } },
    endpoints: { kind: "ok", value: [endpoint()] },
    reachable: { url: WEBHOOK_URL, source: "registered", answer: { kind: "answered", status: 403, location: null, body: '{"ok":false,"error":"invalid signature"}' } },
    products: { kind: "ok", value: [{ id: "p1", name: "Pro", plan: "pro", rawPlan: "pro" }] },
    crons: { ok: true, crons: [{ path: "/api/cron/billing", schedule: "0 5 * * *" }] },
    handledEvents: [...MAPPED_EVENT_TYPES],
    paidPlans: ["pro"],
  };
}

function check(facts: DoctorFacts, name: CheckName): CheckResult {
  const result = runChecks(facts).find((r) => r.name === name);
  if (!result) throw new Error(`no ${name} result`);
  return result;
}

function line(facts: DoctorFacts, name: CheckName): string {
  return formatResult(check(facts, name));
}

const rejected: PolarAnswer<never> = { kind: "rejected", status: 401 };

describe("a deployment where everything holds", () => {
  it("passes every check, in the documented order, and exits 0", () => {
    const results = runChecks(passing());
    expect(results.map((r) => r.name)).toEqual([...CHECK_NAMES]);
    expect(results.filter((r) => r.status !== "ok")).toEqual([]);
    expect(summaryLine(results)).toBe("doctor: 11 of 11 checks passed");
    expect(exitCode(results)).toBe(0);
    expect(line(passing(), "polar-token")).toBe("ok   polar-token: Polar production (api.polar.sh) accepts the token: organization Acme (acme)");
  });

  it("never prints a secret", () => {
    const text = runChecks(passing()).map(formatResult).join("\n");
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain("c".repeat(44));
    expect(describeSecret(SECRET)).toBe("polar_whs_… (53 characters)");
  });
});

describe("env", () => {
  it("fails with every problem parseEnv names", () => {
    const f = passing();
    f.config.problems = ["NEXTAUTH_SECRET is required: generate one"];
    expect(line(f, "env")).toMatch(/^FAIL env: the app would refuse to start \(from the environment\): NEXTAUTH_SECRET is required: generate one -> set each one/);
  });
});

describe("mongodb", () => {
  it("names an unreachable server without its credentials and says how to fix it", () => {
    const f = passing();
    f.mongodb = { kind: "unreachable", target: "127.0.0.1:1/acme", error: "MongooseServerSelectionError: connect ECONNREFUSED 127.0.0.1:1" };
    expect(line(f, "mongodb")).toMatch(/^FAIL mongodb: no server answered at 127\.0\.0\.1:1\/acme .*ECONNREFUSED.* -> check MONGODB_URI .*0\.0\.0\.0\/0/);
  });

  it("fails on MONGODB_URI itself", () => {
    const f = passing();
    f.mongodb = { kind: "not-configured", what: "must start with mongodb:// or mongodb+srv://", hint: "set it" };
    expect(line(f, "mongodb")).toBe("FAIL mongodb: MONGODB_URI must start with mongodb:// or mongodb+srv:// -> set it");
  });

  it("names a missing index by collection and key, and the app's way of creating it", () => {
    const f = passing();
    f.mongodb = {
      kind: "connected",
      target: "db/acme",
      server: "MongoDB 8.0.4",
      ferretdb: false,
      models: [users({ missing: [{ key: { email: 1 }, options: { unique: true, background: true } }] })],
      environments: counted(),
    };
    const text = line(f, "mongodb");
    expect(text).toMatch(/^FAIL mongodb: MongoDB 8\.0\.4 at db\/acme: 1 of 5 declared indexes missing: users \{email: 1\} \(unique\) -> /);
    expect(text).toContain("buildIndexes");
    expect(text).toContain('the billing cron loads every model: call it once (curl -H "Authorization: Bearer $CRON_SECRET" https://acme.example/api/cron/billing)');
    expect(text).toContain('db.users.createIndex({"email":1}, {"unique":true})');
  });

  it("reports a model whose indexes could not be compared", () => {
    const f = passing();
    f.mongodb = { kind: "connected", target: "db/acme", server: "MongoDB 8.0.4", ferretdb: false, models: [users({ error: "not authorized" })], environments: counted() };
    expect(line(f, "mongodb")).toMatch(/^FAIL mongodb: .*users \(not authorized\)/);
  });


  it("on FerretDB, a partial index is really missing, and the fix says FerretDB refuses it", () => {
    const f = passing();
    f.mongodb = {
      kind: "connected",
      target: "t",
      server: "FerretDB v1.24.2",
      ferretdb: true,
      models: [users({ missing: [{ key: { a: 1 }, options: { partialFilterExpression: { a: { $exists: true } } } }] })],
      environments: counted(),
    };
    expect(line(f, "mongodb")).toMatch(/users \{a: 1\} \(partial\).*FerretDB refuses partial and TTL indexes/);
  });
});

describe("environments (issue 22, item 3: Preview gets a database of its own)", () => {
  const withCounts = (environments: EnvironmentCounts, target: DoctorFacts["polarTarget"] = { kind: "server", server: "production" }) => {
    const f = passing();
    f.polarTarget = target;
    if (f.mongodb.kind === "connected") f.mongodb = { ...f.mongodb, environments };
    return f;
  };

  it("passes when every fact is of this configuration's Polar, and counts untagged ones as its own", () => {
    expect(line(withCounts(counted({ production: 3, untagged: 2 }, { production: 1 })), "environments")).toBe(
      "ok   environments: every payment and subscription at cluster0.example.mongodb.net/acme is of Polar production, this configuration's Polar (4 facts; 2 facts stored before facts recorded their environment count as Polar production's)",
    );
  });

  it("fails on production when a sandbox deployment wrote into its database, and points at the README", () => {
    const f = withCounts(counted({ production: 3, sandbox: 2 }, { sandbox: 1 }));
    const text = line(f, "environments");
    expect(text).toMatch(/^FAIL environments: cluster0\.example\.mongodb\.net\/acme holds facts of another Polar environment than this configuration's \(Polar production\): 2 payments and 1 subscription of Polar sandbox\. /);
    expect(text).toContain('-> give each deployment its own database, as the README says (Deploying to Vercel, step 1: "Preview gets a database of its own")');
    expect(exitCode(runChecks(f))).toBe(1);
  });

  it("warns elsewhere (a preview, or the local stack), and the run still passes", () => {
    const f = withCounts(counted({ local: 5, production: 1 }, {}), { kind: "server", server: "sandbox" });
    expect(line(f, "environments")).toMatch(/^warn environments: .* \(Polar sandbox\): 5 payments and 0 subscriptions of the local emulator; 1 payment and 0 subscriptions of Polar production\. .* -> give each deployment/);
    const results = runChecks(f);
    expect(exitCode(results)).toBe(0);
    expect(summaryLine(results)).toBe("doctor: 11 of 11 checks passed (1 warning)");
    const local = withCounts(counted({ local: 1 }, { sandbox: 1 }), { kind: "url", url: "http://127.0.0.1:7100" });
    expect(check(local, "environments")).toMatchObject({ status: "warn", detail: expect.stringContaining("0 payments and 1 subscription of Polar sandbox") });
  });

  it("skips without a database, and fails when the counts could not be read", () => {
    const f = passing();
    f.mongodb = { kind: "unreachable", target: "x", error: "down" };
    expect(line(f, "environments")).toBe("skip environments: no database to look in (mongodb)");
    expect(line(withCounts({ kind: "failed", error: "MongoServerError: not authorized" }), "environments")).toMatch(/^FAIL environments: could not count .* not authorized -> check that MONGODB_URI's user may read/);
  });
});

describe("polar-token", () => {
  it('says "a sandbox token against production" when production refuses it and sandbox accepts it', () => {
    const f = passing();
    f.token = {
      kind: "asked",
      target: { kind: "server", server: "production" },
      answer: rejected,
      other: { server: "sandbox", answer: { kind: "ok", value: [{ id: "o1", name: "Acme", slug: "acme" }] } },
    };
    const text = line(f, "polar-token");
    expect(text).toMatch(/^FAIL polar-token: a sandbox token against production: /);
    expect(text).toContain("-> set POLAR_SERVER=sandbox");
    expect(text).toContain("or create an Organization Access Token on polar.sh");
  });

  it('says "a production token against sandbox" the other way round', () => {
    const f = passing();
    f.token = {
      kind: "asked",
      target: { kind: "server", server: "sandbox" },
      answer: rejected,
      other: { server: "production", answer: { kind: "ok", value: [{ id: "o1", name: "Acme", slug: "acme" }] } },
    };
    expect(line(f, "polar-token")).toMatch(/^FAIL polar-token: a production token against sandbox: .* -> set POLAR_SERVER=production/);
  });

  it("a token both servers refuse is expired, revoked or mistyped", () => {
    const f = passing();
    f.token = { kind: "asked", target: { kind: "server", server: "production" }, answer: rejected, other: { server: "sandbox", answer: rejected } };
    expect(line(f, "polar-token")).toMatch(/refused POLAR_ACCESS_TOKEN \(401\), and so did Polar sandbox: expired, revoked or mistyped -> create a new/);
  });

  it("a 403 is a token without the scope, not a wrong one", () => {
    const f = passing();
    f.token = { kind: "asked", target: { kind: "server", server: "production" }, answer: { kind: "rejected", status: 403 } };
    expect(line(f, "polar-token")).toMatch(/^FAIL polar-token: Polar production \(api\.polar\.sh\) knows the token but refused it \(403\): it lacks the organizations:read scope -> /);
  });

  it("an API URL (the emulator) is not cross-checked", () => {
    const f = passing();
    f.token = { kind: "asked", target: { kind: "url", url: "http://127.0.0.1:7100" }, answer: rejected };
    expect(line(f, "polar-token")).toMatch(/^FAIL polar-token: the Polar API at http:\/\/127\.0\.0\.1:7100 refused POLAR_ACCESS_TOKEN \(401\): /);
  });

  it("an answer the SDK cannot parse, or no answer, is not a token problem", () => {
    const f = passing();
    f.token = { kind: "asked", target: { kind: "url", url: "http://x" }, answer: { kind: "failed", reason: "unparsable", status: 200, message: "expected string" } };
    expect(line(f, "polar-token")).toMatch(/answered 200 with something @polar-sh\/sdk's parser refused: expected string -> POLAR_API_URL must be/);
    f.token.answer = { kind: "failed", reason: "unreachable", status: null, message: "ConnectionError: refused" };
    expect(line(f, "polar-token")).toMatch(/could not be reached: ConnectionError: refused/);
  });

  it("fails without a token, and later Polar checks are skipped", () => {
    const f = passing();
    f.token = { kind: "not-configured", what: "is required", hint: "create one" };
    f.endpoints = null;
    f.products = null;
    f.reachable = null;
    expect(line(f, "polar-token")).toBe("FAIL polar-token: POLAR_ACCESS_TOKEN is required -> create one");
    expect(check(f, "webhook-endpoint").status).toBe("skip");
    expect(check(f, "webhook-enabled").status).toBe("skip");
    expect(check(f, "products").status).toBe("skip");
    expect(exitCode(runChecks(f))).toBe(1);
  });
});

describe("webhook-endpoint", () => {
  it("finds the endpoint registered exactly at APP_URL/api/webhooks/polar", () => {
    expect(pickEndpoint([endpoint({ id: "other", url: "https://other.example/hook" }), endpoint()], WEBHOOK_URL)).toMatchObject({ kind: "exact", count: 1 });
  });

  it.each([
    [`${WEBHOOK_URL}/`, "a trailing slash", /308 redirect/],
    ["http://acme.example/api/webhooks/polar", "http instead of https", /non-2xx/],
    ["https://www.acme.example/api/webhooks/polar", "host www.acme.example instead of acme.example", /redirects to another/],
    ["https://acme.example/api/webhook", "path /api/webhook instead of /api/webhooks/polar", /non-2xx/],
  ])("names a near miss: %s (%s)", (url, difference, why) => {
    const f = passing();
    f.endpoints = { kind: "ok", value: [endpoint({ url })] };
    const text = line(f, "webhook-endpoint");
    expect(text).toContain(`FAIL webhook-endpoint: the endpoint ${url} is not ${WEBHOOK_URL} (${difference})`);
    expect(text).toMatch(why);
    expect(text).toContain(`-> in Polar (Settings -> Webhooks) edit the endpoint's URL to exactly ${WEBHOOK_URL}`);
    // The later checks look at that endpoint, and say so.
    expect(line(f, "webhook-secret")).toContain(`(the endpoint at ${url}, whose URL is wrong)`);
  });

  it("lists what is registered when nothing is close", () => {
    const f = passing();
    f.endpoints = { kind: "ok", value: [endpoint({ url: "https://hooks.other.example/in" })] };
    expect(line(f, "webhook-endpoint")).toBe(
      `FAIL webhook-endpoint: no endpoint at ${WEBHOOK_URL}; registered: https://hooks.other.example/in -> in Polar (Settings -> Webhooks) register exactly ${WEBHOOK_URL}, format Raw, with the events the app maps (README, Events -> models)`,
    );
    expect(check(f, "webhook-secret").status).toBe("skip");
    f.endpoints = { kind: "ok", value: [] };
    expect(line(f, "webhook-endpoint")).toContain("registered: none");
  });

  it("refuses a Slack- or Discord-format endpoint", () => {
    const f = passing();
    f.endpoints = { kind: "ok", value: [endpoint({ format: "slack" })] };
    expect(line(f, "webhook-endpoint")).toMatch(/has format slack: .* -> .*format Raw/);
  });

  it("fails on a bad APP_URL and a refused listing", () => {
    const f = passing();
    f.endpoints = rejected;
    expect(line(f, "webhook-endpoint")).toMatch(/refused to list the webhook endpoints \(401\) -> .*webhooks:read/);
    f.appUrl = { ok: false, what: "is required", hint: "set it" };
    expect(line(f, "webhook-endpoint")).toBe("FAIL webhook-endpoint: APP_URL is required -> set it");
  });
});

describe("webhook-reachable", () => {
  const answered = (status: number, body: string, location: string | null = null): DoctorFacts => {
    const f = passing();
    f.reachable = { url: `${WEBHOOK_URL}/`, source: "registered", answer: { kind: "answered", status, location, body } };
    return f;
  };

  it("a redirect fails, naming the status, the Location and what Polar does with it", () => {
    const text = line(answered(308, "/api/webhooks/polar", "/api/webhooks/polar"), "webhook-reachable");
    expect(text).toMatch(/^FAIL webhook-reachable: POST https:\/\/acme\.example\/api\/webhooks\/polar\/ \(unsigned \{\}\) answered 308, a redirect to https:\/\/acme\.example\/api\/webhooks\/polar: /);
    expect(text).toContain("Polar does not follow redirects, it counts each one as a failed delivery and disables the endpoint after 10 failed events in a row");
  });

  it("the app's own 403 invalid signature passes; another 403 or a 2xx does not", () => {
    expect(check(answered(403, '{"ok":false,"error":"invalid signature"}'), "webhook-reachable").status).toBe("ok");
    expect(line(answered(403, "Forbidden"), "webhook-reachable")).toMatch(/not the app's 403 .*something in front of the app refused it -> .*Deployment Protection/);
    expect(line(answered(200, "{}"), "webhook-reachable")).toMatch(/answered 200 \{\}: the app refuses an unsigned delivery with 403, so this is not its webhook route/);
    expect(line(answered(404, "Not found"), "webhook-reachable")).toMatch(/answered 404: no webhook route/);
    expect(line(answered(500, "boom"), "webhook-reachable")).toMatch(/answered 500 boom: the app failed -> read the function's logs/);
  });

  it("no answer is a failure", () => {
    const f = passing();
    f.reachable = { url: WEBHOOK_URL, source: "expected", answer: { kind: "unreachable", error: "fetch failed: connect ECONNREFUSED" } };
    expect(line(f, "webhook-reachable")).toMatch(/^FAIL webhook-reachable: POST .* \(unsigned \{\}, the URL to register\): no answer: fetch failed: connect ECONNREFUSED -> deploy the app/);
  });

  it("is skipped when there is no URL to try", () => {
    const f = passing();
    f.reachable = null;
    f.appUrl = { ok: false, what: "is required", hint: "" };
    expect(line(f, "webhook-reachable")).toBe("skip webhook-reachable: no URL to try: APP_URL is required");
  });
});

describe("webhook-secret", () => {
  it("fails when POLAR_WEBHOOK_SECRET is not the endpoint's, without printing either", () => {
    const f = passing();
    f.webhookSecret = { ok: true, value: "whsec_an_old_local_secret_0123456789" };
    const text = line(f, "webhook-secret");
    expect(text).toMatch(/^FAIL webhook-secret: POLAR_WEBHOOK_SECRET, whsec_… \(36 characters\), is not the secret of endpoint e1, polar_whs_… \(53 characters\)/);
    expect(text).toContain("Polar's secrets start with polar_whs_; yours does not");
    expect(text).toContain("every delivery would be refused 403");
    expect(text).not.toContain("an_old_local");
  });

  it("spots a secret pasted without its prefix, or with spaces", () => {
    const f = passing();
    f.webhookSecret = { ok: true, value: SECRET.slice("polar_whs_".length) };
    expect(line(f, "webhook-secret")).toContain('yours lacks the beginning "polar_whs_"');
    // Any other missing part is secret material: counted, never shown.
    f.webhookSecret = { ok: true, value: SECRET.slice(20) };
    expect(line(f, "webhook-secret")).toContain("yours lacks its first 20 characters");
    expect(line(f, "webhook-secret")).not.toContain(SECRET.slice(10, 20));
    f.webhookSecret = { ok: true, value: ` ${SECRET}` };
    expect(line(f, "webhook-secret")).toContain("spaces or quotes");
  });

  it("fails on the format lib/env.ts refuses; skips the comparison without an endpoint", () => {
    const f = passing();
    f.webhookSecret = { ok: false, what: "must be at least 24 characters", hint: "copy the whole secret" };
    expect(line(f, "webhook-secret")).toBe("FAIL webhook-secret: POLAR_WEBHOOK_SECRET must be at least 24 characters -> copy the whole secret");
    const g = passing();
    g.endpoints = { kind: "ok", value: [] };
    expect(line(g, "webhook-secret")).toMatch(/^skip webhook-secret: well-formed, polar_whs_… \(53 characters\), but nothing to compare it with/);
  });
});

describe("webhook-enabled", () => {
  it("fails on a disabled endpoint with the fix: re-enable after fixing", () => {
    const f = passing();
    f.endpoints = { kind: "ok", value: [endpoint({ enabled: false })] };
    expect(line(f, "webhook-enabled")).toBe(
      "FAIL webhook-enabled: endpoint e1 is disabled: Polar sends it nothing (it disables an endpoint after 10 failed events in a row) -> fix what made its deliveries fail (the checks above), then in Polar (Settings -> Webhooks) enable the endpoint and redeliver the failed events from its delivery log",
    );
  });
});

describe("webhook-events", () => {
  it("names the mapped events the endpoint does not send", () => {
    const f = passing();
    f.endpoints = { kind: "ok", value: [endpoint({ events: [...MAPPED_EVENT_TYPES].filter((e) => e !== "order.paid" && e !== "subscription.revoked") })] };
    expect(line(f, "webhook-events")).toBe(
      `FAIL webhook-events: endpoint e1 does not send 2 of the ${MAPPED_EVENT_TYPES.size} event types the app maps: order.paid, subscription.revoked -> in Polar (Settings -> Webhooks) tick them on the endpoint (Events)`,
    );
  });

  it("passes with extra events the app stores without applying", () => {
    expect(line(passing(), "webhook-events")).toBe(`ok   webhook-events: endpoint e1 sends all ${MAPPED_EVENT_TYPES.size} event types the app maps (and 1 it stores without applying)`);
  });
});

describe("products", () => {
  it("lists the products on sale without a plan; a tier the code never names is data, and passes", () => {
    const f = passing();
    f.products = {
      kind: "ok",
      value: [
        { id: "p1", name: "Pro", plan: "pro", rawPlan: "pro" },
        { id: "p2", name: "Team", plan: null, rawPlan: null },
        { id: "p3", name: "Enterprise", plan: "enterprise", rawPlan: "Enterprise" },
        { id: "p4", name: "Blank", plan: null, rawPlan: "  " },
      ],
    };
    expect(line(f, "products")).toMatch(
      /^FAIL products: 2 of 4 products on sale grant nothing: "Team" \(p2\) has no metadata\.plan; "Blank" \(p4\) has metadata\.plan " {2}", which is empty once trimmed -> in Polar \(Products -> the product -> Metadata\) set plan = pro, or archive the product/,
    );
    f.products = { kind: "ok", value: [f.products.value[0]!, f.products.value[2]!] };
    expect(line(f, "products")).toBe("ok   products: 2 on sale, each with a plan: Pro -> pro, Enterprise -> enterprise");
  });

  it("fails when no product sells a tier the app's features require", () => {
    const f = passing();
    f.products = { kind: "ok", value: [{ id: "p3", name: "Enterprise", plan: "enterprise", rawPlan: "enterprise" }] };
    expect(line(f, "products")).toMatch(/^FAIL products: no product on sale grants "pro", which the app's features require \(pro\) -> in Polar .* set plan = pro/);
  });

  it("fails when nothing is on sale, and on a refused listing", () => {
    const f = passing();
    f.products = { kind: "ok", value: [] };
    expect(line(f, "products")).toMatch(/^FAIL products: no product is on sale/);
    f.products = rejected;
    expect(line(f, "products")).toMatch(/products:read/);
  });
});

describe("cron-secret", () => {
  it("fails when vercel.json runs the cron and CRON_SECRET is missing or short", () => {
    const f = passing();
    f.cronSecret = { ok: false, what: "is required", hint: "generate one with `openssl rand -base64 32`" };
    expect(line(f, "cron-secret")).toBe(
      'FAIL cron-secret: vercel.json runs /api/cron/billing "0 5 * * *" with Authorization: Bearer $CRON_SECRET, but CRON_SECRET is required -> generate one with `openssl rand -base64 32`',
    );
  });

  it("passes without printing it; is skipped when no cron is declared", () => {
    expect(line(passing(), "cron-secret")).toBe('ok   cron-secret: vercel.json runs /api/cron/billing "0 5 * * *"; CRON_SECRET is set (44 characters)');
    const f = passing();
    f.crons = { ok: true, crons: [] };
    expect(check(f, "cron-secret").status).toBe("skip");
    f.crons = { ok: false, error: "Unexpected token" };
    expect(check(f, "cron-secret").status).toBe("fail");
  });
});

describe("output", () => {
  it("prints ok, FAIL with the fix after ->, skip; the summary counts the passes", () => {
    const results: CheckResult[] = [
      { name: "env", status: "ok", detail: "fine" },
      { name: "mongodb", status: "fail", detail: "broken", fix: "mend it" },
      { name: "polar-token", status: "skip", detail: "no token" },
    ];
    expect(results.map(formatResult)).toEqual(["ok   env: fine", "FAIL mongodb: broken -> mend it", "skip polar-token: no token"]);
    expect(summaryLine(results)).toBe("doctor: 1 of 3 checks passed");
    expect(exitCode(results)).toBe(1);
  });
});
