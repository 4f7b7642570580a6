import "server-only";
import { getToken } from "next-auth/jwt";
import { cookies } from "next/headers";
import { cache } from "react";
import { env } from "../env";
import { sessionHolder } from "./identities";
import { holdsIdentity } from "./identity-rules";
import { sessionCookie } from "./session-cookie";
import { configuredProviderIds } from "./sign-in-providers";
import { sessionEmail } from "./sign-in-rules";
import { findUserByEmail, type UserView } from "../users";

/** Who is signed in: the user's email, and the provider account (bound to that user) the session came from. */
export interface SignedIn {
  email: string;
  provider: string;
  subject: string;
}

/**
 * Who is signed in, read from next-auth's session cookie with next-auth's own `getToken` (the
 * decryption and expiry checks `getServerSession` and the middleware use). Pages read the session
 * here rather than through `getServerSession`, which needs the whole auth configuration: next-auth's
 * routes, its OAuth client and its page renderer, compiled into every page in dev and loaded at
 * every cold start for one cookie read. Sign-in itself stays with lib/auth/options and /api/auth.
 *
 * A sealed cookie is not enough: the session counts only while its provider account is still bound
 * to the user and the user's session version is the one it was issued under (one indexed read by
 * email), so "sign out everywhere", a deleted account or an unbound account end it at once.
 */
export async function sessionFromCookies(cookieValues: Record<string, string>): Promise<SignedIn | null> {
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
  const provider = typeof token.provider === "string" ? token.provider : undefined;
  const email = sessionEmail({ user: { email: token.email }, provider }, configuredProviderIds(e));
  if (!email || !provider || typeof token.sub !== "string" || typeof token.sv !== "number") return null;
  const holder = await sessionHolder(email);
  const identity = { provider, subject: token.sub };
  if (!holder || holder.sessionVersion !== token.sv || !holdsIdentity(holder.identities, identity)) return null;
  return { email, ...identity };
}

/** The signed-in user, once per request however many components ask. */
export const getSession = cache(async (): Promise<SignedIn | null> => {
  const jar = await cookies();
  return sessionFromCookies(Object.fromEntries(jar.getAll().map((c) => [c.name, c.value])));
});

/** The signed-in user's email from the session, or null (also for a provider not configured here). */
export async function getSessionEmail(): Promise<string | null> {
  return (await getSession())?.email ?? null;
}

/** The signed-in user as stored in MongoDB (the plan comes from there, never from the JWT). */
export async function getCurrentUser(): Promise<UserView | null> {
  const email = await getSessionEmail();
  return email ? findUserByEmail(email) : null;
}
