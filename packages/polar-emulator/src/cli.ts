import { parseArgs } from "node:util";
import { startPolarEmulator } from "./index";
import { DEFAULT_PRODUCTS_FILE } from "./seed";

/**
 * `polar-emulator` (bin/polar-emulator.mjs): the emulator on its own, configured from a few
 * flags and the environment. Prints its URL; Ctrl-C stops it. Exit codes: 0 after --help or a
 * signal, 2 for a usage error, 1 when it cannot start.
 */

const DEFAULT_PORT = 7100;
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_WEBHOOK_URL = "http://localhost:3000/api/webhooks/polar";

const HELP = `Usage: polar-emulator [options]

A local Polar (polar.sh) for development and tests, on one HTTP port:
  /v1/...             the REST subset @polar-sh/sdk calls (products, checkouts, customers,
                      customer state, orders, subscriptions, customer sessions, the
                      organization, the webhook endpoint), Polar's JSON
  /checkout/{secret}  the hosted checkout page: Pay (card 4000 0000 0000 0002 is declined)
  /portal             the customer portal (refund, cancel, revoke)
  /admin/...          delivery log, redelivery, test switches, expire, the endpoint's URL,
                      events and enabled flag, products, reset (loopback only)
and webhooks signed as Standard Webhooks (the key: the secret string's UTF-8 bytes, as on Polar)
POSTed to the webhook URL, retried on Polar's schedule (10 attempts), the endpoint disabled
after 10 events in a row given up on.

Options (a flag wins over its environment variable):
  --port <n>           POLAR_EMULATOR_PORT           default ${DEFAULT_PORT}; 0 picks a free port
  --host <address>     POLAR_EMULATOR_HOST           default ${DEFAULT_HOST}
  --webhook-url <url>  POLAR_EMULATOR_WEBHOOK_URL    default ${DEFAULT_WEBHOOK_URL}
  --products <file>    POLAR_EMULATOR_PRODUCTS_FILE  default: the seed shipped with the package
                                                     (${DEFAULT_PRODUCTS_FILE})
  --state <file>       POLAR_EMULATOR_STATE_FILE     default: none (state lives in memory only)
  -h, --help           this text

Environment only:
  POLAR_ACCESS_TOKEN                  required: the bearer token the app sends (any string)
  POLAR_WEBHOOK_SECRET                required: the app verifies webhooks with the same string,
                                      e.g. whsec_local_dev_secret
  POLAR_EMULATOR_RETRY_SCALE          default 1: multiplies Polar's retry delays (0.001 in tests)
  POLAR_EMULATOR_DELAY_MS             default 0: wait this long (ms) before every attempt
  POLAR_EMULATOR_DUPLICATE_RATE       default 0: share (0..1) of delivered events sent a second time
  POLAR_EMULATOR_SHUFFLE_WINDOW       default 0: n > 1 sends the next event picked at random among
                                      the next n queued
  POLAR_EMULATOR_DROP_FIRST_ATTEMPT   default false: every event's first attempt is not sent and
                                      counts as failed (1, true, yes or on)
  (the last four are also settable at runtime: POST /admin/settings)

Point any app's Polar SDK at it; only serverURL differs from Polar:
  import { Polar } from "@polar-sh/sdk";
  const polar = new Polar({ accessToken: process.env.POLAR_ACCESS_TOKEN, serverURL: "http://127.0.0.1:${DEFAULT_PORT}" });
and verify its webhooks as Polar's, e.g. validateEvent(body, headers, POLAR_WEBHOOK_SECRET)
from @polar-sh/sdk/webhooks.

Example:
  POLAR_ACCESS_TOKEN=dev-token POLAR_WEBHOOK_SECRET=whsec_local_dev npx polar-emulator --port 7100
`;

function usageError(message: string): never {
  console.error(`polar-emulator: ${message}\nRun polar-emulator --help for the options.`);
  process.exit(2);
}

function readArgs(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        "webhook-url": { type: "string" },
        products: { type: "string" },
        state: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    const e = error as Error & { code?: string };
    const arg = /'([^']+)'/.exec(e.message)?.[1];
    if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") usageError(`unknown option ${arg ?? ""}`.trim());
    if (e.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") usageError(`unexpected argument ${arg ?? ""}`.trim());
    usageError(e.message);
  }
}

/** A flag's value, else the environment variable's, else undefined (empty counts as unset). */
function pick(flagValue: string | undefined, envName: string): { value: string; from: string } | undefined {
  if (flagValue !== undefined) return { value: flagValue, from: "" };
  const raw = process.env[envName];
  return raw === undefined || raw === "" ? undefined : { value: raw, from: envName };
}

function number(given: { value: string; from: string } | undefined, what: string, fallback: number): number {
  if (!given) return fallback;
  const n = Number(given.value);
  if (given.value.trim() === "" || !Number.isFinite(n) || n < 0) {
    usageError(`${given.from ? `${given.from}=` : `${what} `}${given.value} is not a non-negative number`);
  }
  return n;
}

function port(given: { value: string; from: string } | undefined): number {
  const n = number(given, "--port", DEFAULT_PORT);
  if (!Number.isInteger(n) || n > 65_535) usageError(`${given?.from ? `${given.from}=` : "--port "}${given?.value} is not a port (0..65535)`);
  return n;
}

function flag(name: string): boolean {
  return ["1", "true", "yes", "on"].includes((process.env[name] ?? "").toLowerCase());
}

async function main(): Promise<void> {
  const args = readArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(HELP);
    return;
  }

  const token = process.env.POLAR_ACCESS_TOKEN;
  const secret = process.env.POLAR_WEBHOOK_SECRET;
  if (!token || !secret) {
    usageError(
      "set POLAR_ACCESS_TOKEN (any string: the token the app will send) and POLAR_WEBHOOK_SECRET (e.g. whsec_local_dev_secret: the app verifies with the same string).",
    );
  }

  const emulator = await startPolarEmulator({
    port: port(pick(args.port, "POLAR_EMULATOR_PORT")),
    host: pick(args.host, "POLAR_EMULATOR_HOST")?.value ?? DEFAULT_HOST,
    accessTokens: [token],
    webhookUrl: pick(args["webhook-url"], "POLAR_EMULATOR_WEBHOOK_URL")?.value ?? DEFAULT_WEBHOOK_URL,
    webhookSecret: secret,
    productsFile: pick(args.products, "POLAR_EMULATOR_PRODUCTS_FILE")?.value,
    stateFile: pick(args.state, "POLAR_EMULATOR_STATE_FILE")?.value,
    retryScale: number(pick(undefined, "POLAR_EMULATOR_RETRY_SCALE"), "", 1),
    settings: {
      delayMs: number(pick(undefined, "POLAR_EMULATOR_DELAY_MS"), "", 0),
      duplicateRate: Math.min(1, number(pick(undefined, "POLAR_EMULATOR_DUPLICATE_RATE"), "", 0)),
      shuffleWindow: Math.floor(number(pick(undefined, "POLAR_EMULATOR_SHUFFLE_WINDOW"), "", 0)),
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

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
