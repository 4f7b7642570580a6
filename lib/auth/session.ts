import "server-only";
import { getToken } from "next-auth/jwt";
import { cookies } from "next/headers";
import { env } from "../env";
import { sessionCookie } from "./session-cookie";
import { configuredProviderIds } from "./sign-in-providers";
import { sessionEmail } from "./sign-in-rules";
import { findUserByEmail, type UserView } from "../users";
import { FREE_PLAN } from "@/models/User";

/**
 * Who is signed in, read from next-auth's session cookie with next-auth's own `getToken` (the
 * decryption and expiry checks `getServerSession` and the middleware use). Pages read the session
 * here rather than through `getServerSession`, which needs the whole auth configuration: next-auth's
 * routes, its OAuth client and its page renderer, compiled into every page in dev and loaded at
 * every cold start for one cookie read. Sign-in itself stays with lib/auth/options and /api/auth.
 */
export async function sessionEmailFromCookies(cookieValues: Record<string, string>): Promise<string | null> {
  const e = env();
  const token = await getToken({
    // getToken reads `req.cookies` as a plain record (chunked cookies included) and `req.headers`
    // for a Bearer fallback, left empty; its type names only Next's request classes.
    req: { cookies: cookieValues, headers: {} } as unknown as Parameters<typeof getToken>[0]["req"],
    secret: e.NEXTAUTH_SECRET,
    cookieName: sessionCookie(e.APP_URL).sessionToken.name,
  });
  if (!token) return null;
  // The session lib/auth/options's callbacks make of this token: its email and the provider it came from.
  return sessionEmail({ user: { email: token.email }, provider: typeof token.provider === "string" ? token.provider : undefined }, configuredProviderIds(e));
}

/** The signed-in user's email from the session, or null (also for a provider not configured here). */
export async function getSessionEmail(): Promise<string | null> {
  const jar = await cookies();
  return sessionEmailFromCookies(Object.fromEntries(jar.getAll().map((c) => [c.name, c.value])));
}

/** The signed-in user as stored in MongoDB (the plan comes from there, never from the JWT). */
export async function getCurrentUser(): Promise<UserView | null> {
  const email = await getSessionEmail();
  if (!email) return null;
  return (await findUserByEmail(email)) ?? { email, name: null, subscriptionStatus: FREE_PLAN, planRank: 0, planUntil: null, polarCustomerId: null };
}
