import "server-only";
import { PolarCore } from "@polar-sh/sdk/core.js";
import { env } from "../env";

let client: PolarCore | undefined;

/**
 * The one Polar client: the emulator when POLAR_API_URL is set, else Polar's sandbox or production.
 * `PolarCore` with the SDK's standalone functions (`@polar-sh/sdk/funcs/*`), not the `Polar` class:
 * the class imports every endpoint and model of the API, which every page that can start a checkout
 * then compiled in dev and loaded at each cold start. Callers import the functions they use and
 * `unwrapAsync` their results, which throws the same error classes the class methods throw.
 */
export function polar(): PolarCore {
  const e = env();
  client ??= createPolarClient(e.POLAR_ACCESS_TOKEN, e.POLAR_API_URL ? { serverURL: e.POLAR_API_URL } : { server: e.POLAR_SERVER });
  return client;
}

/** Where a client sends its calls: one of Polar's servers, or another base URL (the emulator). */
export type PolarServer = { server: "sandbox" | "production" } | { serverURL: string };

/**
 * A client configured like the app's, for tools that must try a token elsewhere than the app's
 * own target (`npm run doctor` tries a rejected token on the other Polar server).
 */
export function createPolarClient(accessToken: string, target: PolarServer): PolarCore {
  return new PolarCore({ accessToken, ...target, timeoutMs: 8_000 });
}

/** Which Polar the app talks to, for error messages and logs (never the token). */
export function polarTarget(): string {
  const e = env();
  if (e.POLAR_API_URL) return `the Polar API at ${e.POLAR_API_URL}`;
  return e.POLAR_SERVER === "production" ? "Polar production (api.polar.sh)" : "Polar sandbox (sandbox-api.polar.sh)";
}
