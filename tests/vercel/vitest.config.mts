import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import base from "../../vitest.config.mts";

/**
 * The checks over Vercel's Build Output. Run after `npm run build:vercel` (scripts/test.ts does);
 * the root config's aliases, none of its database setup.
 */
export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  resolve: base.resolve,
  test: {
    include: ["tests/vercel/**/*.test.ts"],
    environment: "node",
    // Two of the tests run Vercel's builder on a planted copy of the project.
    testTimeout: 300_000,
    // The cleanup deletes two planted copies of the project, node_modules included: past vitest's
    // 10 s default on a loaded machine (it failed `npm test` once, every test passed).
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
