import { beforeEach, describe, expect, it, vi } from "vitest";

const base = {
  MONGODB_URI: "mongodb://127.0.0.1:1/x",
  POLAR_ACCESS_TOKEN: "t",
  POLAR_WEBHOOK_SECRET: "whsec_x",
  NEXTAUTH_SECRET: "z".repeat(40),
  CRON_SECRET: "cron-secret-0123456789",
};

async function optionsWith(env: Record<string, string>) {
  vi.resetModules();
  for (const key of ["APP_URL", "AUTH_LOCAL_LOGIN", "AUTH_GITHUB_ID", "AUTH_GITHUB_SECRET", "VERCEL_ENV"]) delete process.env[key];
  Object.assign(process.env, base, env);
  const auth = await import("@/lib/auth");
  return auth;
}

describe("next-auth options", () => {
  beforeEach(() => vi.resetModules());

  it("uses secure (__Secure-, HTTPS-only) cookies when served over HTTPS", async () => {
    const { authOptions } = await optionsWith({ APP_URL: "https://app.example.com", AUTH_LOCAL_LOGIN: "true" });
    expect(authOptions().useSecureCookies).toBe(true);
    expect(authOptions().session?.strategy).toBe("jwt");
  });

  it("uses plain cookies on http://localhost", async () => {
    const { authOptions } = await optionsWith({ APP_URL: "http://localhost:3000", AUTH_LOCAL_LOGIN: "true" });
    expect(authOptions().useSecureCookies).toBe(false);
  });

  it("offers the local email sign-in only when AUTH_LOCAL_LOGIN is on", async () => {
    let auth = await optionsWith({ APP_URL: "http://localhost:3000", AUTH_LOCAL_LOGIN: "true" });
    expect(auth.signInOptions().map((o) => o.id)).toEqual(["local"]);
    auth = await optionsWith({ APP_URL: "https://a.example", AUTH_GITHUB_ID: "id", AUTH_GITHUB_SECRET: "secret" });
    expect(auth.signInOptions().map((o) => o.id)).toEqual(["github"]);
  });

  it("cannot be built with the local sign-in on Vercel production", async () => {
    const { authOptions } = await optionsWith({ APP_URL: "https://a.example", AUTH_LOCAL_LOGIN: "true", VERCEL_ENV: "production" });
    expect(() => authOptions()).toThrow(/AUTH_LOCAL_LOGIN must not be on in a production deployment/);
  });
});
