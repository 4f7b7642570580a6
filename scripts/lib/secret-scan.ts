import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

export { SERVER_SECRET_NAMES } from "../../lib/log-redaction";

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
