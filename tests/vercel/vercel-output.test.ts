import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CRON_BUDGET_MS } from "@/lib/cron/run";
import { envHints } from "@/lib/env";
import { LEASE_MS } from "@/lib/webhooks/inbox";
import {
  checkVercelOutput,
  CRON_PATH,
  MAX_DURATION_BOUNDS,
  MONGOOSE_SIGNATURE,
  routeBeforeFilesystem,
  WEBHOOK_PATH,
  type Check,
  type Route,
} from "../../scripts/lib/vercel-output";
import { SERVER_SECRET_NAMES } from "../../scripts/lib/secret-scan";

/**
 * Vercel's Build Output of this project, made by `npm run build:vercel` (scripts/test.ts runs it
 * first). The real output must pass every check; each mistake planted in a copy of it, or in a
 * copy of the source built again, must fail its own check.
 */

const projectDir = process.cwd();
const realOutput = join(projectDir, ".vercel", "output");
const scratch = join(projectDir, ".data", "vercel-checks");
const secretValues = { CRON_SECRET: "cron-secret-for-the-output-checks-0123456789", POLAR_ACCESS_TOKEN: "polar_oat_output_checks_abcdef" };
const expectedCrons = [{ path: CRON_PATH, schedule: "0 5 * * *" }];

function failed(checks: Check[]): Record<string, string> {
  return Object.fromEntries(checks.filter((c) => !c.ok).map((c) => [c.name, c.detail]));
}

let copies = 0;
/** A copy of the real output (symlinks kept: Vercel groups functions that way) to plant a mistake in. */
/**
 * A copy of the real output to plant a mistake in. The build links routes whose functions are
 * identical to one directory (the billing cron to the webhook's, at times): `dereference` copies
 * each link as a directory of its own, so one function can be removed alone.
 */
function outputCopy(opts: { dereference?: boolean } = {}): string {
  const dir = join(scratch, `output-${++copies}`);
  cpSync(realOutput, dir, opts.dereference ? { recursive: true, dereference: true } : { recursive: true, verbatimSymlinks: true });
  return dir;
}

function check(outputDir: string, crons = expectedCrons): Check[] {
  return checkVercelOutput({ outputDir, projectDir, secretValues, expectedCrons: crons }).checks;
}

function editJson(file: string, edit: (value: Record<string, unknown>) => void): void {
  const value = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  edit(value);
  writeFileSync(file, JSON.stringify(value));
}

function firstStaticChunk(outputDir: string): string {
  const dir = join(outputDir, "static", "_next", "static", "chunks");
  const name = readdirSync(dir).find((f) => f.endsWith(".js"));
  if (!name) throw new Error(`no chunk in ${dir}`);
  return join(dir, name);
}

beforeAll(() => {
  if (!existsSync(join(realOutput, "config.json"))) {
    throw new Error(`no Vercel build output at ${realOutput}: run \`npm run build:vercel\` first`);
  }
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the real build output", () => {
  it("passes every check", () => {
    const checks = check(realOutput);
    expect(checks.map((c) => c.name)).toEqual(["node-runtime", "max-duration", "crons", "function-size", "static-secrets", "webhook-route", "one-mongoose"]);
    expect(failed(checks)).toEqual({});
  });

  it("serves the webhook URL as registered, and redirects it with a trailing slash (308)", () => {
    const { routes } = JSON.parse(readFileSync(join(realOutput, "config.json"), "utf8")) as { routes: Route[] };
    expect(routeBeforeFilesystem(routes, WEBHOOK_PATH, { "content-type": "application/json" })).toEqual({ middleware: false, path: WEBHOOK_PATH });
    // Why the README says to register the URL exactly: Polar counts this 308 as a failed delivery.
    expect(routeBeforeFilesystem(routes, `${WEBHOOK_PATH}/`, {}).redirect?.status).toBe(308);
  });
});

