import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Issuer, generators, type BaseClient } from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOidcProvider, subjectFor, type OidcProvider } from "../src/index";
import { CookieJar, loginAtLocalProvider } from "../src/login";

// The local identity provider driven by openid-client, the library next-auth signs in with.
const REDIRECT = "http://localhost:3999/api/auth/callback/local-oidc";
const CLIENT = { clientId: "acme-local", clientSecret: "local-oidc-test-secret-0123456789abcdef", redirectUris: [REDIRECT] };
const dir = mkdtempSync(join(tmpdir(), "oidc-provider-test-"));
const keysFile = join(dir, "keys.json");
let idp: OidcProvider;
let client: BaseClient;

async function clientFor(issuerUrl: string, secret = CLIENT.clientSecret): Promise<BaseClient> {
  const issuer = await Issuer.discover(`${issuerUrl}/.well-known/openid-configuration`);
  return new issuer.Client({ client_id: CLIENT.clientId, client_secret: secret, redirect_uris: [REDIRECT] });
}

function startFlow(c: BaseClient, extra: Record<string, string> = {}) {
  const checks = { code_verifier: generators.codeVerifier(), state: generators.state(), nonce: generators.nonce() };
  const url = c.authorizationUrl({
    scope: "openid email profile",
    code_challenge: generators.codeChallenge(checks.code_verifier),
    code_challenge_method: "S256",
    state: checks.state,
    nonce: checks.nonce,
    ...extra,
  });
  return { url, checks };
}

async function signIn(email: string, name?: string, person?: string, jar?: CookieJar) {
  // prompt=login, as the app asks: the form every time, whatever session the provider has.
  const { url, checks } = startFlow(client, { prompt: "login" });
  const back = await loginAtLocalProvider(url, email, name, person, jar);
  const tokens = await client.callback(REDIRECT, client.callbackParams(back.href), checks);
  return tokens.claims();
}

beforeAll(async () => {
  idp = await startOidcProvider({ port: 0, client: CLIENT, keysFile, log: () => {} });
  client = await clientFor(idp.issuer);
});

afterAll(async () => {
  await idp?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("local OIDC provider", () => {
  it("signs in any email through the code flow with PKCE, with a verified email and a stable subject", async () => {
    const claims = await signIn("Alice@Example.com", "Alice Liddell");
    expect(claims).toMatchObject({
      sub: subjectFor("alice@example.com"),
      email: "alice@example.com",
      email_verified: true,
      name: "Alice Liddell",
      iss: idp.issuer,
      aud: CLIENT.clientId,
    });
    const again = await signIn("alice@example.com");
    expect(again.sub).toBe(claims.sub);
    expect(again).not.toHaveProperty("name");
  });

  it("gives another person with the same email another subject, as a provider does after an address changes hands", async () => {
    const usual = await signIn("billing@example.com");
    const successor = await signIn("billing@example.com", undefined, "successor");
    expect(successor).toMatchObject({ email: "billing@example.com", email_verified: true, sub: subjectFor("billing@example.com", "successor") });
    expect(successor.sub).not.toBe(usual.sub);
    expect((await signIn("billing@example.com", undefined, "successor")).sub).toBe(successor.sub);
  });

  it("switches accounts in one browser: a sign-in as someone else ends the provider's previous session", async () => {
    const browser = new CookieJar();
    expect((await signIn("alice@example.com", undefined, undefined, browser)).email).toBe("alice@example.com");
    expect((await signIn("bob@example.com", undefined, undefined, browser)).email).toBe("bob@example.com");
    expect((await signIn("bob@example.com", undefined, "successor", browser)).sub).toBe(subjectFor("bob@example.com", "successor"));
  });

  it("refuses an authorization request without PKCE", async () => {
    const url = client.authorizationUrl({ scope: "openid email", state: "s", nonce: "n" });
    const res = await fetch(url, { redirect: "manual" });
    const back = new URL(res.headers.get("location") ?? "");
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    expect(back.searchParams.get("error")).toBe("invalid_request");
    expect(back.searchParams.get("error_description")).toMatch(/PKCE/);
  });

  it("refuses a token request with the wrong client secret", async () => {
    const wrong = await clientFor(idp.issuer, "x".repeat(40));
    const { url, checks } = startFlow(wrong);
    const back = await loginAtLocalProvider(url, "bob@example.com");
    await expect(wrong.callback(REDIRECT, wrong.callbackParams(back.href), checks)).rejects.toThrow(/invalid_client/);
  });

  it("serves an accessible sign-in page that loads nothing from anywhere", async () => {
    const jar = new CookieJar();
    const { url } = startFlow(client);
    const first = await fetch(url, { redirect: "manual" });
    jar.store(first);
    const page = await fetch(new URL(first.headers.get("location")!, url), { headers: { cookie: jar.header() } });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('<html lang="en">');
    expect(html).toMatch(/<label for="email">Email address<\/label>\s*<input id="email" name="email" type="email" required/);
    expect(html).toMatch(/<label for="name">Name/);
    expect(html).toContain("it signs in any email address, with no password");
    expect(html).not.toMatch(/<script|<link|<img|@import|src=/i);
    expect(page.headers.get("content-security-policy")).toMatch(/^default-src 'none';.*form-action 'self' http:\/\/localhost:3999;/);
  });

  it("answers a malformed email with the form again and a message", async () => {
    const jar = new CookieJar();
    const { url } = startFlow(client);
    const first = await fetch(url, { redirect: "manual" });
    jar.store(first);
    const interaction = new URL(first.headers.get("location")!, url);
    const res = await fetch(new URL(`${interaction.pathname}/login`, url), {
      method: "POST",
      headers: { cookie: jar.header(), "content-type": "application/x-www-form-urlencoded" },
      body: "email=not-an-email%40&name=",
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/role="alert"[^>]*>Enter an email address/);
  });

  it("keeps its signing key across restarts when given a keys file", async () => {
    const jwks = async (issuer: string) => ((await (await fetch(`${issuer}/jwks`)).json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);
    const before = await jwks(idp.issuer);
    const second = await startOidcProvider({ port: 0, client: CLIENT, keysFile, log: () => {} });
    try {
      expect(await jwks(second.issuer)).toEqual(before);
    } finally {
      await second.stop();
    }
  });

  it("listens and redirects on loopback only, with a long client secret", async () => {
    await expect(startOidcProvider({ host: "0.0.0.0", client: CLIENT })).rejects.toThrow(/not a loopback address/);
    await expect(
      startOidcProvider({ client: { ...CLIENT, redirectUris: ["https://billing.example.com/api/auth/callback/local-oidc"] } }),
    ).rejects.toThrow(/redirect URI .* is not on a loopback address/);
    await expect(startOidcProvider({ client: { ...CLIENT, clientSecret: "short" } })).rejects.toThrow(/at least 32 characters/);
  });
});
