/**
 * Recognisable secret values the production build is made with (`npm run build:vercel --
 * --sentinels`, as scripts/test.ts runs it: the build whose `.next` the e2e run serves), so a test
 * can prove that none of them reaches a client bundle.
 */
export const buildSentinels = {
  NEXTAUTH_SECRET: "sentinel-nextauth-secret-4f1c9e7a2b3d5e6f7a8b9c0d",
  POLAR_ACCESS_TOKEN: "polar_oat_sentinel_9d8c7b6a5f4e3d2c1b0a",
  POLAR_WEBHOOK_SECRET: "whsec_sentinel_0a1b2c3d4e5f6a7b8c9d",
  MONGODB_URI: "mongodb://sentinel-user:sentinel-pass-7e6d5c@127.0.0.1:1/sentinel",
  AUTH_GITHUB_SECRET: "sentinel-github-secret-1a2b3c4d",
  AUTH_LOCAL_OIDC_SECRET: "sentinel-local-oidc-secret-5e6f7a8b9c0d1e2f",
} as const;
