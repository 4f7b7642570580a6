import "server-only";
import { Polar } from "@polar-sh/sdk";
import { env } from "./env";

let client: Polar | undefined;

/** The one Polar client: the emulator when POLAR_API_URL is set, else Polar's sandbox or production. */
export function polar(): Polar {
  const e = env();
  client ??= new Polar({
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
