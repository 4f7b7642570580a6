import { encode } from "next-auth/jwt";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { boundUser, linkedIdentities, signInIdentity, signOutEverywhere } from "@/lib/auth/identities";
import { sessionFromCookies } from "@/lib/auth/session";
import { User } from "@/models/User";
import { clearCollections, setupTestDatabase } from "../helpers/db";

const { uri } = setupTestDatabase(import.meta.url);
const SECRET = "i".repeat(40);
const COOKIE = "next-auth.session-token"; // an http APP_URL (lib/auth/session-cookie)

beforeAll(() => {
  Object.assign(process.env, {
    MONGODB_URI: uri,
    POLAR_ACCESS_TOKEN: "t",
    POLAR_WEBHOOK_SECRET: "whsec_identity_test_secret_0123456789",
    NEXTAUTH_SECRET: SECRET,
    CRON_SECRET: "cron-secret-0123456789",
    APP_URL: "http://localhost:3999",
    AUTH_LOCAL_OIDC_ISSUER: "http://127.0.0.1:9",
    AUTH_LOCAL_OIDC_ID: "identity-test",
    AUTH_LOCAL_OIDC_SECRET: "identity-test-oidc-secret-0123456789",
    AUTH_GOOGLE_ID: "g-id",
    AUTH_GOOGLE_SECRET: "g-secret",
  });
});
beforeEach(clearCollections);

const signIn = (provider: string, subject: string, email: string, signedInAs: string | null = null) =>
  signInIdentity({ provider, subject, email, name: null, signedInAs });

/** The cookie next-auth writes after lib/auth/options's jwt callback for this account. */
async function cookieFor(provider: string, subject: string) {
  const bound = await boundUser({ provider, subject });
  const token = await encode({ token: { sub: subject, provider, email: bound?.email ?? null, sv: bound?.sessionVersion ?? null }, secret: SECRET });
  return { [COOKIE]: token };
}

describe("accounts bound to the provider's subject (MongoDB wire protocol, FerretDB here)", () => {
  it("a first sign-in creates the user bound to its subject; the same subject signs in again, another with the same email is refused", async () => {
    expect(await signIn("google", "g-alice", "billing@company.com")).toEqual({ ok: true, email: "billing@company.com" });
    expect(await signIn("google", "g-alice", "billing@company.com")).toEqual({ ok: true, email: "billing@company.com" });
    // The address changed hands: Google verifies it for a new person, who must not inherit the account.
    expect(await signIn("google", "g-newcomer", "billing@company.com")).toEqual({ ok: false, providers: ["google"] });
    // Nor through another provider that shows the same verified address.
    expect(await signIn("github", "42", "billing@company.com")).toEqual({ ok: false, providers: ["google"] });
    const user = await User.findOne({ email: "billing@company.com" }).lean();
    expect(user?.identities?.map((i) => `${i.provider}:${i.subject}`)).toEqual(["google:g-alice"]);
  });

  it("a second provider is linked only from a session of the user", async () => {
    await signIn("google", "g-alice", "alice@example.com");
    expect(await signIn("github", "7", "alice@example.com", "mallory@example.com")).toEqual({ ok: false, providers: ["google"] });
    expect(await signIn("github", "7", "alice@example.com", "alice@example.com")).toEqual({ ok: true, email: "alice@example.com" });
    expect(await signIn("github", "7", "alice@example.com")).toEqual({ ok: true, email: "alice@example.com" });
    expect(await linkedIdentities("alice@example.com")).toEqual([{ provider: "google", subject: "g-alice" }, { provider: "github", subject: "7" }]);
  });

  it("a bound subject stays with its user when the provider shows another email", async () => {
    await signIn("google", "g-alice", "alice@example.com");
    expect(await signIn("google", "g-alice", "alice@new.example")).toEqual({ ok: true, email: "alice@example.com" });
    expect(await User.countDocuments({ email: "alice@new.example" })).toBe(0);
  });

  it("a user stored before binding (the seed, a payment's webhook) is claimed once, by one subject, even when two sign in at once", async () => {
    await User.create({ email: "legacy@example.com" });
    const results = await Promise.all([signIn("google", "g-1", "legacy@example.com"), signIn("github", "2", "legacy@example.com"), signIn("google", "g-3", "legacy@example.com")]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const user = await User.findOne({ email: "legacy@example.com" }).lean();
    expect(user?.identities).toHaveLength(1);
  });

  it("a session ends when the user signs out everywhere, and when its account is no longer bound", async () => {
    await signIn("google", "g-alice", "alice@example.com");
    const cookie = await cookieFor("google", "g-alice");
    expect(await sessionFromCookies(cookie)).toEqual({ email: "alice@example.com", provider: "google", subject: "g-alice" });
    await signOutEverywhere("alice@example.com");
    expect(await sessionFromCookies(cookie)).toBeNull();
    // A new sign-in is issued under the new version.
    expect(await sessionFromCookies(await cookieFor("google", "g-alice"))).toEqual({ email: "alice@example.com", provider: "google", subject: "g-alice" });
    await User.updateOne({ email: "alice@example.com" }, { $set: { identities: [] } });
    expect(await sessionFromCookies(await cookieFor("google", "g-alice"))).toBeNull();
  });

  it("a token naming a bound user but another subject (forged claims, or minted before binding) is no session", async () => {
    await signIn("google", "g-alice", "alice@example.com");
    const token = await encode({ token: { sub: "g-mallory", provider: "google", email: "alice@example.com", sv: 0 }, secret: SECRET });
    expect(await sessionFromCookies({ [COOKIE]: token })).toBeNull();
  });
});
