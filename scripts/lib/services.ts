import { join } from "node:path";
import { FERRETDB_VERSION, startFerretdb } from "./ferretdb";
import { localSecrets, writeDotenv } from "./local-env";
import { freePort } from "./ports";
import { LOCAL_OIDC_PROVIDER_ID, providerCallbackUrl } from "../../lib/auth/sign-in-providers";
import { startOidcProvider } from "local-oidc";
import { startPolarEmulator } from "polar-emulator";
import { LOCAL_ADMIN_EMAIL } from "./local-admin";

/**
 * The local stack: FerretDB unless MONGODB_URI is set, the Polar emulator unless
 * POLAR_ACCESS_TOKEN is set, the local identity provider unless GitHub or Google sign-in is
 * configured, and every variable the app needs filled in for local use.
 */
export interface LocalStackOptions {
  dataDir: string; // e.g. .data (dev) or .data/e2e (tests)
  appPort: number;
  ferretdbPort: number;
  emulatorPort: number;
  oidcPort: number;
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
    CRON_SECRET: given.CRON_SECRET ?? secrets.cronSecret,
    // The operator page's user locally: sign in as it at the local identity provider.
    ADMIN_EMAILS: given.ADMIN_EMAILS ?? LOCAL_ADMIN_EMAIL,
  };
  // GitHub / Google credentials reach the app from the user's own environment; with neither, the
  // local identity provider stands in for them.
  const hasOAuth = Boolean(given.AUTH_GITHUB_ID || given.AUTH_GOOGLE_ID);

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

    if (!hasOAuth) {
      const clientId = "acme-local";
      const idp = await startOidcProvider({
        port: opts.oidcPort,
        client: { clientId, clientSecret: secrets.oidcClientSecret, redirectUris: [providerCallbackUrl(appUrl, LOCAL_OIDC_PROVIDER_ID)] },
        keysFile: join(opts.dataDir, "oidc-provider-keys.json"),
        log,
      });
      stops.push(() => idp.stop());
      env.AUTH_LOCAL_OIDC_ISSUER = idp.issuer;
      env.AUTH_LOCAL_OIDC_ID = clientId;
      env.AUTH_LOCAL_OIDC_SECRET = secrets.oidcClientSecret;
      started.push(`Identity provider ${idp.issuer}  (development only: any email signs in)`);
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

/** The stack on free ports, without its log, for a measuring script; data under `.data/<name>`. */
export async function startQuietStack(name: string): Promise<LocalStack> {
  return startLocalStack({
    dataDir: join(".data", name),
    appPort: await freePort(),
    ferretdbPort: await freePort(),
    emulatorPort: await freePort(),
    oidcPort: await freePort(),
    dbName: name.replace(/-/g, "_"),
    log: () => {},
  });
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
