import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EnvError, parseEnv, parseEnvVariable } from "@/lib/env";
import { localSecrets } from "../../scripts/lib/local-env";

const LOCAL_OIDC = {
  AUTH_LOCAL_OIDC_ISSUER: "http://127.0.0.1:7400",
  AUTH_LOCAL_OIDC_ID: "acme-local",
  AUTH_LOCAL_OIDC_SECRET: "s".repeat(32),
};
const NO_LOCAL_OIDC = { AUTH_LOCAL_OIDC_ISSUER: undefined, AUTH_LOCAL_OIDC_ID: undefined, AUTH_LOCAL_OIDC_SECRET: undefined };
const GOOGLE = { AUTH_GOOGLE_ID: "g", AUTH_GOOGLE_SECRET: "s" };

const valid = {
  MONGODB_URI: "mongodb://127.0.0.1:27017/app",
  POLAR_ACCESS_TOKEN: "polar_oat_x",
  POLAR_WEBHOOK_SECRET: "whsec_0123456789abcdefghij",
  APP_URL: "http://localhost:3000/",
  NEXTAUTH_SECRET: "x".repeat(32),
  ...LOCAL_OIDC,
  CRON_SECRET: "cron-secret-0123456789",
};

function problemsOf(source: Record<string, string | undefined>): string[] {
  try {
    parseEnv(source);
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
  throw new Error("expected parseEnv to throw");
}

describe("parseEnv", () => {
  it("reads ADMIN_EMAILS as a lowercased list, empty when unset, and names a malformed one", () => {
    expect(parseEnv(valid).ADMIN_EMAILS).toEqual([]);
    expect(parseEnv({ ...valid, ADMIN_EMAILS: " Ops@Example.com, you@example.com=google:1102:48 ," }).ADMIN_EMAILS).toEqual([
      { email: "ops@example.com", pin: null },
      { email: "you@example.com", pin: { provider: "google", subject: "1102:48" } },
    ]);
    for (const bad of ["ops@example.com, not-an-email", "ops@example.com=google", "ops@example.com=okta:1", "ops@example.com=google:"]) {
      expect(problemsOf({ ...valid, ADMIN_EMAILS: bad }).join("\n")).toMatch(
        /ADMIN_EMAILS must be a comma-separated list of emails, each optionally pinned as email=provider:subject \(provider: github, google or local-oidc\)$/,
      );
    }
  });

  it("accepts a complete local configuration and applies defaults", () => {
    const env = parseEnv(valid);
    expect(env.POLAR_SERVER).toBe("sandbox");
    expect(env.APP_URL).toBe("http://localhost:3000");
    expect(env.AUTH_LOCAL_OIDC_ISSUER).toBe("http://127.0.0.1:7400");
  });

  it.each(["MONGODB_URI", "POLAR_ACCESS_TOKEN", "POLAR_WEBHOOK_SECRET", "APP_URL", "NEXTAUTH_SECRET"])(
    "names %s when it is missing and says how to fix it",
    (name) => {
      const problems = problemsOf({ ...valid, [name]: undefined });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(new RegExp(`^${name} is required: \\S`));
    },
  );

  it("treats an empty value as missing", () => {
    expect(problemsOf({ ...valid, MONGODB_URI: "" })[0]).toMatch(/^MONGODB_URI is required/);
  });

  it.each([
    ["MONGODB_URI", "postgres://x", /MONGODB_URI must start with mongodb/],
    ["POLAR_SERVER", "staging", /POLAR_SERVER .*"sandbox".*"production"/],
    ["POLAR_API_URL", "not a url", /POLAR_API_URL/],
    ["POLAR_WEBHOOK_SECRET", "whsec_abc", /^POLAR_WEBHOOK_SECRET must be at least 24 characters: copy the whole secret/],
    ["APP_URL", "ftp://example.com", /APP_URL/],
    ["NEXTAUTH_SECRET", "short", /NEXTAUTH_SECRET must be at least 32 characters/],
    ["AUTH_LOCAL_OIDC_ISSUER", "not a url", /^AUTH_LOCAL_OIDC_ISSUER .*npm run dev/],
    ["AUTH_LOCAL_OIDC_SECRET", "s".repeat(31), /^AUTH_LOCAL_OIDC_SECRET must be at least 32 characters/],
  ])("names %s when it is malformed", (name, value, message) => {
    const problems = problemsOf({ ...valid, [name]: value });
    expect(problems.some((p) => message.test(p))).toBe(true);
  });

  it("lists every problem at once", () => {
    const problems = problemsOf({});
    expect(problems.map((p) => p.split(" ")[0]).sort()).toEqual(
      ["APP_URL", "CRON_SECRET", "MONGODB_URI", "NEXTAUTH_SECRET", "No", "POLAR_ACCESS_TOKEN", "POLAR_WEBHOOK_SECRET"].sort(),
    );
  });

  it("says how to get a sign-in provider when none is configured", () => {
    expect(problemsOf({ ...valid, ...NO_LOCAL_OIDC })).toEqual([
      "No sign-in provider is configured: run `npm run dev` (it starts a local identity provider and sets AUTH_LOCAL_OIDC_ISSUER, AUTH_LOCAL_OIDC_ID, AUTH_LOCAL_OIDC_SECRET), or set AUTH_GITHUB_ID/AUTH_GITHUB_SECRET or AUTH_GOOGLE_ID/AUTH_GOOGLE_SECRET",
    ]);
    expect(parseEnv({ ...valid, ...NO_LOCAL_OIDC, ...GOOGLE }).AUTH_GOOGLE_ID).toBe("g");
  });

  it("says AUTH_LOCAL_LOGIN was removed and what replaced it", () => {
    for (const value of ["true", "false"]) {
      const problems = problemsOf({ ...valid, AUTH_LOCAL_LOGIN: value });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^AUTH_LOCAL_LOGIN was removed, .*Delete it: locally `npm run dev` starts a local identity provider \(AUTH_LOCAL_OIDC_\*\)/);
    }
  });

  it("refuses the local identity provider with a non-loopback APP_URL, naming both variables", () => {
    const problems = problemsOf({ ...valid, APP_URL: "https://billing.example.com" });
    expect(problems).toEqual([
      expect.stringMatching(
        /^AUTH_LOCAL_OIDC_ISSUER is set while APP_URL=https:\/\/billing\.example\.com is not a loopback address: the local identity provider signs in any email without a password/,
      ),
    ]);
    expect(problemsOf({ ...valid, NEXTAUTH_URL: "https://billing.example.com" })[0]).toMatch(/NEXTAUTH_URL=https:\/\/billing\.example\.com is not a loopback/);
  });

  it("refuses Polar's sandbox on Vercel's production deployment, naming the variable and the fix", () => {
    const vercel = { ...valid, ...NO_LOCAL_OIDC, ...GOOGLE, APP_URL: "https://billing.example.com" };
    expect(problemsOf({ ...vercel, VERCEL_ENV: "production" })).toEqual([
      expect.stringMatching(/^POLAR_SERVER is "sandbox" \(the default when unset\) on Vercel's production deployment \(VERCEL_ENV=production\): .* Set POLAR_SERVER=production/),
    ]);
    expect(problemsOf({ ...vercel, VERCEL_ENV: "production", POLAR_SERVER: "sandbox" })).toHaveLength(1);
    expect(parseEnv({ ...vercel, VERCEL_ENV: "production", POLAR_SERVER: "production" }).POLAR_SERVER).toBe("production");
    // Preview deployments are where the sandbox belongs.
    expect(parseEnv({ ...vercel, VERCEL_ENV: "preview" }).POLAR_SERVER).toBe("sandbox");
  });

  it("refuses a local identity provider that is not on loopback", () => {
    expect(problemsOf({ ...valid, AUTH_LOCAL_OIDC_ISSUER: "https://idp.example.com" })).toEqual([
      expect.stringMatching(/^AUTH_LOCAL_OIDC_ISSUER must be on a loopback address/),
    ]);
  });

  it.each(["http://localhost:3000", "http://127.0.0.1:3000", "http://127.8.9.10", "http://[::1]:3000"])("accepts the local provider with APP_URL=%s", (url) => {
    expect(parseEnv({ ...valid, APP_URL: url }).APP_URL).toBe(url);
  });

  it("requires all three local provider variables or none", () => {
    expect(problemsOf({ ...valid, AUTH_LOCAL_OIDC_SECRET: undefined })).toEqual([expect.stringMatching(/^AUTH_LOCAL_OIDC_SECRET is missing: set AUTH_LOCAL_OIDC_ISSUER, AUTH_LOCAL_OIDC_ID, AUTH_LOCAL_OIDC_SECRET together/)]);
  });

  it("requires both halves of an OAuth pair", () => {
    expect(problemsOf({ ...valid, AUTH_GITHUB_ID: "id" })).toEqual([expect.stringMatching(/^AUTH_GITHUB_SECRET is missing/)]);
  });

  it("accepts the secrets the local stack generates", () => {
    const dir = mkdtempSync(join(tmpdir(), "env-test-"));
    try {
      const secrets = localSecrets(dir);
      const env = parseEnv({ ...valid, NEXTAUTH_SECRET: secrets.nextauthSecret, POLAR_WEBHOOK_SECRET: secrets.webhookSecret, AUTH_LOCAL_OIDC_SECRET: secrets.oidcClientSecret });
      expect(env.AUTH_LOCAL_OIDC_SECRET).toBe(secrets.oidcClientSecret);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("parseEnvVariable", () => {
  it("checks one variable by the rule parseEnv applies, whatever the others are", () => {
    expect(parseEnvVariable("APP_URL", { APP_URL: "https://acme.example/" })).toEqual({ ok: true, value: "https://acme.example" });
    expect(parseEnvVariable("CRON_SECRET", { CRON_SECRET: "short" })).toEqual({ ok: false, what: "must be at least 16 characters", hint: expect.stringMatching(/^generate one with/) });
    expect(parseEnvVariable("CRON_SECRET", { CRON_SECRET: "" })).toEqual({ ok: false, what: "is required", hint: expect.stringMatching(/^generate one with/) });
    expect(parseEnvVariable("POLAR_SERVER", {})).toEqual({ ok: true, value: "sandbox" });
    expect(parseEnvVariable("POLAR_API_URL", {})).toEqual({ ok: true, value: undefined });
    // The same words parseEnv uses for the same variable.
    expect(problemsOf({ ...valid, CRON_SECRET: "short" })[0]).toMatch(/^CRON_SECRET must be at least 16 characters: generate one with/);
  });
});
