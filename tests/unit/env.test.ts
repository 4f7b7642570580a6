import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "@/lib/env";

const valid = {
  MONGODB_URI: "mongodb://127.0.0.1:27017/app",
  POLAR_ACCESS_TOKEN: "polar_oat_x",
  POLAR_WEBHOOK_SECRET: "whsec_abc",
  APP_URL: "http://localhost:3000/",
  NEXTAUTH_SECRET: "x".repeat(32),
  AUTH_LOCAL_LOGIN: "true",
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
  it("accepts a complete local configuration and applies defaults", () => {
    const env = parseEnv(valid);
    expect(env.POLAR_SERVER).toBe("sandbox");
    expect(env.APP_URL).toBe("http://localhost:3000");
    expect(env.AUTH_LOCAL_LOGIN).toBe(true);
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
    ["APP_URL", "ftp://example.com", /APP_URL/],
    ["NEXTAUTH_SECRET", "short", /NEXTAUTH_SECRET must be at least 32 characters/],
    ["AUTH_LOCAL_LOGIN", "yes", /AUTH_LOCAL_LOGIN .*"true" or "false"/],
  ])("names %s when it is malformed", (name, value, message) => {
    const problems = problemsOf({ ...valid, [name]: value });
    expect(problems.some((p) => message.test(p))).toBe(true);
  });

  it("lists every problem at once", () => {
    const problems = problemsOf({ AUTH_LOCAL_LOGIN: "true" });
    expect(problems.map((p) => p.split(" ")[0]).sort()).toEqual(
      ["APP_URL", "CRON_SECRET", "MONGODB_URI", "NEXTAUTH_SECRET", "POLAR_ACCESS_TOKEN", "POLAR_WEBHOOK_SECRET"].sort(),
    );
  });

  it("refuses the local sign-in in a production deployment on Vercel", () => {
    const problems = problemsOf({ ...valid, VERCEL_ENV: "production" });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^AUTH_LOCAL_LOGIN must not be on in a production deployment/);
  });

  it("allows the local sign-in on Vercel preview deployments", () => {
    expect(parseEnv({ ...valid, VERCEL_ENV: "preview" }).AUTH_LOCAL_LOGIN).toBe(true);
  });

  it("requires both halves of an OAuth pair", () => {
    expect(problemsOf({ ...valid, AUTH_GITHUB_ID: "id" })).toEqual([
      expect.stringMatching(/^AUTH_GITHUB_SECRET is missing/),
    ]);
  });

  it("requires at least one sign-in provider", () => {
    expect(problemsOf({ ...valid, AUTH_LOCAL_LOGIN: "false" })[0]).toMatch(/no sign-in provider is configured/);
    expect(parseEnv({ ...valid, AUTH_LOCAL_LOGIN: "false", AUTH_GOOGLE_ID: "g", AUTH_GOOGLE_SECRET: "s" }).AUTH_LOCAL_LOGIN).toBe(false);
  });
});
