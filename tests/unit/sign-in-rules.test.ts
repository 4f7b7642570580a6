import { describe, expect, it } from "vitest";
import { isLoopbackHost as providerIsLoopbackHost, isLoopbackUrl as providerIsLoopbackUrl } from "local-oidc";
import { isLoopbackHost, isLoopbackUrl } from "@/lib/auth/loopback";
import { sessionCookie } from "@/lib/auth/session-cookie";
import { configuredProviderIds } from "@/lib/auth/sign-in-providers";
import { sessionEmail, signInErrorMessage, verifiedEmail } from "@/lib/auth/sign-in-rules";

describe("verifiedEmail", () => {
  it.each([
    ["google", { email: "A@Example.com", email_verified: true }, { ok: true, email: "a@example.com" }],
    ["google", { email: "a@example.com", email_verified: false }, { ok: false, reason: "EmailNotVerified" }],
    ["google", { email: "a@example.com", email_verified: "true" }, { ok: false, reason: "EmailNotVerified" }],
    ["google", { email: "a@example.com" }, { ok: false, reason: "EmailNotVerified" }],
    ["google", { email_verified: true }, { ok: false, reason: "EmailNotVerified" }],
    ["local-oidc", { email: "dev@example.com", email_verified: true }, { ok: true, email: "dev@example.com" }],
    ["local-oidc", { email: "dev@example.com", email_verified: false }, { ok: false, reason: "EmailNotVerified" }],
    ["local-oidc", { email: "not-an-email", email_verified: true }, { ok: false, reason: "EmailNotVerified" }],
    ["credentials", { email: "a@example.com", email_verified: true }, { ok: false, reason: "UnknownProvider" }],
    ["local", { email: "a@example.com" }, { ok: false, reason: "UnknownProvider" }],
  ])("%s %j -> %j", (provider, profile, expected) => {
    expect(verifiedEmail(provider, profile)).toEqual(expected);
  });

  const gh = (emails: Array<{ email: string; primary: boolean; verified: boolean }>, email = "public@example.com") => ({ id: 1, email, emails });
  it("GitHub: the verified primary address", () => {
    expect(verifiedEmail("github", gh([{ email: "Me@Example.com", primary: true, verified: true }]))).toEqual({ ok: true, email: "me@example.com" });
  });
  it("GitHub: an unverified primary is refused even when another address is verified", () => {
    const emails = [
      { email: "me@example.com", primary: true, verified: false },
      { email: "old@example.com", primary: false, verified: true },
    ];
    expect(verifiedEmail("github", gh(emails))).toEqual({ ok: false, reason: "EmailNotVerified" });
  });
  it("GitHub: the profile's public email alone is never taken", () => {
    expect(verifiedEmail("github", gh([]))).toEqual({ ok: false, reason: "EmailNotVerified" });
    expect(verifiedEmail("github", { id: 1, email: "public@example.com" })).toEqual({ ok: false, reason: "EmailNotVerified" });
  });
});

describe("sessionEmail", () => {
  const user = { email: "Dev@Example.com" };
  it("is the email of a session from a configured provider", () => {
    expect(sessionEmail({ user, provider: "google" }, ["google"])).toBe("dev@example.com");
  });
  it("is null without a provider, or with one not configured here", () => {
    expect(sessionEmail({ user }, ["google"])).toBeNull();
    expect(sessionEmail({ user, provider: "local-oidc" }, ["google"])).toBeNull();
    expect(sessionEmail(null, ["google"])).toBeNull();
    expect(sessionEmail({ user: { email: "nope" }, provider: "google" }, ["google"])).toBeNull();
  });
});

describe("signInErrorMessage", () => {
  it("says which providers an account that refused a new one signs in with, and how to add it", () => {
    expect(signInErrorMessage("AccountNotLinked", "google", "github")).toBe(
      "This email's account signs in with GitHub, not with this Google account. Sign in with GitHub, then add Google from your account page.",
    );
    expect(signInErrorMessage("AccountNotLinked", "google", "google,github")).toMatch(/^This email's account signs in with a different Google account\./);
    expect(signInErrorMessage("AccountNotLinked", "github", "<script>")).toMatch(/signs in with the account it was first used with/);
  });

  it("says why an unverified email is refused, naming the provider", () => {
    expect(signInErrorMessage("EmailNotVerified", "google")).toBe("Your Google account's email is not verified. Verify it with Google and try again.");
    expect(signInErrorMessage("EmailNotVerified", "github")).toMatch(/^Your GitHub account has no verified primary email\. Verify it with GitHub/);
  });
  it("never repeats text from the query string", () => {
    expect(signInErrorMessage("EmailNotVerified", "<script>")).toBe(
      "Your identity provider account's email is not verified. Verify it with identity provider and try again.",
    );
    expect(signInErrorMessage("<b>x</b>", undefined)).toBe("Sign-in failed. Try again.");
  });
});

describe("sessionCookie (shared by lib/auth/options and the middleware)", () => {
  it("follows APP_URL's scheme", () => {
    expect(sessionCookie("https://billing.example.com").sessionToken.name).toBe("__Secure-next-auth.session-token");
    expect(sessionCookie("http://localhost:3000").sessionToken.name).toBe("next-auth.session-token");
    expect(sessionCookie(undefined).secure).toBe(false);
  });
});

describe("configuredProviderIds", () => {
  it("lists each provider whose variables are all set", () => {
    expect(configuredProviderIds({})).toEqual([]);
    expect(configuredProviderIds({ AUTH_GOOGLE_ID: "g", AUTH_GOOGLE_SECRET: "s", AUTH_GITHUB_ID: "h" })).toEqual(["google"]);
    expect(configuredProviderIds({ AUTH_LOCAL_OIDC_ISSUER: "http://127.0.0.1:7400", AUTH_LOCAL_OIDC_ID: "i", AUTH_LOCAL_OIDC_SECRET: "s" })).toEqual([
      "local-oidc",
    ]);
  });
});

// The app's rule (lib/env refuses the local provider off loopback) and the provider package's own
// copy (it listens and redirects on loopback only) must give the same answer.
describe.each([
  ["lib/auth/loopback", { isLoopbackHost, isLoopbackUrl }],
  ["local-oidc", { isLoopbackHost: providerIsLoopbackHost, isLoopbackUrl: providerIsLoopbackUrl }],
])("loopback (%s)", (_where, rule) => {
  it.each(["localhost", "127.0.0.1", "127.1.2.3", "[::1]", "::1", "LOCALHOST"])("%s is loopback", (host) => {
    expect(rule.isLoopbackHost(host)).toBe(true);
  });
  it.each(["billing.example.com", "128.0.0.1", "127.0.0.1.nip.io", "localhost.example.com", "0.0.0.0", "[::]", "10.0.0.1"])("%s is not", (host) => {
    expect(rule.isLoopbackHost(host)).toBe(false);
  });
  it("reads URLs", () => {
    expect(rule.isLoopbackUrl("http://[::1]:3000/x")).toBe(true);
    expect(rule.isLoopbackUrl("http://127.1:3000")).toBe(true); // the URL parser spells it 127.0.0.1
    expect(rule.isLoopbackUrl("https://billing.example.com")).toBe(false);
    expect(rule.isLoopbackUrl("not a url")).toBe(false);
  });
});
