import { SECRET, TOKEN, type Harness } from "polar-emulator/testing";

export const TEST_CRON_SECRET = "cron-test-secret-0123456789";

/**
 * The app's environment for a test file that runs the app's code against the harness's Polar
 * emulator and its own database: every variable lib/env.ts requires, pointing at both.
 */
export function useEmulatorEnv(h: Harness, mongoUri: string, name: string): void {
  Object.assign(process.env, {
    MONGODB_URI: mongoUri,
    POLAR_ACCESS_TOKEN: TOKEN,
    POLAR_API_URL: h.emulator.url,
    POLAR_WEBHOOK_SECRET: SECRET,
    APP_URL: "http://localhost:3999",
    NEXTAUTH_SECRET: "x".repeat(40),
    AUTH_LOCAL_OIDC_ISSUER: "http://127.0.0.1:9",
    AUTH_LOCAL_OIDC_ID: name,
    AUTH_LOCAL_OIDC_SECRET: `${name}-oidc-secret-0123456789-0123456789`,
    CRON_SECRET: TEST_CRON_SECRET,
  });
}
