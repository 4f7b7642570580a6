import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

/** Server secrets by name (tests/vercel checks this covers every secret lib/env reads). */
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

/** Every file below `dir` (Node's recursive listing; symlinked directories are not followed). */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((entry) => join(dir, entry))
    .filter((path) => statSync(path).isFile());
}

/**
 * Where a secret shows in files a browser can fetch: its value, or the name of a server secret
 * (client code that reads one is a `NEXT_PUBLIC_` rename away from shipping its value). Paths are
 * given relative to `root`.
 */
export function secretsInFiles(files: string[], secrets: { values: Record<string, string>; names: readonly string[] }, root: string): string[] {
  const values = Object.entries(secrets.values).filter(([, v]) => v.length >= 8);
  return files.flatMap((file) => {
    const text = readFileSync(file, "latin1");
    const where = relative(root, file);
    return [
      ...values.filter(([, value]) => text.includes(value)).map(([name]) => `the value of ${name} in ${where}`),
      ...secrets.names.filter((name) => new RegExp(`\\b${name}\\b`).test(text)).map((name) => `the name ${name} in ${where}`),
    ];
  });
}
