import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadEnvConfig } from "@next/env";
import { readDotenv } from "./lib/local-env";

/**
 * `npm run doctor [-- --env-file <file>]`: checks a deployment's configuration against what it
 * points at (MongoDB and its indexes, the Polar token, the webhook endpoint registered in Polar,
 * the webhook URL's answer, the products' plans, the cron secret). One line per check, then a
 * summary; exit code 1 when a check fails.
 *
 * The environment wins over files. Without --env-file it reads .env.local (and Next's other .env
 * files), else the local stack's .data/local.env, like the other scripts. With --env-file it reads
 * that file alone: a production check must not pick up the local stack's POLAR_API_URL.
 */

function loadConfiguration(envFile: string | undefined): string[] {
  const sources = ["the environment"];
  if (envFile) {
    if (!existsSync(envFile)) throw new Error(`--env-file ${envFile}: no such file`);
    process.loadEnvFile(envFile);
    return [...sources, envFile];
  }
  const { loadedEnvFiles } = loadEnvConfig(process.cwd(), true, { info: () => {}, error: console.error });
  sources.push(...loadedEnvFiles.map((f) => f.path));
  const local = join(".data", "local.env");
  const stack = readDotenv(local);
  if (Object.keys(stack).some((k) => process.env[k] === undefined)) sources.push(local);
  for (const [k, v] of Object.entries(stack)) process.env[k] ??= v;
  return sources;
}

async function main(argv: string[]): Promise<number> {
  let envFile: string | undefined;
  try {
    envFile = parseArgs({ args: argv, options: { "env-file": { type: "string" } }, strict: true }).values["env-file"];
  } catch (error) {
    console.error(`doctor: ${(error as Error).message}\nusage: npm run doctor [-- --env-file <file>]`);
    return 2;
  }
  const sources = loadConfiguration(envFile);
  // Importing the app's models compiles them on Mongoose's default connection, which would build
  // their indexes if it ever connected: the doctor must not create what it checks.
  const { default: mongoose } = await import("mongoose");
  mongoose.set("autoIndex", false);
  mongoose.set("autoCreate", false);
  // Imported after the configuration is loaded: nothing reads it at import time, but the order
  // keeps that true if a module ever does.
  const { gatherFacts } = await import("../lib/doctor/facts");
  const { exitCode, formatResult, runChecks, summaryLine } = await import("../lib/doctor/checks");
  const results = runChecks(await gatherFacts({ env: process.env, sources }));
  for (const r of results) console.log(formatResult(r));
  console.log(summaryLine(results));
  return exitCode(results);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`doctor: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
