import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * The checks over Vercel's Build Output. Run after `npm run build:vercel` (scripts/test.ts does);
 * no database, so none of the root config's global setup.
 */
export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  resolve: {
    alias: {
      "@": fileURLToPath(new URL("../..", import.meta.url)),
      "server-only": fileURLToPath(new URL("../../node_modules/server-only/empty.js", import.meta.url)),
    },
  },
  test: {
    include: ["tests/vercel/**/*.test.ts"],
    environment: "node",
    // Two of the tests run Vercel's builder on a planted copy of the project.
    testTimeout: 300_000,
    fileParallelism: false,
  },
});
