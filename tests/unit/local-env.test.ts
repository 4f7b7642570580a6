import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { localSecrets } from "../../scripts/lib/local-env";

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "local-env-test-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("localSecrets", () => {
  it("generates the secrets once and returns the same ones after", () => {
    const dir = tempDir();
    const first = localSecrets(dir);
    expect(first.oidcClientSecret.length).toBeGreaterThanOrEqual(32);
    expect(localSecrets(dir)).toEqual(first);
  });

  it("adds the identity provider's client secret to a file written before it existed, keeping the others", () => {
    const dir = tempDir();
    const old = { nextauthSecret: "n".repeat(43), webhookSecret: "whsec_old_0123456789abcdefghij", emulatorToken: "polar_oat_local_old" };
    writeFileSync(join(dir, "secrets.json"), JSON.stringify(old));
    const secrets = localSecrets(dir);
    expect(secrets).toMatchObject(old);
    expect(JSON.parse(readFileSync(join(dir, "secrets.json"), "utf8"))).toEqual(secrets);
    expect(localSecrets(dir).oidcClientSecret).toBe(secrets.oidcClientSecret);
  });
});
