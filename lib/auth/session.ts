import "server-only";
import { getToken } from "next-auth/jwt";
import { cookies } from "next/headers";
import { cache } from "react";
import { env } from "../env";
import { sessionHolder } from "./identities";
import { holdsIdentity, type BoundIdentity } from "./identity-rules";
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
 * What a session cookie claims: the user (email), the provider account it came from, and the
 * session version it was issued under. Read from next-auth's session cookie with next-auth's own
 * `getToken` (the decryption and expiry checks `getServerSession` and the middleware use). Pages
 * read the session here rather than through `getServerSession`, which needs the whole auth
 * configuration: next-auth's routes, its OAuth client and its page renderer, compiled into every
 * page in dev and loaded at every cold start for one cookie read. Sign-in itself stays with
 * lib/auth/options and /api/auth.
 *
 * A sealed cookie is not enough: the claim counts only while its provider account is still bound
 * to the user and the user's session version is the one it was issued under (`claimHeld`, on one
 * indexed read of the user by email), so "sign out everywhere", a deleted account or an unbound
 * account end it at once.
 */
export interface SessionClaim extends SignedIn {
  version: number;
}

/** The user fields a claim is checked against: a caller that reads the user anyway adds these to its read. */
export const SESSION_FIELDS = { sessionVersion: 1, identities: 1 } as const;

/** Whether this stored user (read with SESSION_FIELDS, null if none) still holds the claim. */
export function claimHeld(claim: SessionClaim, user: { sessionVersion?: number | null; identities?: BoundIdentity[] | null } | null): boolean {
  return user !== null && (user.sessionVersion ?? 0) === claim.version && holdsIdentity(user.identities ?? [], claim);
}

/** The claim's check, to run on a read of the user the caller makes anyway (lib/checkout/begin.ts's `session`). */
export function checkOnUserRead(claim: SessionClaim) {
  return { fields: SESSION_FIELDS, holds: (user: Parameters<typeof claimHeld>[1]) => claimHeld(claim, user) };
}

async function claimFromCookies(cookieValues: Record<string, string>): Promise<SessionClaim | null> {
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
  return { email, provider, subject: token.sub, version: token.sv };
}

/** Who is signed in, from these cookies: the claim, checked against the user. */
export async function sessionFromCookies(cookieValues: Record<string, string>): Promise<SignedIn | null> {
  const claim = await claimFromCookies(cookieValues);
  if (!claim || !claimHeld(claim, await sessionHolder(claim.email))) return null;
  return { email: claim.email, provider: claim.provider, subject: claim.subject };
}

/**
 * The request's session claim, not yet checked against the user: for a caller that reads the user
 * anyway and checks it there (`claimHeld`) before it acts. Everything else uses getSession.
 */
export const getSessionClaim = cache(async (): Promise<SessionClaim | null> => claimFromCookies(await cookieValues()));

/** The signed-in user, once per request however many components ask. */
export const getSession = cache(async (): Promise<SignedIn | null> => sessionFromCookies(await cookieValues()));

async function cookieValues(): Promise<Record<string, string>> {
  const jar = await cookies();
  return Object.fromEntries(jar.getAll().map((c) => [c.name, c.value]));
}

/** The signed-in user's email from the session, or null (also for a provider not configured here). */
export async function getSessionEmail(): Promise<string | null> {
  return (await getSession())?.email ?? null;
}

/** The signed-in user as stored in MongoDB (the plan comes from there, never from the JWT). */
export async function getCurrentUser(): Promise<UserView | null> {
  const email = await getSessionEmail();
  return email ? findUserByEmail(email) : null;
}
