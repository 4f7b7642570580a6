import "server-only";
import { getServerSession, type NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import GitHubProvider from "next-auth/providers/github";
import GoogleProvider from "next-auth/providers/google";
import type { Provider } from "next-auth/providers/index";
import { z } from "zod";
import { env } from "./env";
import { findUserByEmail, upsertUserOnSignIn } from "./users";

export const emailSchema = z.email().max(254).transform((e) => e.trim().toLowerCase());

function providers(): Provider[] {
  const e = env();
  const list: Provider[] = [];
  if (e.AUTH_GITHUB_ID && e.AUTH_GITHUB_SECRET) {
    list.push(GitHubProvider({ clientId: e.AUTH_GITHUB_ID, clientSecret: e.AUTH_GITHUB_SECRET }));
  }
  if (e.AUTH_GOOGLE_ID && e.AUTH_GOOGLE_SECRET) {
    list.push(GoogleProvider({ clientId: e.AUTH_GOOGLE_ID, clientSecret: e.AUTH_GOOGLE_SECRET }));
  }
  // lib/env refuses AUTH_LOCAL_LOGIN when VERCEL_ENV=production, so this never reaches production.
  if (e.AUTH_LOCAL_LOGIN) {
    list.push(
      CredentialsProvider({
        id: "local",
        name: "Email (local development)",
        credentials: { email: { label: "Email", type: "email" } },
        authorize(credentials) {
          const parsed = emailSchema.safeParse(credentials?.email);
          return parsed.success ? { id: parsed.data, email: parsed.data } : null;
        },
      }),
    );
  }
  return list;
}

let cached: NextAuthOptions | undefined;

/** Built on first use, not at import, so `next build` needs no runtime secrets. */
export function authOptions(): NextAuthOptions {
  cached ??= {
    secret: env().NEXTAUTH_SECRET,
    session: { strategy: "jwt" },
    // __Secure- cookies, sent over HTTPS only, whenever the app is served over HTTPS.
    useSecureCookies: env().APP_URL.startsWith("https://"),
    pages: { signIn: "/signin", error: "/signin" },
    providers: providers(),
    callbacks: {
      async signIn({ user }) {
        const email = emailSchema.safeParse(user.email);
        if (!email.success) return false; // e.g. a GitHub account with no verified email
        await upsertUserOnSignIn(email.data, user.name ?? null);
        return true;
      },
      jwt({ token }) {
        if (token.email) token.email = token.email.toLowerCase();
        return token;
      },
    },
  };
  return cached;
}

export type SignInOption = { id: string; name: string; kind: "oauth" | "email" };

/** The providers the sign-in page offers. */
export function signInOptions(): SignInOption[] {
  return providers().map((p) => {
    // next-auth applies a provider's own options (our id "local") over its defaults when it starts.
    const options = (p as { options?: { id?: string; name?: string } }).options;
    return { id: options?.id ?? p.id, name: options?.name ?? p.name, kind: p.type === "credentials" ? "email" : "oauth" };
  });
}

/** The signed-in user's email from the session, or null. */
export async function getSessionEmail(): Promise<string | null> {
  const session = await getServerSession(authOptions());
  const parsed = emailSchema.safeParse(session?.user?.email);
  return parsed.success ? parsed.data : null;
}

/** The signed-in user as stored in MongoDB (the plan comes from there, never from the JWT). */
export async function getCurrentUser() {
  const email = await getSessionEmail();
  if (!email) return null;
  return (await findUserByEmail(email)) ?? { email, name: null, subscriptionStatus: "free" as const, planUntil: null, polarCustomerId: null };
}