describe("the bounds follow the code", () => {
  it("the cron function outlives its work budget by 10 s, the webhook function never outlives an inbox lease", () => {
    expect(MAX_DURATION_BOUNDS[CRON_PATH]!.min * 1000).toBeGreaterThanOrEqual(CRON_BUDGET_MS + 10_000);
    expect(MAX_DURATION_BOUNDS[WEBHOOK_PATH]!.max * 1000).toBeLessThanOrEqual(LEASE_MS);
  });

  it("every secret the app reads is a name the static output is searched for", () => {
    const secretLike = Object.keys(envHints).filter((name) => /SECRET|TOKEN|MONGODB_URI/.test(name));
    expect(secretLike.length).toBeGreaterThan(5);
    expect(secretLike.filter((name) => !(SERVER_SECRET_NAMES as readonly string[]).includes(name))).toEqual([]);
  });
});

describe("a mistake planted in a copy of the output fails its check", () => {
  it("the webhook function on the edge runtime", () => {
    const out = outputCopy();
    const fn = join(out, "functions", "api", "webhooks", "polar.func");
    rmSync(fn, { recursive: true, force: true });
    mkdirSync(fn);
    // What Vercel writes for an edge route (the shape of this build's middleware function).
    writeFileSync(join(fn, ".vc-config.json"), JSON.stringify({ runtime: "edge", name: "api/webhooks/polar", deploymentTarget: "v8-worker", entrypoint: "index.js" }));
    writeFileSync(join(fn, "index.js"), 'import mongoose from "mongoose";');
    const problems = failed(check(out));
    expect(problems["node-runtime"]).toContain(`${WEBHOOK_PATH} runs on "edge", not Node.js`);
    expect(problems["max-duration"]).toContain(`${WEBHOOK_PATH}: no maxDuration`);
  });

  it("a page that reaches MongoDB on the edge runtime", () => {
    const out = outputCopy();
    editJson(join(out, "functions", "pricing.func", ".vc-config.json"), (c) => (c.runtime = "edge"));
    expect(failed(check(out))["node-runtime"]).toContain('/pricing runs on "edge"');
  });

  it("the billing cron missing from the output, or from vercel.json", () => {
    const out = outputCopy();
    editJson(join(out, "config.json"), (c) => (c.crons = []));
    expect(failed(check(out)).crons).toContain(`cron ${CRON_PATH} "0 5 * * *" from vercel.json missing`);
    expect(failed(check(out, [])).crons).toContain(`no cron calls ${CRON_PATH}`);
  });

  it("no maxDuration on the cron function, or one above the Hobby cap", () => {
    const out = outputCopy();
    const file = join(out, "functions", "api", "cron", "billing.func", ".vc-config.json");
    editJson(file, (c) => delete c.maxDuration);
    expect(failed(check(out))["max-duration"]).toContain(`${CRON_PATH}: no maxDuration`);
    editJson(file, (c) => (c.maxDuration = 300));
    expect(failed(check(out))["max-duration"]).toContain(`${CRON_PATH}: maxDuration 300 s outside 55-60 s`);
  });

  it("a secret's value, or a server secret's name, in a client file", () => {
    const out = outputCopy();
    const chunk = firstStaticChunk(out);
    writeFileSync(chunk, `${readFileSync(chunk, "utf8")}\nconst k="${secretValues.CRON_SECRET}";`);
    expect(failed(check(out))["static-secrets"]).toMatch(/the value of CRON_SECRET in static\/_next\/static\/chunks\//);

    const other = outputCopy();
    const chunk2 = firstStaticChunk(other);
    writeFileSync(chunk2, `${readFileSync(chunk2, "utf8")}\nconsole.log(process.env.POLAR_ACCESS_TOKEN);`);
    expect(failed(check(other))["static-secrets"]).toMatch(/the name POLAR_ACCESS_TOKEN in static\//);
  });

  it("a function over 50 MB", () => {
    const out = outputCopy();
    const big = join(out, "functions", "api", "health.func", "big.bin");
    writeFileSync(big, "");
    truncateSync(big, 51 * 1024 * 1024); // sparse: sized, not written
    // Vercel groups routes with the same settings into one function; the grouped ones grow with it.
    const size = /\/api\/health is (\d+\.\d) MB \(limit 50 MB\)/.exec(failed(check(out))["function-size"] ?? "");
    expect(Number(size?.[1])).toBeGreaterThan(51);
  });

  it("a redirect, a rewrite or middleware on the webhook URL", () => {
    const redirect = outputCopy();
    editJson(join(redirect, "config.json"), (c) => {
      const routes = c.routes as Route[];
      routes.unshift({ src: "^/api/(.*)$", status: 307, headers: { Location: "https://www.example.com/api/$1" } });
    });
    expect(failed(check(redirect))["webhook-route"]).toContain(`POST ${WEBHOOK_PATH} is redirected (307`);

    const middleware = outputCopy();
    editJson(join(middleware, "config.json"), (c) => {
      for (const route of c.routes as Route[]) if (route.middlewarePath) route.src = "^/(.*)$";
    });
    expect(failed(check(middleware))["webhook-route"]).toContain("runs through middleware");

    const missing = outputCopy({ dereference: true });
    rmSync(join(missing, "functions", "api", "webhooks", "polar.func"), { recursive: true });
    expect(failed(check(missing))["webhook-route"]).toContain(`no function at ${WEBHOOK_PATH}`);
  });
});

describe("a second Mongoose in a function", () => {
  it("fails one-mongoose, naming the function", () => {
    const out = outputCopy();
    const fn = join(out, "functions", "api", "webhooks", "polar.func");
    writeFileSync(join(fn, "second-mongoose.js"), `throw new Error("${MONGOOSE_SIGNATURE}User\` model once compiled.");`);
    expect(failed(check(out))["one-mongoose"]).toMatch(new RegExp(`${WEBHOOK_PATH} carries 2 copies of Mongoose`));
  });
});

/**
 * The project copied (its sources as the work tree has them, node_modules hard-linked), a mistake planted in
 * the source, and `npm run build:vercel` run on it, as a developer's next commit would be.
 */
function plantedProject(name: string, plant: (dir: string) => void): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  // Tracked files and new ones not yet committed (git-ignored ones, like .data and .next, left out).
  const listed = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: projectDir, encoding: "utf8" });
  const tracked = listed.stdout.split("\0").filter(Boolean);
  for (const file of tracked) {
    if (!existsSync(join(projectDir, file))) continue; // deleted in the work tree
    mkdirSync(join(dir, file, ".."), { recursive: true });
    cpSync(join(projectDir, file), join(dir, file));
  }
  // Hard links: a copy in no time and no space; a symlink would make Next trace files outside the copy.
  const cp = spawnSync("cp", ["-al", join(projectDir, "node_modules"), join(dir, "node_modules")], { encoding: "utf8" });
  if (cp.status !== 0) throw new Error(`could not link node_modules into ${dir}: ${cp.stderr}`);
  plant(dir);
  return dir;
}

