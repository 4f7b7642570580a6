import { format } from "node:util";
import { redact } from "./redact";

/**
 * The server's secrets by name: their values never reach a log, whatever code (ours, Next's, a
 * library's) prints them, nor a file Vercel serves (scripts/lib/secret-scan.ts; tests/vercel checks the
 * list covers every secret lib/env reads).
 */
export const SERVER_SECRET_NAMES = [
  "MONGODB_URI",
  "POLAR_ACCESS_TOKEN",
  "POLAR_WEBHOOK_SECRET",
  "NEXTAUTH_SECRET",
  "CRON_SECRET",
  "AUTH_GITHUB_SECRET",
  "AUTH_GOOGLE_SECRET",
  "AUTH_LOCAL_OIDC_SECRET",
] as const;

const METHODS = ["log", "info", "warn", "error", "debug"] as const;
const installed = Symbol.for("acme.log-redaction");

/**
 * Every line the server process writes through `console` passes through lib/redact.ts: ours, and
 * the errors Next and the driver print themselves (an E11000 names the duplicate email). On
 * Vercel the console is the log drain, so this is the one place a line can be cleaned. Once per
 * process (instrumentation.ts).
 */
export function installLogRedaction(env: Record<string, string | undefined> = process.env): void {
  const target = console as Console & { [installed]?: true };
  if (target[installed]) return;
  target[installed] = true;
  const secrets = SERVER_SECRET_NAMES.map((name) => env[name]?.trim()).filter((v): v is string => Boolean(v));
  for (const method of METHODS) {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]) => original(redact(format(...args), secrets));
  }
}
