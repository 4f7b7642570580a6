import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The emulator's own tests: loopback servers only, no database, no global setup. Works from the
// package (`npm test -w polar-emulator`) and from the repo root (`vitest run --config <this file>`).
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    // Each file starts emulators of its own and shares no module state with another, so one
    // module graph per worker serves them all (isolated, importing the emulator took 19 of 47 s),
    // and two workers where vitest's default on two cores is one.
    isolate: false,
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
