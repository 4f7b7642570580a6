import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { APPLIED_EVENT_TYPES } from "@/lib/webhooks/apply-polar-event";
import { runChecks, formatResult, type CheckName, type CheckResult } from "@/lib/doctor/checks";
import { gatherFacts, loadAppModels, type AppModel } from "@/lib/doctor/facts";
import { DriftRepair } from "@/models/DriftRepair";
import { User } from "@/models/User";
import { startPolarEmulator, type PolarEmulator } from "polar-emulator";
import { freePort } from "../../scripts/lib/ports";
import { setupTestDatabase } from "../helpers/db";

// `npm run doctor` against a real FerretDB and a real Polar emulator: every check that does not
// need the running app passes, and each broken configuration fails with its own message. The
// app itself does not run under vitest: `webhook-reachable` here only meets a stand-in server,
// for the doctor's handling of an answer (a redirect, no answer); that the real app answers an
// unsigned delivery 403 without a redirect is proven in tests/e2e/doctor.spec.ts.

const { uri } = setupTestDatabase(import.meta.url);
const TOKEN = "polar_oat_doctor_test_token";
// Shaped like Polar's generated secrets (polar_whs_ + random).
const SECRET = "polar_whs_doctorTestSecret0123456789abcdefghijklmnop";
let emulator: PolarEmulator;
let standIn: Server;
let appUrl: string;
let models: AppModel[];
let closedPort: number;

/**
 * Stands in for the app's answers where a test is about how the doctor reads an answer: 308 to a
 * trailing slash (Next.js redirects it), 200 to a signed delivery, 403 invalid signature otherwise.
 */
function startStandIn(): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume().on("end", () => {
      const path = req.url ?? "/";
      if (path.length > 1 && path.endsWith("/")) {
        res.writeHead(308, { location: path.replace(/\/+$/, "") }).end(path.replace(/\/+$/, ""));
      } else if (req.headers["webhook-signature"]) {
        res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true,"outcome":"accepted"}');
      } else {
        res.writeHead(403, { "content-type": "application/json" }).end('{"ok":false,"error":"invalid signature"}');
      }
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

function config(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    MONGODB_URI: uri,
    POLAR_ACCESS_TOKEN: TOKEN,
    POLAR_API_URL: emulator.url,
    POLAR_WEBHOOK_SECRET: SECRET,
    APP_URL: appUrl,
    NEXTAUTH_SECRET: "n".repeat(40),
    AUTH_LOCAL_OIDC_ISSUER: "http://127.0.0.1:9",
    AUTH_LOCAL_OIDC_ID: "doctor-test",
    AUTH_LOCAL_OIDC_SECRET: "doctor-test-oidc-secret-0123456789",
    CRON_SECRET: "cron-secret-0123456789",
    ...overrides,
  };
}

async function doctor(overrides: Record<string, string | undefined> = {}): Promise<Map<CheckName, CheckResult>> {
  const facts = await gatherFacts({ env: config(overrides), models, reachTimeoutMs: 3_000, mongoTimeoutMs: 2_000 });
  return new Map(runChecks(facts).map((r) => [r.name, r]));
}

async function admin(path: string, body: unknown): Promise<void> {
  const res = await fetch(`${emulator.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status).toBeLessThan(300);
}

function line(results: Map<CheckName, CheckResult>, name: CheckName): string {
  const r = results.get(name);
  if (!r) throw new Error(`no ${name} result`);
  return formatResult(r);
}

beforeAll(async () => {
  // setupTestDatabase builds the indexes of the models its other users need; the doctor checks them all.
  await DriftRepair.createIndexes();
  standIn = await startStandIn();
  const address = standIn.address();
  appUrl = `http://localhost:${typeof address === "object" && address ? address.port : 0}`;
  closedPort = await freePort();
  emulator = await startPolarEmulator({
    port: 0,
    accessTokens: [TOKEN],
    webhookUrl: `${appUrl}/api/webhooks/polar`,
    webhookSecret: SECRET,
    retryScale: 0.001,
    log: () => {},
  });
  models = await loadAppModels();
});

