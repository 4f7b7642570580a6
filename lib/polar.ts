import "server-only";
import { PolarCore } from "@polar-sh/sdk/core.js";
import { env } from "./env";

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
  client ??= new PolarCore({
    accessToken: e.POLAR_ACCESS_TOKEN,
    ...(e.POLAR_API_URL ? { serverURL: e.POLAR_API_URL } : { server: e.POLAR_SERVER }),
    timeoutMs: 8_000,
  });
  return client;
}

/** Which Polar the app talks to, for error messages and logs (never the token). */
export function polarTarget(): string {
  const e = env();
  if (e.POLAR_API_URL) return `the Polar API at ${e.POLAR_API_URL}`;
  return e.POLAR_SERVER === "production" ? "Polar production (api.polar.sh)" : "Polar sandbox (sandbox-api.polar.sh)";
}
