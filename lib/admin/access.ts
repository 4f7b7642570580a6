import "server-only";
import { notFound } from "next/navigation";
import { env } from "@/lib/env";
import { getSession, type SignedIn } from "@/lib/auth/session";

export type Operator = ReturnType<typeof env>["ADMIN_EMAILS"][number];

/**
 * Whether this session may operate: its email is listed, and when the entry is pinned, the session
 * came from that provider account (an email can change hands; a subject cannot). Read on every
 * request with the session, which itself ends when its user's session version moves on.
 */
export function isOperator(operators: readonly Operator[], session: SignedIn): boolean {
  return operators.some(
    (o) => o.email === session.email && (o.pin === null || (o.pin.provider === session.provider && o.pin.subject === session.subject)),
  );
}

/**
 * The signed-in operator's email, or a 404 for everyone else, signed in or not: the page does
 * not admit that it exists, and a sign-in redirect would.
 */
export async function requireAdmin(): Promise<string> {
  const session = await getSession();
  if (!session || !isOperator(env().ADMIN_EMAILS, session)) notFound();
  return session.email;
}