afterEach(async () => {
  // The endpoint and the products go back to how the emulator started.
  await admin("/admin/reset", {});
});

afterAll(async () => {
  await emulator?.stop();
  await new Promise((resolve) => standIn?.close(resolve));
});

describe("npm run doctor against FerretDB and the Polar emulator", () => {
  it("finds every model in models/", () => {
    expect(models.map((m) => m.modelName).sort()).toEqual(["BenefitGrant", "CustomerMeter", "DriftRepair", "ErasedAccount", "Payment", "PortalSession", "Product", "Seat", "Subscription", "Team", "UsageEvent", "User", "WebhookEvent"]);
  });

  it("passes every check that does not need the running app", async () => {
    const results = await doctor();
    const lines = [...results.values()].map(formatResult);
    console.log(`[doctor] against FerretDB and the emulator:\n${lines.join("\n")}`);
    const needsTheApp: CheckName[] = ["webhook-reachable"];
    expect([...results.values()].filter((r) => r.status !== "ok" && !needsTheApp.includes(r.name)).map(formatResult)).toEqual([]);
    // FerretDB: diffIndexes reports no false difference on the app's models.
    expect(line(results, "mongodb")).toMatch(/^ok {3}mongodb: FerretDB v1\.24\.2 at 127\.0\.0\.1:\d+\/t_\w+: all 37 indexes the 13 models declare are there$/);
    expect(line(results, "environments")).toMatch(/^ok {3}environments: every payment and subscription at 127\.0\.0\.1:\d+\/t_\w+ is of the local emulator, this configuration's Polar \(0 facts\)$/);
    expect(line(results, "polar-token")).toBe(`ok   polar-token: the Polar API at ${emulator.url} accepts the token: organization Acme (acme)`);
    expect(line(results, "webhook-endpoint")).toMatch(new RegExp(`^ok {3}webhook-endpoint: ${appUrl}/api/webhooks/polar is registered \\(endpoint [0-9a-f-]{36}, format raw\\)$`));
    expect(line(results, "products")).toBe("ok   products: 7 on sale, each with a plan: Pro -> pro, Pro Monthly -> pro, Pro Trial -> pro, Pro Yearly -> pro, Business Monthly -> business, Business Yearly -> business, Team -> team");
  });

  it("a wrong token: polar-token fails and the Polar checks after it are skipped", async () => {
    const results = await doctor({ POLAR_ACCESS_TOKEN: "polar_oat_not_this_one" });
    expect(line(results, "polar-token")).toBe(
      `FAIL polar-token: the Polar API at ${emulator.url} refused POLAR_ACCESS_TOKEN (401): expired, revoked or mistyped -> use the token the emulator was started with (\`npm run dev\` writes both to .data/local.env)`,
    );
    for (const name of ["webhook-endpoint", "webhook-enabled", "webhook-events", "products"] as const) expect(results.get(name)?.status).toBe("skip");
  });

  it("the endpoint registered with a trailing slash: webhook-endpoint names it, webhook-reachable names the 308", async () => {
    await admin("/admin/endpoint", { url: `${appUrl}/api/webhooks/polar/` });
    const results = await doctor();
    expect(line(results, "webhook-endpoint")).toContain(
      `FAIL webhook-endpoint: the endpoint ${appUrl}/api/webhooks/polar/ is not ${appUrl}/api/webhooks/polar (a trailing slash)`,
    );
    expect(line(results, "webhook-reachable")).toContain(
      `FAIL webhook-reachable: POST ${appUrl}/api/webhooks/polar/ (unsigned {}) answered 308, a redirect to ${appUrl}/api/webhooks/polar: Polar does not follow redirects`,
    );
  });

  it("the endpoint on another host: webhook-endpoint names the host", async () => {
    await admin("/admin/endpoint", { url: `http://127.0.0.1:${closedPort}/api/webhooks/polar` });
    const results = await doctor();
    expect(line(results, "webhook-endpoint")).toContain(`(host 127.0.0.1:${closedPort} instead of ${new URL(appUrl).host})`);
  });

  it("a disabled endpoint: webhook-enabled fails", async () => {
    await admin("/admin/endpoint", { enabled: false });
    const results = await doctor();
    expect(line(results, "webhook-enabled")).toMatch(/^FAIL webhook-enabled: endpoint [0-9a-f-]{36} is disabled: Polar sends it nothing .* -> fix what made its deliveries fail/);
    expect(results.get("webhook-endpoint")?.status).toBe("ok");
  });

  it("an endpoint without some of the app's events: webhook-events names them", async () => {
    await admin("/admin/endpoint", { events: ["checkout.created", "checkout.updated"] });
    const mapped = APPLIED_EVENT_TYPES.size;
    expect(line(await doctor(), "webhook-events")).toMatch(
      new RegExp(`^FAIL webhook-events: endpoint .* does not send ${mapped - 2} of the ${mapped} event types the app maps: checkout\\.expired, customer\\.created, `),
    );
  });

  it("a POLAR_WEBHOOK_SECRET that is not the endpoint's: webhook-secret fails", async () => {
    const results = await doctor({ POLAR_WEBHOOK_SECRET: "polar_whs_someOtherEndpointsSecret0123456789abcdef" });
    expect(line(results, "webhook-secret")).toMatch(
      /^FAIL webhook-secret: POLAR_WEBHOOK_SECRET, polar_whs_… \(50 characters\), is not the secret of endpoint [0-9a-f-]{36}, polar_whs_… \(52 characters\): every delivery would be refused 403 -> copy the endpoint's secret/,
    );
  });

  it("a product without plan metadata fails products; a tier the code does not name is data and passes", async () => {
    await admin("/admin/products", { id: "66666666-6666-4666-8666-666666666666", name: "Team", priceAmount: 4900 });
    await admin("/admin/products/7c1f0e3a-52a4-4d5e-9b1a-2f7d6c3b8e90", { metadata: { plan: "enterprise" } });
    const results = await doctor();
    const onSale = (await (await fetch(`${emulator.url}/v1/products/?is_archived=false&limit=100`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { items: unknown[] };
    expect(line(results, "products")).toBe(
      `FAIL products: 1 of ${onSale.items.length} products on sale grant nothing: ` +
        '"Team" (66666666-6666-4666-8666-666666666666) has no metadata.plan -> in Polar (Products -> the product -> Metadata) set plan = pro, or archive the product; the pricing page lists only products with a plan, and a purchase of one without grants no plan',
    );
    // An archived product is not on sale, whatever its metadata.
    await admin("/admin/products/7c1f0e3a-52a4-4d5e-9b1a-2f7d6c3b8e90", { isArchived: true });
    await admin("/admin/products/66666666-6666-4666-8666-666666666666", { isArchived: true });
    expect((await doctor()).get("products")?.status).toBe("ok");
  });

  it("an unreachable MongoDB (a closed port): mongodb fails within the selection timeout", async () => {
    const results = await doctor({ MONGODB_URI: `mongodb://doctor:hunter2@127.0.0.1:${closedPort}/doctor?authSource=admin` });
    const text = line(results, "mongodb");
    expect(text).toMatch(new RegExp(`^FAIL mongodb: no server answered at 127\\.0\\.0\\.1:${closedPort}/doctor within the selection timeout: .*ECONNREFUSED`));
    expect(text).not.toContain("hunter2");
  });

  it("a missing index: mongodb names the collection and the key", async () => {
    await User.collection.dropIndex("planUntil_1");
    try {
      const text = line(await doctor(), "mongodb");
      expect(text).toMatch(/^FAIL mongodb: FerretDB v1\.24\.2 at .*: 1 of 37 declared indexes missing: users \{planUntil: 1\} -> the app creates them itself/);
      expect(text).toContain('db.users.createIndex({"planUntil":1})');
    } finally {
      await User.createIndexes();
    }
  });

  it("no CRON_SECRET: cron-secret fails, and env says the app would not start", async () => {
    const results = await doctor({ CRON_SECRET: undefined });
    expect(line(results, "cron-secret")).toMatch(/^FAIL cron-secret: vercel\.json runs \/api\/cron\/billing "0 5 \* \* \*" with Authorization: Bearer \$CRON_SECRET, but CRON_SECRET is required -> generate one/);
    expect(line(results, "env")).toMatch(/^FAIL env: the app would refuse to start: CRON_SECRET is required/);
  });

  it("a sandbox deployment's payment in this database: environments warns (this configuration is the emulator) and points at the README", async () => {
    const { Payment } = await import("@/models/Payment");
    await Payment.create({ checkoutId: "co_from_a_preview", customerEmail: "preview@example.com", status: "completed", environment: "sandbox" });
    await Payment.create({ checkoutId: "co_from_before", customerEmail: "old@example.com", status: "completed" });
    try {
      const results = await doctor();
      expect(line(results, "environments")).toMatch(
        /^warn environments: 127\.0\.0\.1:\d+\/t_\w+ holds facts of another Polar environment than this configuration's \(the local emulator\): 1 payment and 0 subscriptions of Polar sandbox\. .*; 1 fact stored before facts recorded their environment count as the local emulator's -> give each deployment its own database, as the README says/,
      );
      // A warning, not a failure: off production the run still passes.
      expect([...results.values()].filter((r) => r.status === "fail" && r.name !== "webhook-reachable")).toEqual([]);
    } finally {
      await Payment.deleteMany({});
    }
  });

  it("webhook-reachable: a URL nothing listens on is a failure", async () => {
    const closed = `http://127.0.0.1:${closedPort}`;
    await admin("/admin/endpoint", { url: `${closed}/api/webhooks/polar` });
    const results = await doctor({ APP_URL: closed });
    expect(results.get("webhook-endpoint")?.status).toBe("ok");
    expect(line(results, "webhook-reachable")).toMatch(new RegExp(`^FAIL webhook-reachable: POST ${closed}/api/webhooks/polar \\(unsigned \\{\\}\\): no answer: .*ECONNREFUSED`));
  });
});

describe("scripts/doctor.ts", () => {
  async function runScript(overrides: Record<string, string | undefined>): Promise<{ code: number | null; stdout: string }> {
    const dir = mkdtempSync(join(tmpdir(), "doctor-"));
    const file = join(dir, "production.env");
    const vars = Object.entries(config(overrides)).filter((e): e is [string, string] => e[1] !== undefined);
    writeFileSync(file, vars.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join("\n"));
    try {
      // Only the file: the test process's own variables (MONGODB_URI and more) must not leak in.
      const child = spawn("node_modules/.bin/tsx", ["--conditions=react-server", "scripts/doctor.ts", "--env-file", file], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production" },
      });
      let stdout = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => process.stderr.write(chunk));
      const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
      return { code, stdout };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it("prints one line per check and a summary; exit 0 when all pass, 1 when one fails", { timeout: 60_000 }, async () => {
    const passing = await runScript({});
    console.log(`[doctor] scripts/doctor.ts --env-file (webhook-reachable against the stand-in):\n${passing.stdout}`);
    const lines = passing.stdout.trim().split("\n");
    expect(lines).toHaveLength(12);
    expect(lines.slice(0, 11).every((l) => l.startsWith("ok   "))).toBe(true);
    expect(lines[11]).toBe("doctor: 11 of 11 checks passed");
    expect(passing.code).toBe(0);

    const failing = await runScript({ POLAR_WEBHOOK_SECRET: "polar_whs_someOtherEndpointsSecret0123456789abcdef" });
    expect(failing.stdout).toMatch(/^FAIL webhook-secret: /m);
    expect(failing.stdout.trim().split("\n").at(-1)).toBe("doctor: 10 of 11 checks passed");
    expect(failing.code).toBe(1);
  });
});
