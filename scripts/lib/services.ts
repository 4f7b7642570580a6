import { join } from "node:path";
import { FERRETDB_VERSION, startFerretdb } from "./ferretdb";
import { localSecrets, writeDotenv } from "./local-env";
import { startPolarEmulator } from "../polar-emulator/index";

/**
 * The local stack: FerretDB unless MONGODB_URI is set, the Polar emulator unless
 * POLAR_ACCESS_TOKEN is set, and every variable the app needs filled in for local use.
 */
export interface LocalStackOptions {
  dataDir: string; // e.g. .data (dev) or .data/e2e (tests)
  appPort: number;
  ferretdbPort: number;
  emulatorPort: number;
  dbName: string;
  env?: Record<string, string | undefined>; // what the user configured; defaults to process.env
  emulatorRetryScale?: number;
  log?: (line: string) => void;
}

export interface LocalStack {
  env: Record<string, string>;
  started: string[];
  /** What MONGODB_URI points at, e.g. "FerretDB v1.24.2 (PostgreSQL 15)". */
  databaseLabel: string;
  stop(): Promise<void>;
}

export async function startLocalStack(opts: LocalStackOptions): Promise<LocalStack> {
  const log = opts.log ?? console.log;
  const given = opts.env ?? process.env;
  const secrets = localSecrets(opts.dataDir);
  const appUrl = given.APP_URL ?? `http://localhost:${opts.appPort}`;
  const env: Record<string, string> = {
    APP_URL: appUrl,
    NEXTAUTH_URL: given.NEXTAUTH_URL ?? appUrl,
    NEXTAUTH_SECRET: given.NEXTAUTH_SECRET ?? secrets.nextauthSecret,
  };
  const hasOAuth = Boolean(given.AUTH_GITHUB_ID || given.AUTH_GOOGLE_ID);
  env.AUTH_LOCAL_LOGIN = given.AUTH_LOCAL_LOGIN ?? (hasOAuth ? "false" : "true");

  const stops: Array<() => Promise<void>> = [];
  const started: string[] = [];
  let databaseLabel = "MONGODB_URI";
  try {
    if (given.MONGODB_URI) {
      env.MONGODB_URI = given.MONGODB_URI;
    } else {
      const db = await startFerretdb({ port: opts.ferretdbPort, dataDir: join(opts.dataDir, "ferretdb"), log });
      stops.push(() => db.stop());
      env.MONGODB_URI = `${db.uri}${opts.dbName}`;
      started.push(`FerretDB (${db.backendLabel}) ${env.MONGODB_URI}`);
      databaseLabel = `FerretDB ${FERRETDB_VERSION} (${db.backendLabel})`;
    }

    if (given.POLAR_ACCESS_TOKEN) {
      env.POLAR_ACCESS_TOKEN = given.POLAR_ACCESS_TOKEN;
      for (const k of ["POLAR_SERVER", "POLAR_API_URL", "POLAR_WEBHOOK_SECRET"] as const) {
        const v = given[k];
        if (v) env[k] = v;
      }
    } else {
      const emulator = await startPolarEmulator({
        port: opts.emulatorPort,
        accessTokens: [secrets.emulatorToken],
        webhookUrl: `${appUrl}/api/webhooks/polar`,
        webhookSecret: secrets.webhookSecret,
        stateFile: join(opts.dataDir, "polar-emulator.json"),
        retryScale: opts.emulatorRetryScale,
        log,
      });
      stops.push(() => emulator.stop());
      env.POLAR_API_URL = emulator.url;
      env.POLAR_ACCESS_TOKEN = secrets.emulatorToken;
      env.POLAR_WEBHOOK_SECRET = secrets.webhookSecret;
      started.push(`Polar emulator    ${emulator.url}  (deliveries: ${emulator.url}/admin/deliveries)`);
    }
  } catch (error) {
    await Promise.allSettled(stops.map((stop) => stop()));
    throw error;
  }

  writeDotenv(join(opts.dataDir, "local.env"), env);
  return {
    env,
    started,
    databaseLabel,
    async stop() {
      await Promise.allSettled(stops.reverse().map((stop) => stop()));
    },
  };
}

/** Stops the stack on Ctrl-C / SIGTERM, then exits. */
export function stopOnSignals(stop: () => Promise<void>): void {
  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      void stop().finally(() => process.exit(0));
    });
  }
}
