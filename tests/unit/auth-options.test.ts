import type { Account, Profile, User } from "next-auth";
import type { OAuthConfig } from "next-auth/providers/oauth";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

// No database here: what lib/auth/options would bind is recorded instead (lib/auth/identities and its
// rules have their own tests), and no browser is signed in yet.
type SignInInput = { provider: string; subject: string; email: string; name: string | null; signedInAs: string | null };
type SignInOutcome = { ok: true; email: string } | { ok: false; providers: string[] };
const signInIdentity = vi.fn<(input: SignInInput) => Promise<SignInOutcome>>(async (input) => ({ ok: true, email: input.email }));
type Bound = { email: string; sessionVersion: number } | null;
const boundUser = vi.fn<(identity: { provider: string; subject: string }) => Promise<Bound>>(async () => ({ email: "alice@example.com", sessionVersion: 3 }));
vi.mock("@/lib/auth/identities", () => ({ signInIdentity, boundUser }));
vi.mock("@/lib/auth/session", () => ({ getSession: vi.fn(async () => null) }));
const binding = (email: string, name: string | null) => ({ email, name, signedInAs: null });

const base = {
  MONGODB_URI: "mongodb://127.0.0.1:1/x",
  POLAR_ACCESS_TOKEN: "t",
  POLAR_WEBHOOK_SECRET: "whsec_unit_test_secret_0123456789",
  NEXTAUTH_SECRET: "z".repeat(40),
  CRON_SECRET: "cron-secret-0123456789",
};
const LOCAL = {
  APP_URL: "http://localhost:3000",
  AUTH_LOCAL_OIDC_ISSUER: "http://127.0.0.1:7400",
  AUTH_LOCAL_OIDC_ID: "acme-local",
  AUTH_LOCAL_OIDC_SECRET: "l".repeat(40),
};
const GOOGLE = { APP_URL: "https://billing.example.com", AUTH_GOOGLE_ID: "g-id", AUTH_GOOGLE_SECRET: "g-secret" };
const GITHUB = { APP_URL: "https://billing.example.com", AUTH_GITHUB_ID: "gh-id", AUTH_GITHUB_SECRET: "gh-secret" };
const KEYS = ["APP_URL", "NEXTAUTH_URL", "AUTH_LOCAL_LOGIN", ...Object.keys(LOCAL), ...Object.keys(GOOGLE), ...Object.keys(GITHUB)];

async function authWith(env: Record<string, string>) {
  vi.resetModules();
  for (const key of KEYS) delete process.env[key];
  Object.assign(process.env, base, env);
  return import("@/lib/auth/options");
}

function account(provider: string): Account {
  return { provider, type: "oauth", providerAccountId: "1" };
}

async function signInWith(provider: string, profile: Record<string, unknown>, user: Partial<User> = {}) {
  const { authOptions } = await import("@/lib/auth/options");
  return authOptions().callbacks!.signIn!({ user: { id: "1", ...user }, account: account(provider), profile: profile as Profile });
}

beforeEach(() => {
  signInIdentity.mockClear();
});
afterEach(() => vi.unstubAllGlobals());

describe("session cookie", () => {
  it("is __Secure- and HTTPS-only when APP_URL is https, whatever NEXTAUTH_URL says", async () => {
    for (const nextauthUrl of [undefined, "http://localhost:3000"]) {
      const { authOptions } = await authWith({ ...GOOGLE, ...(nextauthUrl ? { NEXTAUTH_URL: nextauthUrl } : {}) });
      expect(authOptions().useSecureCookies).toBe(true);
      expect(authOptions().cookies?.sessionToken).toMatchObject({ name: "__Secure-next-auth.session-token", options: { secure: true } });
      expect(authOptions().session?.strategy).toBe("jwt");
    }
  });

  it("is a plain cookie on http://localhost", async () => {
    const { authOptions } = await authWith(LOCAL);
    expect(authOptions().useSecureCookies).toBe(false);
    expect(authOptions().cookies?.sessionToken?.name).toBe("next-auth.session-token");
  });
});

describe("providers", () => {
  it("offers the local identity provider through next-auth's OIDC code path, with PKCE, state and nonce", async () => {
    const { authOptions, signInOptions } = await authWith(LOCAL);
    expect(signInOptions()).toEqual([{ id: "local-oidc", name: "Local identity provider (development)" }]);
    const [provider] = authOptions().providers as Array<OAuthConfig<Profile>>;
    expect(provider).toMatchObject({
      id: "local-oidc",
      type: "oauth",
      wellKnown: "http://127.0.0.1:7400/.well-known/openid-configuration",
      idToken: true,
      checks: ["pkce", "state", "nonce"],
      clientId: "acme-local",
    });
  });

  it("offers GitHub and Google when configured, and never a passwordless provider", async () => {
    const { authOptions, signInOptions } = await authWith({ ...GITHUB, ...GOOGLE });
    expect(signInOptions().map((o) => o.id)).toEqual(["github", "google"]);
    expect(authOptions().providers.map((p) => p.type)).toEqual(["oauth", "oauth"]);
  });

  it("asks GitHub's emails API on every sign-in, even when the profile has a public email", async () => {
    const { authOptions } = await authWith(GITHUB);
    const fetched: string[] = [];
    vi.stubGlobal("fetch", async (url: string) => {
      fetched.push(url);
      const body = url.endsWith("/user/emails")
        ? [{ email: "me@work.example", primary: true, verified: true }]
        : { id: 7, login: "octo", name: null, avatar_url: "a", email: "public@elsewhere.example" };
      return new Response(JSON.stringify(body), { status: 200 });
    });
    const github = authOptions().providers[0] as OAuthConfig<Record<string, unknown>> & { options: OAuthConfig<Record<string, unknown>> };
    const userinfo = github.options.userinfo as { request: (ctx: unknown) => Promise<Record<string, unknown>> };
    const profile = await userinfo.request({ tokens: { access_token: "gho_x" } });
    expect(fetched).toEqual(["https://api.github.com/user", "https://api.github.com/user/emails"]);
    expect(await github.options.profile(profile, {})).toMatchObject({ id: "7", name: "octo", email: "me@work.example" });
  });
});