/**
 * `npm run build:vercel -- --project dir`, without blocking: the two planted builds below run at
 * the same time. A build keeps about one core busy (`/usr/bin/time`: 96 % CPU over its 72 s
 * here), so on two cores both finish in about the time of the longer one.
 */
function buildVercel(dir: string): Promise<{ status: number | null; output: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(join(projectDir, "node_modules", ".bin", "tsx"), [join(projectDir, "scripts", "build-vercel.ts"), "--project", dir], {
      cwd: projectDir,
      env: { ...process.env, CI: "true" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", (error) => resolvePromise({ status: null, output: error.message }));
    child.once("close", (status) => resolvePromise({ status, output: `${stdout}\n${stderr}` }));
  });
}

function replaceIn(file: string, from: string, to: string): void {
  const text = readFileSync(file, "utf8");
  if (!text.includes(from)) throw new Error(`${from} not in ${file}`);
  writeFileSync(file, text.replace(from, to));
}

// Concurrent: each test awaits its own build, and the two builds run side by side.
describe.concurrent("a mistake planted in the source fails `npm run build:vercel`", () => {
  it("the cron dropped from vercel.json, a client component reading a server secret, another importing a server action", async ({ expect }) => {
    const dir = plantedProject("planted-cron-secret", (d) => {
      writeFileSync(join(d, "vercel.json"), "{}\n");
      replaceIn(join(d, "app", "components", "SignOutButton.tsx"), "export function SignOutButton() {\n", 'export function SignOutButton() {\n  if (process.env.CRON_SECRET) console.debug("cron configured");\n');
      // The action imported by the client form instead of handed to it by the page.
      const form = join(d, "app", "pricing", "UpgradeForm.tsx");
      replaceIn(form, 'import type { startCheckout } from "./actions";', 'import { startCheckout } from "./actions";');
      replaceIn(form, "type Props = { startCheckout: typeof startCheckout; ", "type Props = { ");
      replaceIn(form, "UpgradeForm({ startCheckout, ", "UpgradeForm({ ");
      const teamForm = join(d, "app", "pricing", "TeamForm.tsx");
      replaceIn(teamForm, 'import type { startCheckout } from "./actions";', 'import { startCheckout } from "./actions";');
      replaceIn(teamForm, "  startCheckout: typeof startCheckout;\n", "");
      replaceIn(teamForm, "TeamForm({ startCheckout, ", "TeamForm({ ");
      // The switch form too, so that the page itself imports no action (it would pull the
      // actions into its own layer, and the mistake would then cost no second Mongoose).
      const switchForm = join(d, "app", "pricing", "SwitchForm.tsx");
      replaceIn(switchForm, 'import type { ActionState } from "@/lib/validated-action";', 'import { switchPlanAction } from "./actions";');
      replaceIn(switchForm, "  switchPlan: (prev: ActionState, formData: FormData) => Promise<ActionState>;\n", "");
      replaceIn(switchForm, "SwitchForm({ switchPlan, ", "SwitchForm({ ");
      replaceIn(switchForm, "action={switchPlan}", "action={switchPlanAction}");
      const page = join(d, "app", "pricing", "page.tsx");
      replaceIn(page, 'import { startCheckout, switchPlanAction } from "./actions";\n', "");
      // Both forms' (the team card's, then the upgrade button's).
      replaceIn(page, "startCheckout={startCheckout}", "");
      replaceIn(page, "startCheckout={startCheckout}", "");
      replaceIn(page, "switchPlan={switchPlanAction} ", "");
    });
    const { status, output } = await buildVercel(dir);
    expect(output).toContain("Build Completed in .vercel/output");
    expect(status).toBe(1);
    expect(output).toMatch(/FAIL crons: no cron calls \/api\/cron\/billing/);
    expect(output).toMatch(/FAIL static-secrets: the name CRON_SECRET in static\/_next\/static\/chunks\//);
    expect(output).toMatch(/ok {3}node-runtime/);
    expect(output).toMatch(/ok {3}webhook-route/);
    expect(output).toMatch(/FAIL one-mongoose: .*\/pricing carries 2 copies of Mongoose.*: a client component imports a server action/);
    expect(output).toContain("build:vercel: 4 of 7 checks passed");
  });

  it("the webhook route on the edge runtime: the build itself refuses MongoDB's driver", async ({ expect }) => {
    const dir = plantedProject("planted-edge", (d) => {
      replaceIn(join(d, "app", "api", "webhooks", "polar", "route.ts"), 'export const runtime = "nodejs";', 'export const runtime = "edge";');
    });
    const { status, output } = await buildVercel(dir);
    expect(status).toBe(1);
    expect(output).toContain("Module not found: Can't resolve 'net'");
    expect(output).toContain("./app/api/webhooks/polar/route.ts");
    expect(output).toContain("build:vercel: `vercel build` failed");
  });
});
