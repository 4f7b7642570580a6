import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { JWK } from "oidc-provider";

/** The provider's ID token signing key and cookie signing keys. */
export interface ProviderKeys {
  jwks: { keys: JWK[] };
  cookieKeys: string[];
}

function generate(): ProviderKeys {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  // RS256: what openid-client (next-auth) expects of an ID token unless told otherwise.
  const jwk = { ...privateKey.export({ format: "jwk" }), kid: randomUUID(), alg: "RS256", use: "sig" } as JWK;
  return { jwks: { keys: [jwk] }, cookieKeys: [randomBytes(32).toString("base64url")] };
}

/**
 * Keys generated once and kept in `file`, so a restarted provider still verifies its cookies and
 * the app still finds the key its ID tokens were signed with. Without a file they live as long as
 * the process.
 */
export function loadOrCreateKeys(file: string | undefined): ProviderKeys {
  if (!file) return generate();
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as ProviderKeys;
  const keys = generate();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return keys;
}