describe("signIn: verified emails only", () => {
  it("refuses a Google account whose email is not verified, saying why", async () => {
    await authWith(GOOGLE);
    // next-auth fills user.email from the profile; only the profile says whether Google verified it.
    const result = await signInWith("google", { sub: "1", email: "mallory@example.com", email_verified: false }, { email: "mallory@example.com" });
    expect(result).toBe("https://billing.example.com/signin?error=EmailNotVerified&provider=google");
    expect(signInIdentity).not.toHaveBeenCalled();
  });

  it("accepts a Google account with a verified email, stored lower-cased", async () => {
    await authWith(GOOGLE);
    expect(await signInWith("google", { sub: "1", email: "Alice@Example.com", email_verified: true }, { name: "Alice" })).toBe(true);
    expect(signInIdentity).toHaveBeenCalledWith(expect.objectContaining(binding("alice@example.com", "Alice")));
  });

  it("takes GitHub's verified primary email, never the profile's public one", async () => {
    await authWith(GITHUB);
    const unverifiedPrimary = {
      id: 7,
      email: "public@example.com",
      emails: [
        { email: "primary@example.com", primary: true, verified: false },
        { email: "other@example.com", primary: false, verified: true },
      ],
    };
    expect(await signInWith("github", unverifiedPrimary, { email: "public@example.com" })).toBe("https://billing.example.com/signin?error=EmailNotVerified&provider=github");
    const verified = { ...unverifiedPrimary, emails: [{ email: "Primary@Example.com", primary: true, verified: true }] };
    expect(await signInWith("github", verified)).toBe(true);
    expect(signInIdentity).toHaveBeenCalledWith(expect.objectContaining(binding("primary@example.com", null)));
  });

  it("binds the provider's subject, and sends a refused account back to sign-in naming the providers its email's user signs in with", async () => {
    await authWith(GOOGLE);
    expect(await signInWith("google", { sub: "g-1", email: "alice@example.com", email_verified: true })).toBe(true);
    expect(signInIdentity).toHaveBeenLastCalledWith(expect.objectContaining({ provider: "google", subject: "1" }));
    signInIdentity.mockResolvedValueOnce({ ok: false, providers: ["github", "local-oidc"] });
    expect(await signInWith("google", { sub: "g-2", email: "alice@example.com", email_verified: true })).toBe(
      "https://billing.example.com/signin?error=AccountNotLinked&provider=google&uses=github%2Clocal-oidc",
    );
  });

  it("accepts the local provider's verified email and refuses one without email_verified", async () => {
    await authWith(LOCAL);
    expect(await signInWith("local-oidc", { sub: "s", email: "dev@example.com", email_verified: true })).toBe(true);
    expect(await signInWith("local-oidc", { sub: "s", email: "dev@example.com" })).toBe(
      "http://localhost:3000/signin?error=EmailNotVerified&provider=local-oidc",
    );
  });

  it("refuses a provider that is not configured", async () => {
    await authWith(GOOGLE);
    expect(await signInWith("local-oidc", { sub: "s", email: "dev@example.com", email_verified: true })).toBe(false);
  });
});

describe("the session records its provider", () => {
  it("sets the provider, its subject, and the bound user's email and session version at sign-in; the session carries the provider", async () => {
    const { authOptions } = await authWith(GOOGLE);
    const { jwt, session } = authOptions().callbacks!;
    const token = await jwt!({
      token: { email: "Alice@Example.com" },
      user: { id: "1", email: "alice@example.com" },
      account: account("google"),
      // The provider shows another address today: the account stays the one its subject is bound to.
      profile: { email: "alice@new.example", email_verified: true } as Profile,
    });
    expect(boundUser).toHaveBeenLastCalledWith({ provider: "google", subject: "1" });
    expect(token).toMatchObject({ provider: "google", sub: "1", email: "alice@example.com", sv: 3 });
    // Later calls (no account) keep it as it is.
    expect(await jwt!({ token, user: undefined as never, account: null })).toEqual(token);
    const s = await session!({ session: { user: { email: "alice@example.com" }, expires: "x" }, token, user: undefined as never, newSession: undefined, trigger: "update" });
    expect(s).toMatchObject({ provider: "google" });
  });

  it("issues no usable session when the account is bound to no user", async () => {
    const { authOptions } = await authWith(GOOGLE);
    boundUser.mockResolvedValueOnce(null);
    const token = await authOptions().callbacks!.jwt!({ token: {}, user: { id: "1" }, account: account("google") });
    expect(token).toMatchObject({ email: null, sv: null });
  });
});
