import "server-only";
import { notFound } from "next/navigation";
import { env } from "@/lib/env";
import { getSessionEmail } from "@/lib/auth/session";

export function isAdminEmail(email: string): boolean {
  return env().ADMIN_EMAILS.includes(email.toLowerCase());
}

/**
 * The signed-in operator's email, or a 404 for everyone else, signed in or not: the page does
 * not admit that it exists, and a sign-in redirect would.
 */
export async function requireAdmin(): Promise<string> {
  const email = await getSessionEmail();
  if (!email || !isAdminEmail(email)) notFound();
  return email;
}
