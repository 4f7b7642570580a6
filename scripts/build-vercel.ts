import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildSentinels } from "../tests/e2e/sentinels";
import { localSecrets, readDotenv } from "./lib/local-env";
import { checkVercelOutput } from "./lib/vercel-output";

/**
 * `npm run build:vercel`: Vercel's own builder (the pinned `vercel` CLI), offline, into
 * `.vercel/output`, then the checks of scripts/lib/vercel-output.ts over what it built.
 *
 *   --project <dir>   build another checkout (tests build planted mistakes in a copy)
 *   --check-only      skip the build, check the output already there (its functions list files of
 *                     `.next` rather than copy them: valid until the next `next build`)
 *   --sentinels       build with the recognisable fake secrets of tests/e2e/sentinels.ts instead of the
 *                     local stack's (CRON_SECRET, which they lack, stays the local one): `npm test`
 *                     serves this build's `.next` to the e2e and chaos runs with `next start`, and
 *                     tests/e2e/hardening.spec.ts proves none of them reached a client file
 *   --report <file>   write {"built": bool, "checks": n, "failed": n} there: whether `.next` is a
 *                     fresh production build, apart from the checks' verdict
 */

interface Args {
  projectDir: string;
  checkOnly: boolean;
  sentinels: boolean;
  report: string | null;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { projectDir: process.cwd(), checkOnly: false, sentinels: false, report: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--project" && argv[i + 1]) args.projectDir = resolve(argv[++i]!);
    else if (arg === "--check-only") args.checkOnly = true;
    else if (arg === "--sentinels") args.sentinels = true;
    else if (arg === "--report" && argv[i + 1]) args.report = resolve(argv[++i]!);
    else {
      console.error(`unknown argument ${arg}; use --project <dir>, --check-only, --sentinels, --report <file>`);
      process.exit(2);
    }
  }
  return args;
}

/**
 * `vercel build` needs a project file. A linked checkout (`vercel link`) has one and keeps it; else
 * one with placeholder ids is written (`.vercel/` is git-ignored, so no real id is ever committed).
 * An empty installCommand stops the builder from running `npm install` over our `npm ci`.
 */
function ensureProjectFile(projectDir: string): void {
  const file = join(projectDir, ".vercel", "project.json");
  if (existsSync(file)) return;
  mkdirSync(join(projectDir, ".vercel"), { recursive: true });
  const project = { projectId: "prj_local_build", orgId: "team_local_build", settings: { framework: "nextjs", installCommand: "" } };
  writeFileSync(file, `${JSON.stringify(project, null, 2)}\n`);
}

/**
 * The secrets the local stack runs with (`.data/local.env`, or the ones it will use). The build is
 * given them, as Vercel gives a build the project's variables, so a leak into a static file shows.
 */
function localStackSecrets(projectDir: string): Record<string, string> {
  const dataDir = join(projectDir, ".data");
  const fromFile = readDotenv(join(dataDir, "local.env"));
  const secrets = localSecrets(dataDir);
  const values: Record<string, string> = {
    NEXTAUTH_SECRET: fromFile.NEXTAUTH_SECRET ?? secrets.nextauthSecret,
    CRON_SECRET: fromFile.CRON_SECRET ?? secrets.cronSecret,
    POLAR_ACCESS_TOKEN: fromFile.POLAR_ACCESS_TOKEN ?? secrets.emulatorToken,
    POLAR_WEBHOOK_SECRET: fromFile.POLAR_WEBHOOK_SECRET ?? secrets.webhookSecret,
    AUTH_LOCAL_OIDC_SECRET: fromFile.AUTH_LOCAL_OIDC_SECRET ?? secrets.oidcClientSecret,
  };
  if (fromFile.MONGODB_URI) values.MONGODB_URI = fromFile.MONGODB_URI;
  return values;
}

function vercelJsonCrons(projectDir: string): Array<{ path: string; schedule: string }> {
  const file = join(projectDir, "vercel.json");
  if (!existsSync(file)) return [];
  return (JSON.parse(readFileSync(file, "utf8")) as { crons?: Array<{ path: string; schedule: string }> }).crons ?? [];
}

function main(): number {
  const { projectDir, checkOnly, sentinels, report } = parseArgs(process.argv.slice(2));
  // The values the build is given are the values the static output is searched for.
  const secretValues: Record<string, string> = { ...localStackSecrets(projectDir), ...(sentinels ? buildSentinels : {}) };
  const verdict = { built: false, checks: 0, failed: 0 };
  const finish = (code: number): number => {
    if (report) writeFileSync(report, `${JSON.stringify(verdict)}\n`);
    return code;
  };
  if (!checkOnly) {
    ensureProjectFile(projectDir);
    const started = Date.now();
    const build = spawnSync(join(projectDir, "node_modules", ".bin", "vercel"), ["build", "--yes"], {
      cwd: projectDir,
      stdio: "inherit",
      env: { ...process.env, ...secretValues, NEXT_TELEMETRY_DISABLED: "1", VERCEL_TELEMETRY_DISABLED: "1" },
    });
    if (build.status !== 0) {
      console.error(`\nbuild:vercel: \`vercel build\` failed (exit ${build.status ?? build.signal}); nothing to check`);
      return finish(1);
    }
    verdict.built = true;
    console.log(`\nbuild:vercel: built in ${((Date.now() - started) / 1000).toFixed(0)} s${sentinels ? " (with the sentinel secrets)" : ""}`);
  }

  const outputDir = join(projectDir, ".vercel", "output");
  if (!existsSync(join(outputDir, "config.json"))) {
    console.error(`build:vercel: no build output at ${outputDir}; run without --check-only`);
    return finish(1);
  }
  const { checks, functions } = checkVercelOutput({ outputDir, projectDir, secretValues, expectedCrons: vercelJsonCrons(projectDir) });
  for (const fn of functions) {
    if (fn.route === "/middleware") continue;
    console.log(`  ${fn.route.padEnd(28)} ${String(fn.runtime).padEnd(11)} ${(fn.bytes / 1048576).toFixed(1).padStart(5)} MB  maxDuration ${fn.maxDuration ?? "-"}`);
  }
  for (const check of checks) console.log(`${check.ok ? "ok  " : "FAIL"} ${check.name}: ${check.detail}`);
  const failed = checks.filter((c) => !c.ok).length;
  console.log(`build:vercel: ${checks.length - failed} of ${checks.length} checks passed`);
  verdict.checks = checks.length;
  verdict.failed = failed;
  return finish(failed === 0 ? 0 : 1);
}

process.exit(main());
