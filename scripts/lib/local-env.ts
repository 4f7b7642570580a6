import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Secrets for local use, generated once and kept under `.data/` so sessions survive restarts
 * and the emulator, the local identity provider and the app keep agreeing on theirs.
 */
export interface LocalSecrets {
  nextauthSecret: string;
  webhookSecret: string;
  emulatorToken: string;
  oidcClientSecret: string;
  cronSecret: string;
}

function generate(): LocalSecrets {
  return {
    nextauthSecret: randomBytes(32).toString("base64url"),
    webhookSecret: `whsec_${randomBytes(24).toString("base64url")}`,
    emulatorToken: `polar_oat_local_${randomBytes(16).toString("hex")}`,
    oidcClientSecret: randomBytes(32).toString("base64url"),
    cronSecret: randomBytes(32).toString("base64url"),
  };
}

export function localSecrets(dataDir: string): LocalSecrets {
  const file = join(dataDir, "secrets.json");
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Partial<LocalSecrets>) : {};
  // A file from before a secret existed keeps its others and gains the new one.
  const secrets: LocalSecrets = { ...generate(), ...stored };
  if (Object.keys(stored).length !== Object.keys(secrets).length) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  return secrets;
}

/** Writes the variables the local stack uses as a dotenv file, for scripts and tools. */
export function writeDotenv(file: string, vars: Record<string, string>): void {
  const body = Object.entries(vars)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join("\n");
  writeFileSync(file, `# Written by the local stack (npm run dev / npm run services). Do not commit.\n${body}\n`, { mode: 0o600 });
}

/** Reads a dotenv file written by writeDotenv (values are JSON strings). */
export function readDotenv(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  const vars: Record<string, string> = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (match?.[1] && match[2] !== undefined) vars[match[1]] = JSON.parse(match[2]) as string;
  }
  return vars;
}
