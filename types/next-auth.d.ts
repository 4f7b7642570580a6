import "next-auth";
import "next-auth/jwt";

// The provider a session was signed in with (set once, at sign-in): a session from a provider that
// is not configured here counts as signed out (lib/auth/session, middleware).
declare module "next-auth" {
  interface Session {
    provider?: string;
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    provider?: string;
    // The user's session version when this token was issued (lib/auth/identities): a bump ends it.
    sv?: number | null;
  }
}
