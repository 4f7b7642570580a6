import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The provider's own tests: loopback servers only, no database, no global setup. Works from the
// package (`npm test -w local-oidc`) and from the repo root (`vitest run --config <this file>`).
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
