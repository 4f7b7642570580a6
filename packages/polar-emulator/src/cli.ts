import { startPolarEmulator } from "./index";

/**
 * `polar-emulator` (bin/polar-emulator.mjs): the emulator on its own, configured from the
 * environment. Prints its URL; Ctrl-C stops it.
 */

function number(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`${name}=${raw} is not a non-negative number`);
    process.exit(2);
  }
  return n;
}

function flag(name: string): boolean {
  return ["1", "true", "yes", "on"].includes((process.env[name] ?? "").toLowerCase());
}

async function main(): Promise<void> {
  const token = process.env.POLAR_ACCESS_TOKEN;
  const secret = process.env.POLAR_WEBHOOK_SECRET;
  if (!token || !secret) {
    console.error(
      "Set POLAR_ACCESS_TOKEN (any string: the token the app will send) and POLAR_WEBHOOK_SECRET (e.g. whsec_local_dev_secret: the app verifies with the same string).",
    );
    process.exit(2);
  }

  const emulator = await startPolarEmulator({
    port: number("POLAR_EMULATOR_PORT", 7100),
    host: process.env.POLAR_EMULATOR_HOST || "127.0.0.1",
    accessTokens: [token],
    webhookUrl: process.env.POLAR_EMULATOR_WEBHOOK_URL || "http://localhost:3000/api/webhooks/polar",
    webhookSecret: secret,
    productsFile: process.env.POLAR_EMULATOR_PRODUCTS_FILE || undefined,
    stateFile: process.env.POLAR_EMULATOR_STATE_FILE || undefined,
    retryScale: number("POLAR_EMULATOR_RETRY_SCALE", 1),
    settings: {
      delayMs: number("POLAR_EMULATOR_DELAY_MS", 0),
      duplicateRate: Math.min(1, number("POLAR_EMULATOR_DUPLICATE_RATE", 0)),
      shuffleWindow: Math.floor(number("POLAR_EMULATOR_SHUFFLE_WINDOW", 0)),
      dropFirstAttempt: flag("POLAR_EMULATOR_DROP_FIRST_ATTEMPT"),
    },
  });

  console.log(emulator.url);
  console.log(`  SDK:        new Polar({ accessToken, serverURL: "${emulator.url}" })`);
  console.log(`  deliveries: ${emulator.url}/admin/deliveries`);

  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      void emulator.stop().finally(() => process.exit(0));
    });
  }
}

// Not top-level await: tsx runs this package's .ts files as CommonJS, which has none.
main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
