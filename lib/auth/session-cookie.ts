/**
 * The session cookie, derived from APP_URL alone. next-auth derives it twice, differently: the
 * route handler from `useSecureCookies` (which lib/auth/options sets from APP_URL) and the middleware's
 * `getToken` from NEXTAUTH_URL / VERCEL. With APP_URL=https://... and no NEXTAUTH_URL the two
 * named different cookies and gated pages sent signed-in users back to sign-in for ever. Both now
 * read this. Pure: the middleware runs on the Edge.
 */
export function sessionCookie(appUrl: string | undefined) {
  // __Secure- cookies, sent over HTTPS only, whenever the app is served over HTTPS.
  const secure = Boolean(appUrl?.trim().toLowerCase().startsWith("https://"));
  return {
    secure,
    sessionToken: {
      name: `${secure ? "__Secure-" : ""}next-auth.session-token`,
      options: { httpOnly: true, sameSite: "lax" as const, path: "/", secure },
    },
  };
}
