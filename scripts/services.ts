import { loadEnvConfig } from "@next/env";
import { startCronLoop } from "./lib/cron-loop";
import { startLocalStack, stopOnSignals } from "./lib/services";

// `npm run services`: the local database, Polar emulator and identity provider in the foreground, for running
// `next dev` / tools yourself. Ctrl-C stops them.
loadEnvConfig(process.cwd(), true);

async function main(): Promise<void> {
  const stack = await startLocalStack({
    dataDir: ".data",
    appPort: Number(process.env.PORT ?? 3000),
    ferretdbPort: Number(process.env.FERRETDB_PORT ?? 27117),
    emulatorPort: Number(process.env.POLAR_EMULATOR_PORT ?? 7100),
    oidcPort: Number(process.env.OIDC_PROVIDER_PORT ?? 7400),
    dbName: "polar_billing",
  });
  console.log(`\nLocal services are running:\n  ${stack.started.join("\n  ") || "(none: MONGODB_URI, POLAR_ACCESS_TOKEN and GitHub or Google sign-in are set)"}`);
  console.log("\nEnvironment for the app (also written to .data/local.env):");
  for (const [k, v] of Object.entries(stack.env)) console.log(`  ${k}=${v}`);
  // What Vercel Cron does in production (vercel.json), every 30 s against the app you start.
  const stopCron = startCronLoop(stack.env.APP_URL!, stack.env.CRON_SECRET!);
  console.log("\nThe billing cron (/api/cron/billing) is called every 30 s. Press Ctrl-C to stop.");
  stopOnSignals(async () => {
    stopCron();
    await stack.stop();
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
