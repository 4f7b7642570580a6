import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: {
      "@": fileURLToPath(new URL(".", import.meta.url)),
      // `server-only` throws outside a React Server Components bundle; under vitest the
      // modules are server code anyway, so the guard is replaced by its no-op build.
      "server-only": fileURLToPath(new URL("./node_modules/server-only/empty.js", import.meta.url)),
    },
  },
  test: {
    // Playwright's *.spec.ts live in tests/e2e and must not be collected here; the Polar
    // emulator's and the identity provider's tests run under their packages' own vitest.config.mts
    // (packages/polar-emulator, packages/local-oidc: no database).
    include: ["tests/{unit,integration}/**/*.test.ts"],
    environment: "node",
    globalSetup: ["tests/global-setup.ts"],
    // Vitest's default on two cores is one worker; the integration files mostly wait on the
    // database, so two keep both cores busy (164 s -> 114 s here).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
