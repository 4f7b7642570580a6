/**
 * Which sign-in providers exist and which are configured. Pure (no `server-only`, no Mongoose):
 * the middleware on the Edge, `lib/auth/options` and the local stack read the same answer.
 */

export const LOCAL_OIDC_PROVIDER_ID = "local-oidc";
export const PROVIDER_IDS = ["github", "google", LOCAL_OIDC_PROVIDER_ID] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

export const PROVIDER_NAMES: Record<ProviderId, string> = {
  github: "GitHub",
  google: "Google",
  [LOCAL_OIDC_PROVIDER_ID]: "Local identity provider (development)",
};

// Any record: lib/env's parsed env, or process.env in the middleware.
type ProviderEnv = { [name: string]: unknown };

/** A provider is on when all of its variables are set (lib/env refuses half a configuration). */
export function configuredProviderIds(env: ProviderEnv): ProviderId[] {
  const on: Record<ProviderId, boolean> = {
    github: Boolean(env.AUTH_GITHUB_ID && env.AUTH_GITHUB_SECRET),
    google: Boolean(env.AUTH_GOOGLE_ID && env.AUTH_GOOGLE_SECRET),
    [LOCAL_OIDC_PROVIDER_ID]: Boolean(env.AUTH_LOCAL_OIDC_ISSUER && env.AUTH_LOCAL_OIDC_ID && env.AUTH_LOCAL_OIDC_SECRET),
  };
  return PROVIDER_IDS.filter((id) => on[id]);
}

export function isProviderId(value: unknown): value is ProviderId {
  return typeof value === "string" && (PROVIDER_IDS as readonly string[]).includes(value);
}

/** Where a provider sends the browser back to: next-auth's callback route for it. */
export function providerCallbackUrl(appUrl: string, provider: ProviderId): string {
  return `${appUrl.replace(/\/+$/, "")}/api/auth/callback/${provider}`;
}
