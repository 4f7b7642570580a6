import { parseArgs } from "node:util";
import type { OidcProvider } from "./index";
import { isLoopbackHost, isLoopbackUrl } from "./loopback";
import { MIN_SECRET_LENGTH } from "./secret";

/**
 * `local-oidc` (bin/local-oidc.mjs): the local identity provider on its own, configured from a few
 * flags and the environment (the app's own variable names). Prints its issuer; Ctrl-C stops it.
 * Exit codes: 0 after --help or a signal, 2 for a usage error, 1 when it cannot start.
 */

const DEFAULT_PORT = 7400;
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_APP_URL = "http://localhost:3000";
/** next-auth's callback route for a provider with the id `local-oidc`. */
const CALLBACK_PATH = "/api/auth/callback/local-oidc";

const HELP = `Usage: local-oidc [options]

A local OpenID Connect provider for development and tests (panva's certified oidc-provider
8.8.1) with one confidential client, the app, on one HTTP port:
  /.well-known/openid-configuration  discovery
  /auth, /token, /me                 authorization, tokens (client_secret_basic), userinfo
  /jwks                              the ID token signing key (RS256)
  /interaction/{uid}                 the sign-in page: ANY email signs in, with no password
Authorization code flow only, PKCE (S256) required. It listens on loopback only and redirects
only to loopback URLs, so it can sign in to an app on this machine and nothing else.

Options (a flag wins over its environment variable):
  --port <n>          OIDC_PROVIDER_PORT       default ${DEFAULT_PORT}; 0 picks a free port
  --host <address>    OIDC_PROVIDER_HOST       default ${DEFAULT_HOST}; loopback only (localhost,
                                               127.0.0.0/8, ::1)
  --app-url <url>     APP_URL                  default ${DEFAULT_APP_URL}; loopback only; the
                                               client's redirect URI is
                                               <app-url>${CALLBACK_PATH}
  --client-id <id>    AUTH_LOCAL_OIDC_ID       required: the client id (any string)
  --keys-file <file>  OIDC_PROVIDER_KEYS_FILE  default: none (new keys at each start); the signing
                                               and cookie keys, created once, kept across restarts
  -h, --help          this text

Environment only (a secret on the command line would show in ps):
  AUTH_LOCAL_OIDC_SECRET  required: the client secret, at least ${MIN_SECRET_LENGTH} characters
                          (e.g. \`openssl rand -base64 32\`); the app authenticates with the same one

Point the app at it: give it the issuer printed at start and the same client id and secret, e.g.
next-auth's OAuth provider { id: "local-oidc", type: "oauth", idToken: true,
  wellKnown: "<issuer>/.well-known/openid-configuration", checks: ["pkce", "state", "nonce"],
  authorization: { params: { scope: "openid email profile" } }, clientId, clientSecret }.

Example:
  AUTH_LOCAL_OIDC_SECRET=$(openssl rand -base64 32) npx local-oidc --client-id acme-local --port ${DEFAULT_PORT}
`;

function usageError(message: string): never {
  console.error(`local-oidc: ${message}\nRun local-oidc --help for the options.`);
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
        "app-url": { type: "string" },
        "client-id": { type: "string" },
        "keys-file": { type: "string" },
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

interface Given {
  value: string;
  /** How the user gave it, for messages: `--port 99999` or `OIDC_PROVIDER_PORT=99999`. */
  shown: string;
}

/** A flag's value, else the environment variable's, else undefined (empty counts as unset). */
function pick(flag: string, flagValue: string | undefined, envName: string): Given | undefined {
  if (flagValue !== undefined) return { value: flagValue, shown: `${flag} ${flagValue}` };
  const raw = process.env[envName];
  return raw === undefined || raw === "" ? undefined : { value: raw, shown: `${envName}=${raw}` };
}

function port(given: Given | undefined): number {
  if (!given) return DEFAULT_PORT;
  const n = Number(given.value);
  if (!/^\d+$/.test(given.value.trim()) || !Number.isInteger(n) || n > 65_535) usageError(`${given.shown} is not a port (0..65535)`);
  return n;
}

const LOOPBACK_ONLY =
  "this provider signs in any email without a password, so it only serves and sends users back to this machine (localhost, 127.0.0.0/8, ::1)";

function host(given: Given | undefined): string {
  if (!given) return DEFAULT_HOST;
  if (!isLoopbackHost(given.value)) usageError(`${given.shown} is not a loopback address: ${LOOPBACK_ONLY}`);
  return given.value;
}

function appUrl(given: Given | undefined): string {
  const value = given?.value ?? DEFAULT_APP_URL;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    usageError(`${given?.shown ?? value} is not a URL (e.g. ${DEFAULT_APP_URL})`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") usageError(`${given?.shown ?? value} is not an http(s) URL`);
  if (!isLoopbackUrl(value)) usageError(`${given?.shown ?? value} is not a loopback URL: ${LOOPBACK_ONLY}`);
  return value.replace(/\/+$/, "");
}

async function main(): Promise<void> {
  const args = readArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(HELP);
    return;
  }

  const clientId = pick("--client-id", args["client-id"], "AUTH_LOCAL_OIDC_ID")?.value;
  if (!clientId) usageError("set the client id: --client-id <id> or AUTH_LOCAL_OIDC_ID (any string; the app signs in with the same one).");
  const clientSecret = process.env.AUTH_LOCAL_OIDC_SECRET ?? "";
  if (!clientSecret) {
    usageError(
      `set AUTH_LOCAL_OIDC_SECRET (at least ${MIN_SECRET_LENGTH} characters, e.g. \`openssl rand -base64 32\`): the app authenticates with the same secret.`,
    );
  }
  if (clientSecret.length < MIN_SECRET_LENGTH) {
    usageError(`AUTH_LOCAL_OIDC_SECRET has ${clientSecret.length} characters; it needs at least ${MIN_SECRET_LENGTH} (e.g. \`openssl rand -base64 32\`).`);
  }
  const options = {
    port: port(pick("--port", args.port, "OIDC_PROVIDER_PORT")),
    host: host(pick("--host", args.host, "OIDC_PROVIDER_HOST")),
    client: { clientId, clientSecret, redirectUris: [`${appUrl(pick("--app-url", args["app-url"], "APP_URL"))}${CALLBACK_PATH}`] },
    keysFile: pick("--keys-file", args["keys-file"], "OIDC_PROVIDER_KEYS_FILE")?.value,
  };

  // Registered before the start, so a signal while it binds also ends with exit 0.
  let provider: OidcProvider | undefined;
  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      void (provider?.stop() ?? Promise.resolve()).finally(() => process.exit(0));
    });
  }

  // Loaded here, not above: oidc-provider takes a while to load, and --help or a usage error need none of it.
  const { OidcProviderConfigError, startOidcProvider } = await import("./index");
  try {
    provider = await startOidcProvider(options);
  } catch (error) {
    if (error instanceof OidcProviderConfigError) usageError(error.message);
    throw new Error(`cannot start on ${options.host}:${options.port}: ${error instanceof Error ? error.message : String(error)}`);
  }
  console.log(provider.issuer);
  console.log(`  app: AUTH_LOCAL_OIDC_ISSUER=${provider.issuer} AUTH_LOCAL_OIDC_ID=${clientId} AUTH_LOCAL_OIDC_SECRET=<the same secret>`);
  console.log(`  redirect URI: ${options.client.redirectUris[0]}`);
}

main().catch((error: unknown) => {
  console.error(`local-oidc: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
