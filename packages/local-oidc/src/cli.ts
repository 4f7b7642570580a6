import { startOidcProvider } from "./index";

/**
 * `local-oidc` (bin/local-oidc.mjs): the local identity provider on its own, configured from
 * the environment (the app's own variable names). Prints its issuer; Ctrl-C stops it.
 */

async function main(): Promise<void> {
  const clientId = process.env.AUTH_LOCAL_OIDC_ID;
  const clientSecret = process.env.AUTH_LOCAL_OIDC_SECRET;
  if (!clientId || !clientSecret) {
    console.error(
      "Set AUTH_LOCAL_OIDC_ID (any string) and AUTH_LOCAL_OIDC_SECRET (at least 32 characters, e.g. `openssl rand -base64 32`): the app signs in with the same pair.",
    );
    process.exit(2);
  }
  const port = Number(process.env.OIDC_PROVIDER_PORT || 7400);
  if (!Number.isInteger(port) || port < 0) {
    console.error(`OIDC_PROVIDER_PORT=${process.env.OIDC_PROVIDER_PORT} is not a port number`);
    process.exit(2);
  }
  const appUrl = process.env.APP_URL || "http://localhost:3000";
  const provider = await startOidcProvider({
    port,
    host: process.env.OIDC_PROVIDER_HOST || "127.0.0.1",
    client: { clientId, clientSecret, redirectUris: [`${appUrl.replace(/\/+$/, "")}/api/auth/callback/local-oidc`] },
    keysFile: process.env.OIDC_PROVIDER_KEYS_FILE || undefined,
  });
  console.log(provider.issuer);
  console.log(`  app: AUTH_LOCAL_OIDC_ISSUER=${provider.issuer} AUTH_LOCAL_OIDC_ID=${clientId} AUTH_LOCAL_OIDC_SECRET=...`);

  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      void provider.stop().finally(() => process.exit(0));
    });
  }
}

// Not top-level await: tsx runs this package's .ts files as CommonJS, which has none.
main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
