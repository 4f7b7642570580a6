import { spawn } from "node:child_process";
import { loadEnvConfig } from "@next/env";
import { startCronLoop } from "./lib/cron-loop";
import { startLocalStack, stopOnSignals } from "./lib/services";

// `npm run dev`: the local services plus `next dev`, every variable filled in for local use.
loadEnvConfig(process.cwd(), true);

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  const stack = await startLocalStack({
    dataDir: ".data",
    appPort: port,
    ferretdbPort: Number(process.env.FERRETDB_PORT ?? 27117),
    emulatorPort: Number(process.env.POLAR_EMULATOR_PORT ?? 7100),
    oidcPort: Number(process.env.OIDC_PROVIDER_PORT ?? 7400),
    dbName: "polar_billing",
  });
  console.log(`\n  ${stack.started.join("\n  ")}\n  App               ${stack.env.APP_URL}\n`);

  // Turbopack: its first visit to /pricing is about half webpack's (bench/results.md, "Dev server").
  // A process group of its own: `next dev` runs the server in a child process, which a signal
  // to the CLI alone would leave running (on a `kill`, as opposed to Ctrl-C in a terminal).
  const next = spawn("node_modules/.bin/next", ["dev", "--turbopack", "-p", String(port)], {
    stdio: "inherit",
    detached: true,
    env: { NEXT_TELEMETRY_DISABLED: "1", ...process.env, ...stack.env },
  });
  // What Vercel Cron does in production (vercel.json), every 30 s here.
  const stopCron = startCronLoop(stack.env.APP_URL!, stack.env.CRON_SECRET!);
  stopOnSignals(async () => {
    stopCron();
    try {
      process.kill(-next.pid!, "SIGTERM");
    } catch {
      // already gone
    }
    await stack.stop();
  });
  next.on("exit", (code) => {
    void stack.stop().finally(() => process.exit(code ?? 0));
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
