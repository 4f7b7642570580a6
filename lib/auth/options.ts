import "server-only";
import type { NextAuthOptions } from "next-auth";
import GitHubProvider from "next-auth/providers/github";
import GoogleProvider from "next-auth/providers/google";
import type { Provider } from "next-auth/providers/index";
import type { OAuthConfig } from "next-auth/providers/oauth";
import { env, type Env } from "../env";
import { githubProfile, type GitHubProfileWithEmails } from "./github-profile";
import { sessionCookie } from "./session-cookie";
import { LOCAL_OIDC_PROVIDER_ID, PROVIDER_NAMES, configuredProviderIds, type ProviderId } from "./sign-in-providers";
import { verifiedEmail } from "./sign-in-rules";
import { boundUser, signInIdentity } from "./identities";
import { getSession } from "./session";

interface OidcProfile extends Record<string, unknown> {
  sub: string;
  email?: string;
  name?: string;
}

/**
 * The local identity provider (packages/local-oidc, started by `npm run dev`), reached through
 * next-auth's OAuth/OIDC code path like Google: discovery, PKCE, state, nonce, a signed ID token.
 * lib/env only accepts it with a loopback APP_URL and issuer.
 */
function localOidcProvider(issuer: string, clientId: string, clientSecret: string): OAuthConfig<OidcProfile> {
  return {
    id: LOCAL_OIDC_PROVIDER_ID,
    name: PROVIDER_NAMES[LOCAL_OIDC_PROVIDER_ID],
    type: "oauth",
    wellKnown: `${issuer}/.well-known/openid-configuration`,
    clientId,
    clientSecret,
    // prompt=login: its form on every sign-in, so a developer can switch users.
    authorization: { params: { scope: "openid email profile", prompt: "login" } },
    idToken: true,
    checks: ["pkce", "state", "nonce"],
    profile: (p) => ({ id: p.sub, email: p.email ?? null, name: p.name ?? null }),
  };
}

function providers(e: Env): Provider[] {
  const list: Provider[] = [];
  if (e.AUTH_GITHUB_ID && e.AUTH_GITHUB_SECRET) {
    list.push(
      GitHubProvider<GitHubProfileWithEmails>({
        clientId: e.AUTH_GITHUB_ID,
        clientSecret: e.AUTH_GITHUB_SECRET,
        userinfo: { url: "https://api.github.com/user", request: githubProfile },
        profile: (p) => {
          const decision = verifiedEmail("github", p);
          return { id: String(p.id), name: p.name ?? p.login, email: decision.ok ? decision.email : null, image: p.avatar_url };
        },
      }),
    );
  }
  if (e.AUTH_GOOGLE_ID && e.AUTH_GOOGLE_SECRET) {
    list.push(GoogleProvider({ clientId: e.AUTH_GOOGLE_ID, clientSecret: e.AUTH_GOOGLE_SECRET }));
  }
  if (e.AUTH_LOCAL_OIDC_ISSUER && e.AUTH_LOCAL_OIDC_ID && e.AUTH_LOCAL_OIDC_SECRET) {
    list.push(localOidcProvider(e.AUTH_LOCAL_OIDC_ISSUER, e.AUTH_LOCAL_OIDC_ID, e.AUTH_LOCAL_OIDC_SECRET));
  }
  return list;
}

let cached: NextAuthOptions | undefined;

/** Built on first use, not at import, so `next build` needs no runtime secrets. */
export function authOptions(): NextAuthOptions {
  if (cached) return cached;
  const e = env();
  const configured = configuredProviderIds(e);
  const cookie = sessionCookie(e.APP_URL);
  cached = {
    secret: e.NEXTAUTH_SECRET,
    session: { strategy: "jwt" },
    // The middleware reads the same derivation (lib/auth/session-cookie), whatever NEXTAUTH_URL says.
    useSecureCookies: cookie.secure,
    cookies: { sessionToken: cookie.sessionToken },
    pages: { signIn: "/signin", error: "/signin" },
    providers: providers(e),
    callbacks: {
      async signIn({ user, account, profile }) {
        if (!account || !configured.includes(account.provider as ProviderId)) return false;
        const decision = verifiedEmail(account.provider, profile);
        if (!decision.ok) {
          if (decision.reason === "UnknownProvider") return false;
          const query = new URLSearchParams({ error: decision.reason, provider: account.provider });
          return `${e.APP_URL}/signin?${query}`;
        }
        // A browser already signed in here may be adding this provider to its account.
        const current = await getSession();
        const result = await signInIdentity({
          provider: account.provider,
          subject: account.providerAccountId,
          email: decision.email,
          name: user.name ?? null,
          signedInAs: current?.email ?? null,
        });
        if (result.ok) return true;
        const query = new URLSearchParams({ error: "AccountNotLinked", provider: account.provider, uses: result.providers.join(",") });
        return `${e.APP_URL}/signin?${query}`;
      },
      async jwt({ token, account }) {
        // Only at sign-in (then `account` is set): the user signIn bound this account to (its email
        // can differ from the one the provider shows today), and the session version it is issued under.
        if (account) {
          const bound = await boundUser({ provider: account.provider, subject: account.providerAccountId });
          token.provider = account.provider;
          token.sub = account.providerAccountId;
          token.email = bound?.email ?? null;
          token.sv = bound?.sessionVersion ?? null;
        }
        return token;
      },
      session({ session, token }) {
        return { ...session, provider: token.provider };
      },
    },
  };
  return cached;
}

export type SignInOption = { id: ProviderId; name: string };

/** The providers the sign-in page offers, in a fixed order. */
export function signInOptions(): SignInOption[] {
  return configuredProviderIds(env()).map((id) => ({ id, name: PROVIDER_NAMES[id] }));
}
