import { defineConfig } from "@playwright/test";
import { CHROMIUM_ARGS, chromiumPath } from "./scripts/lib/chromium";

// Fixed loopback ports so the tests can reach the emulator's admin switches; override if taken.
const appPort = process.env.E2E_APP_PORT ?? "3100";
const emulatorPort = process.env.E2E_EMULATOR_PORT ?? "7200";
const ferretdbPort = process.env.E2E_FERRETDB_PORT ?? "27200";
const oidcPort = process.env.E2E_OIDC_PORT ?? "7201";
const appUrl = `http://localhost:${appPort}`;
// Read by the tests (workers inherit the environment the config sets).
process.env.E2E_APP_URL = appUrl;
process.env.E2E_EMULATOR_URL = `http://127.0.0.1:${emulatorPort}`;
process.env.E2E_OIDC_ISSUER = `http://127.0.0.1:${oidcPort}`;

export default defineConfig({
  testDir: "tests/e2e",
  testMatch: "**/*.spec.ts",
  // After every test: the app's log holds no email and no secret of the run.
  globalTeardown: "./tests/e2e/log-leaks.teardown.ts",
  // One app and one emulator are shared: tests run one after another.
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 20_000 },
  reporter: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ? [["list"], ["json"]] : [["list"]],
  use: {
    baseURL: appUrl,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: chromiumPath(),
      args: CHROMIUM_ARGS,
    },
  },
  projects: [{ name: "chromium", use: { browserName: "chromium" } }],
  webServer: {
    command: "node_modules/.bin/tsx scripts/e2e-server.ts",
    url: `${appUrl}/api/health`,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: "ignore",
    stderr: "pipe",
    env: { E2E_APP_PORT: appPort, E2E_EMULATOR_PORT: emulatorPort, E2E_FERRETDB_PORT: ferretdbPort, E2E_OIDC_PORT: oidcPort },
    // A SIGTERM the server script handles: it stops the PostgreSQL cluster, which runs as another
    // user outside this process group and would outlive Playwright's default SIGKILL.
    gracefulShutdown: { signal: "SIGTERM", timeout: 20_000 },
  },
});
