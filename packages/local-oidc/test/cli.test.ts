import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";

// The `local-oidc` command as a user runs it: node on bin/local-oidc.mjs (what `npx local-oidc`
// runs), in a process of its own, with an environment holding only what each test gives it.
const BIN = fileURLToPath(new URL("../bin/local-oidc.mjs", import.meta.url));
const SECRET = "local-oidc-cli-test-secret-0123456789abcdef";
const OURS = ["AUTH_LOCAL_OIDC_ID", "AUTH_LOCAL_OIDC_SECRET", "APP_URL", "OIDC_PROVIDER_PORT", "OIDC_PROVIDER_HOST", "OIDC_PROVIDER_KEYS_FILE"];
const dir = mkdtempSync(join(tmpdir(), "local-oidc-cli-test-"));
const running = new Set<ChildProcess>();

function cli(args: string[], env: Record<string, string> = {}): ChildProcess {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !OURS.includes(k)));
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...base, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  child.once("exit", () => running.delete(child));
  return child;
}

interface Output {
  stdout: string;
  stderr: string;
}

function collect(child: ChildProcess): Output {
  const out: Output = { stdout: "", stderr: "" };
  child.stdout?.on("data", (chunk) => (out.stdout += String(chunk)));
  child.stderr?.on("data", (chunk) => (out.stderr += String(chunk)));
  return out;
}

function exited(child: ChildProcess): Promise<number | NodeJS.Signals | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode ?? child.signalCode);
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal)));
}

/** Runs the command to its end. */
async function run(args: string[], env: Record<string, string> = {}): Promise<Output & { code: number | NodeJS.Signals | null }> {
  const child = cli(args, env);
  const out = collect(child);
  const code = await exited(child);
  return { ...out, code };
}

/** Starts the command and waits for the issuer it prints (a line of its own). */
async function start(args: string[], env: Record<string, string>) {
  const child = cli(args, env);
  const out = collect(child);
  const issuer = await new Promise<string>((resolve, reject) => {
    const look = () => {
      const line = /^(http:\/\/\S+)$/m.exec(out.stdout)?.[1];
      if (line) resolve(line);
    };
    child.stdout?.on("data", look);
    child.once("exit", (code) => reject(new Error(`local-oidc exited ${code} before printing its issuer:\n${out.stdout}${out.stderr}`)));
  });
  return { child, out, issuer };
}

async function discovery(issuer: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${issuer}/.well-known/openid-configuration`);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

afterEach(async () => {
  for (const child of running) child.kill("SIGKILL");
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("local-oidc (the command)", () => {
  it("--help lists every flag and environment variable with its default, and exits 0", async () => {
    const { code, stdout, stderr } = await run(["--help"]);
    expect(code).toBe(0);
    expect(stderr).toBe("");
    for (const flag of ["--port <n>", "--host <address>", "--app-url <url>", "--client-id <id>", "--keys-file <file>", "-h, --help"]) {
      expect(stdout).toContain(flag);
    }
    for (const name of OURS) expect(stdout).toContain(name);
    expect(stdout).toMatch(/--port <n>\s+OIDC_PROVIDER_PORT\s+default 7400/);
    expect(stdout).toMatch(/--host <address>\s+OIDC_PROVIDER_HOST\s+default 127\.0\.0\.1/);
    expect(stdout).toMatch(/--app-url <url>\s+APP_URL\s+default http:\/\/localhost:3000/);
  });

  it.each([
    ["an unknown flag", ["--prot", "7400"], {}, /unknown option --prot/],
    ["a positional argument", ["7400"], {}, /unexpected argument 7400/],
    ["a port that is not one", ["--port", "80a"], {}, /--port 80a is not a port/],
    ["a port out of range, from the environment", [], { OIDC_PROVIDER_PORT: "70000" }, /OIDC_PROVIDER_PORT=70000 is not a port/],
    ["no client id", [], { AUTH_LOCAL_OIDC_ID: "" }, /set the client id: --client-id <id> or AUTH_LOCAL_OIDC_ID/],
    ["no client secret", [], { AUTH_LOCAL_OIDC_SECRET: "" }, /set AUTH_LOCAL_OIDC_SECRET \(at least 32 characters/],
    ["a short client secret", [], { AUTH_LOCAL_OIDC_SECRET: "short" }, /AUTH_LOCAL_OIDC_SECRET has 5 characters; it needs at least 32/],
    ["a host that is not loopback", ["--host", "0.0.0.0"], {}, /--host 0\.0\.0\.0 is not a loopback address/],
    ["an app URL that is not loopback", [], { APP_URL: "https://billing.example.com" }, /APP_URL=https:\/\/billing\.example\.com is not a loopback URL/],
    ["an app URL that is not a URL", ["--app-url", "localhost:3000"], {}, /--app-url localhost:3000 is not an http\(s\) URL/],
  ])("refuses %s with exit 2 and says why", async (_what, args, env, message) => {
    const { code, stdout, stderr } = await run(args, { AUTH_LOCAL_OIDC_ID: "acme-local", AUTH_LOCAL_OIDC_SECRET: SECRET, ...env });
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(message);
    expect(stderr).toContain("Run local-oidc --help for the options.");
  });

  it("starts from flags (which win over the environment), serves its discovery document with its issuer, and stops on SIGTERM with exit 0", async () => {
    const { child, out, issuer } = await start(["--port", "0", "--app-url", "http://localhost:3999/", "--client-id", "from-flag"], {
      AUTH_LOCAL_OIDC_SECRET: SECRET,
      AUTH_LOCAL_OIDC_ID: "from-env",
      APP_URL: "https://billing.example.com", // a flag wins: this one is not even read
      OIDC_PROVIDER_PORT: "not-a-port",
    });
    expect(issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const doc = await discovery(issuer);
    expect(doc).toMatchObject({
      issuer,
      authorization_endpoint: `${issuer}/auth`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
      code_challenge_methods_supported: ["S256"],
      response_types_supported: ["code"],
    });
    expect(out.stdout).toContain("AUTH_LOCAL_OIDC_ID=from-flag");
    expect(out.stdout).toContain("redirect URI: http://localhost:3999/api/auth/callback/local-oidc");
    expect(out.stdout).not.toContain(SECRET);

    child.kill("SIGTERM");
    expect(await exited(child)).toBe(0);
    await expect(fetch(`${issuer}/.well-known/openid-configuration`)).rejects.toThrow();
  });

  it("starts from the environment alone (the local stack's names) and keeps its keys in the keys file", async () => {
    const keysFile = join(dir, "keys.json");
    const env = { AUTH_LOCAL_OIDC_ID: "acme-local", AUTH_LOCAL_OIDC_SECRET: SECRET, OIDC_PROVIDER_PORT: "0", OIDC_PROVIDER_HOST: "localhost", OIDC_PROVIDER_KEYS_FILE: keysFile };
    const { child, issuer } = await start([], env);
    expect(issuer).toMatch(/^http:\/\/localhost:\d+$/);
    expect((await discovery(issuer)).issuer).toBe(issuer);
    expect(existsSync(keysFile)).toBe(true);
    child.kill("SIGINT");
    expect(await exited(child)).toBe(0);
  });

  it("exits 1 when it cannot start: its port is taken", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const { port } = taken.address() as { port: number };
    try {
      const { code, stderr } = await run(["--port", String(port)], { AUTH_LOCAL_OIDC_ID: "acme-local", AUTH_LOCAL_OIDC_SECRET: SECRET });
      expect(code).toBe(1);
      expect(stderr).toContain(`local-oidc: cannot start on 127.0.0.1:${port}: listen EADDRINUSE`);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
