import { z } from "zod";
import { LOCAL_OIDC_PROVIDER_ID, PROVIDER_NAMES, isProviderId } from "./sign-in-providers";

/**
 * Who may sign in, and as which email. Pure: lib/auth/options applies it, the unit tests pin it. The email
 * is the user's key (and Polar's external customer id), so only an address the provider says it
 * has verified is ever taken.
 */

export const emailSchema = z.email().max(254).transform((e) => e.trim().toLowerCase());

export type EmailDecision = { ok: true; email: string } | { ok: false; reason: "EmailNotVerified" | "UnknownProvider" };

const verifiedClaim = z.object({ email: z.string(), email_verified: z.literal(true) });
const githubEmails = z.object({
  emails: z.array(z.object({ email: z.string(), primary: z.boolean(), verified: z.boolean() })),
});

function accept(email: string): EmailDecision {
  const parsed = emailSchema.safeParse(email);
  return parsed.success ? { ok: true, email: parsed.data } : { ok: false, reason: "EmailNotVerified" };
}

/**
 * The verified email in a provider's profile, or why there is none.
 * - Google and the local provider: the ID token's `email`, only when `email_verified` is `true`.
 * - GitHub: the primary address from GitHub's emails API (`emails`, added by lib/auth/options's userinfo
 *   request), only when GitHub marks it verified. The profile's own `email` is the public address,
 *   which GitHub does not promise is verified: never used.
 */
export function verifiedEmail(provider: string, profile: unknown): EmailDecision {
  switch (provider) {
    case "google":
    case LOCAL_OIDC_PROVIDER_ID: {
      const claims = verifiedClaim.safeParse(profile);
      return claims.success ? accept(claims.data.email) : { ok: false, reason: "EmailNotVerified" };
    }
    case "github": {
      const list = githubEmails.safeParse(profile);
      const primary = list.success ? list.data.emails.find((e) => e.primary) : undefined;
      return primary?.verified ? accept(primary.email) : { ok: false, reason: "EmailNotVerified" };
    }
    default:
      return { ok: false, reason: "UnknownProvider" };
  }
}

/**
 * The email of a session, or null when it counts as signed out: no provider recorded (a cookie from
 * before providers were recorded) or one not configured here (e.g. a cookie minted where the local
 * provider ran, shown to a deployment where only Google is on).
 */
export function sessionEmail(
  session: { user?: { email?: string | null } | null; provider?: string } | null | undefined,
  configured: readonly string[],
): string | null {
  if (!session?.provider || !configured.includes(session.provider)) return null;
  const parsed = emailSchema.safeParse(session.user?.email);
  return parsed.success ? parsed.data : null;
}

const providerName = (id: string | undefined): string => (isProviderId(id) ? PROVIDER_NAMES[id] : "identity provider");

/**
 * What the sign-in page says for next-auth's `?error=` (and ours), naming the provider when known;
 * `uses`: for AccountNotLinked, the providers the email's account already signs in with.
 */
export function signInErrorMessage(error: string, provider: string | undefined, uses?: string): string {
  const name = providerName(provider);
  switch (error) {
    case "AccountNotLinked": {
      const ids = (uses ?? "").split(",").filter(isProviderId);
      if (provider && ids.includes(provider as never)) {
        return `This email's account signs in with a different ${name} account. Sign in with that one: an account stays with whoever first signed in, even when an email address changes hands.`;
      }
      const known = ids.map(providerName);
      const others = known.length > 0 ? known.join(" or ") : "the account it was first used with";
      return `This email's account signs in with ${others}, not with this ${name} account. Sign in with ${others}, then add ${name} from your account page.`;
    }
    case "EmailNotVerified":
      return provider === "github"
        ? "Your GitHub account has no verified primary email. Verify it with GitHub and try again."
        : `Your ${name} account's email is not verified. Verify it with ${name} and try again.`;
    case "OAuthCallback":
    case "OAuthSignin":
    case "Callback":
      return "The identity provider did not complete the sign-in. Try again.";
    case "AccessDenied":
      return "Sign-in was refused. Try again, or use another account.";
    default:
      return "Sign-in failed. Try again.";
  }
}
