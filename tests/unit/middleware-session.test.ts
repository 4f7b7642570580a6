import { encode } from "next-auth/jwt";
import type { NextRequestWithAuth } from "next-auth/middleware";
import { NextRequest, type NextFetchEvent } from "next/server";
import { describe, expect, it, vi } from "vitest";

// The sign-in gate on the Edge, run as Next runs it, with the cookie lib/auth/options would set.
const SECRET = "m".repeat(40);

async function middlewareAnswer(env: Record<string, string>, token: Record<string, unknown> | null, path: string) {
  vi.resetModules();
  for (const key of ["APP_URL", "NEXTAUTH_URL", "VERCEL", "AUTH_GOOGLE_ID", "AUTH_GOOGLE_SECRET"]) delete process.env[key];
  Object.assign(process.env, { NEXTAUTH_SECRET: SECRET, AUTH_GOOGLE_ID: "g", AUTH_GOOGLE_SECRET: "s" }, env);
  const { sessionCookie } = await import("@/lib/auth/session-cookie");
  const { default: middleware } = await import("@/middleware");
  const headers = new Headers();
  if (token) headers.set("cookie", `${sessionCookie(env.APP_URL).sessionToken.name}=${await encode({ token, secret: SECRET })}`);
  return (await middleware(new NextRequest(`${env.APP_URL}${path}`, { headers }) as NextRequestWithAuth, {} as NextFetchEvent)) as Response | undefined;
}

async function gate(env: Record<string, string>, token: Record<string, unknown> | null) {
  return (await middlewareAnswer(env, token, "/account"))!.headers.get("location");
}

describe("middleware sign-in gate", () => {
  it("finds the session cookie with APP_URL=https://... and no NEXTAUTH_URL (no sign-in loop)", async () => {
    expect(await gate({ APP_URL: "https://billing.example.com" }, { email: "a@example.com", provider: "google" })).toBeNull();
  });

  it("finds it on http://localhost too, and with a NEXTAUTH_URL that disagrees", async () => {
    expect(await gate({ APP_URL: "http://localhost:3000" }, { email: "a@example.com", provider: "google" })).toBeNull();
    expect(await gate({ APP_URL: "https://billing.example.com", NEXTAUTH_URL: "http://localhost:3000" }, { email: "a@example.com", provider: "google" })).toBeNull();
  });

  it("sends a visitor without a session, or with one from a provider not configured here, to sign-in", async () => {
    const app = { APP_URL: "https://billing.example.com" };
    expect(await gate(app, null)).toMatch(/\/signin\?callbackUrl=%2Faccount$/);
    expect(await gate(app, { email: "a@example.com", provider: "local-oidc" })).toMatch(/\/signin\?/);
    expect(await gate(app, { email: "a@example.com" })).toMatch(/\/signin\?/);
  });

  it("the pages outside the gate (sign-in itself among them) pass with their CSP nonce, a session or none", async () => {
    const app = { APP_URL: "https://billing.example.com" };
    // next-auth's gate answers nothing at all for its sign-in page, which left /signin without a CSP.
    for (const [path, token] of [["/signin", null], ["/pricing", null], ["/pricing", { email: "a@example.com", provider: "google" }], ["/", { email: "a@example.com" }]] as const) {
      const res = await middlewareAnswer(app, token, path);
      expect(res?.headers.get("location") ?? null, path).toBeNull();
      expect(res?.headers.get("content-security-policy"), path).toMatch(/script-src [^;]*'nonce-[A-Za-z0-9+/=]+'/);
    }
  });
});
