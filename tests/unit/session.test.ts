import { encode } from "next-auth/jwt";
import { beforeEach, describe, expect, it, vi } from "vitest";

// No database here: the stored user a session must match is set per test.
type Holder = { sessionVersion: number; identities: Array<{ provider: string; subject: string }> };
let holder: Holder | null = null;
vi.mock("@/lib/users", () => ({ findUserByEmail: vi.fn(async () => null) }));
vi.mock("@/lib/auth/identities", () => ({ sessionHolder: vi.fn(async () => holder) }));

const SECRET = "s".repeat(40);
const env = {
  MONGODB_URI: "mongodb://127.0.0.1:1/x",
  POLAR_ACCESS_TOKEN: "t",
  POLAR_WEBHOOK_SECRET: "whsec_unit_test_secret_0123456789",
  NEXTAUTH_SECRET: SECRET,
  CRON_SECRET: "cron-secret-0123456789",
  APP_URL: "https://billing.example.com",
  AUTH_GOOGLE_ID: "g-id",
  AUTH_GOOGLE_SECRET: "g-secret",
};
const COOKIE = "__Secure-next-auth.session-token"; // https APP_URL (lib/auth/session-cookie)

/** A session cookie as next-auth's route handler writes it after lib/auth/options's jwt callback. */
function sessionToken(claims: Record<string, unknown>, opts: { secret?: string; maxAge?: number } = {}) {
  return encode({ token: { sub: "1", sv: 0, name: "Alice", ...claims }, secret: opts.secret ?? SECRET, maxAge: opts.maxAge });
}

async function emailFrom(cookies: Record<string, string>) {
  const { sessionFromCookies } = await import("@/lib/auth/session");
  return (await sessionFromCookies(cookies))?.email ?? null;
}

beforeEach(() => {
  vi.resetModules();
  Object.assign(process.env, env);
  holder = { sessionVersion: 0, identities: [{ provider: "google", subject: "1" }] };
});

describe("the session pages read (lib/auth/session, next-auth's getToken over the cookie)", () => {
  it("is the token's email when it came from a provider configured here", async () => {
    expect(await emailFrom({ [COOKIE]: await sessionToken({ email: "alice@example.com", provider: "google" }) })).toBe("alice@example.com");
  });

  it("is nobody for a token from another provider, or from none", async () => {
    expect(await emailFrom({ [COOKIE]: await sessionToken({ email: "alice@example.com", provider: "local-oidc" }) })).toBeNull();
    expect(await emailFrom({ [COOKIE]: await sessionToken({ email: "alice@example.com" }) })).toBeNull();
  });

  it("is nobody for a token sealed with another secret, tampered with, expired, or under the other cookie name", async () => {
    const good = await sessionToken({ email: "alice@example.com", provider: "google" });
    expect(await emailFrom({ [COOKIE]: await sessionToken({ email: "alice@example.com", provider: "google" }, { secret: "x".repeat(40) }) })).toBeNull();
    expect(await emailFrom({ [COOKIE]: `${good.slice(0, -6)}AAAAAA` })).toBeNull();
    expect(await emailFrom({ [COOKIE]: await sessionToken({ email: "alice@example.com", provider: "google" }, { maxAge: -60 }) })).toBeNull();
    expect(await emailFrom({ "next-auth.session-token": good })).toBeNull();
    expect(await emailFrom({})).toBeNull();
  });

  it("reads a token next-auth split into chunks", async () => {
    const token = await sessionToken({ email: "alice@example.com", provider: "google" });
    const half = Math.floor(token.length / 2);
    expect(await emailFrom({ [`${COOKIE}.0`]: token.slice(0, half), [`${COOKIE}.1`]: token.slice(half) })).toBe("alice@example.com");
  });

  it("is not an email the sign-in rules refuse", async () => {
    expect(await emailFrom({ [COOKIE]: await sessionToken({ email: "not-an-email", provider: "google" }) })).toBeNull();
  });

  it("is nobody once the user's session version moved on (sign out everywhere), the account was unbound, or the user is gone", async () => {
    const cookie = { [COOKIE]: await sessionToken({ email: "alice@example.com", provider: "google" }) };
    expect(await emailFrom(cookie)).toBe("alice@example.com");
    holder = { sessionVersion: 1, identities: [{ provider: "google", subject: "1" }] };
    expect(await emailFrom(cookie)).toBeNull();
    holder = { sessionVersion: 0, identities: [{ provider: "google", subject: "2" }] };
    expect(await emailFrom(cookie)).toBeNull();
    holder = null;
    expect(await emailFrom(cookie)).toBeNull();
  });

  it("is nobody for a token issued before sessions carried a version or a subject", async () => {
    expect(await emailFrom({ [COOKIE]: await sessionToken({ email: "alice@example.com", provider: "google", sv: undefined }) })).toBeNull();
  });
});
