import { withAuth, type NextRequestWithAuth } from "next-auth/middleware";
import { NextResponse, type NextFetchEvent, type NextRequest } from "next/server";
import { checkoutOrigins, contentSecurityPolicy } from "./lib/security-headers";
import { sessionCookie } from "./lib/auth/session-cookie";
import { configuredProviderIds, isProviderId } from "./lib/auth/sign-in-providers";

// Runs on the Edge for every page: a per-request Content-Security-Policy nonce, and a sign-in gate on the pages
// below (signed-out visitors go to sign-in and come back). Nothing here may import Mongoose;
// the pages themselves read the plan from MongoDB.
const gated = ["/account", "/confirmation", "/pro", "/team"];
const isGated = (path: string) => gated.some((p) => path === p || path.startsWith(`${p}/`));

function withSecurityHeaders(req: NextRequest): NextResponse {
  const nonce = btoa(crypto.randomUUID());
  const csp = contentSecurityPolicy(nonce, {
    dev: process.env.NODE_ENV !== "production",
    checkoutOrigins: checkoutOrigins(process.env.POLAR_API_URL),
  });
  // Next reads the nonce from the request's CSP header and puts it on its own scripts.
  const headers = new Headers(req.headers);
  headers.set("x-nonce", nonce);
  headers.set("Content-Security-Policy", csp);
  const res = NextResponse.next({ request: { headers } });
  res.headers.set("Content-Security-Policy", csp);
  return res;
}

// The sign-in gate decrypts the session cookie (a JWE): only the gated pages pass through it, so the
// others (the pricing page and its actions, the home page) skip that work, and the server reads the
// session itself wherever it uses one. next-auth's gate also answers nothing at all for its own
// sign-in page, which left /signin without its CSP.
const gate = withAuth(withSecurityHeaders, {
  pages: { signIn: "/signin" },
  // The cookie lib/auth/options writes (both from APP_URL), not next-auth's own guess from NEXTAUTH_URL.
  cookies: { sessionToken: { name: sessionCookie(process.env.APP_URL).sessionToken.name } },
  callbacks: {
    // As getSessionEmail: a token from a provider not configured here is no sign-in.
    authorized: ({ token }) => isProviderId(token?.provider) && configuredProviderIds(process.env).includes(token.provider),
  },
});

export default function middleware(req: NextRequestWithAuth, event: NextFetchEvent) {
  return isGated(req.nextUrl.pathname) ? gate(req, event) : withSecurityHeaders(req);
}

export const config = {
  // Every page; not Next's static files, images, the icon, or the API routes (JSON, no HTML).
  matcher: ["/((?!_next/static|_next/image|icon.svg|favicon.ico|api/).*)"],
};
