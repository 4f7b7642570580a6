/**
 * Security headers for every page. Pure, so middleware (Edge) and tests share it.
 * The nonce lets Next's own inline scripts run while any injected script does not.
 */
export function contentSecurityPolicy(nonce: string, opts: { dev: boolean; checkoutOrigins: string[] }): string {
  const formTargets = ["'self'", ...opts.checkoutOrigins].join(" ");
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${opts.dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    // A form post that redirects (the Upgrade action without JavaScript) may go on to Polar's checkout.
    `form-action ${formTargets}`,
    "frame-ancestors 'none'",
    ...(opts.dev ? [] : ["upgrade-insecure-requests"]),
  ].join("; ");
}

/** Polar's hosted checkout lives on these origins (plus the local emulator when configured). */
export function checkoutOrigins(polarApiUrl: string | undefined): string[] {
  const origins = ["https://polar.sh", "https://sandbox.polar.sh", "https://buy.polar.sh"];
  if (polarApiUrl) {
    try {
      origins.push(new URL(polarApiUrl).origin);
    } catch {
      // lib/env reports a malformed POLAR_API_URL at start; nothing to add here.
    }
  }
  return origins;
}

export const staticSecurityHeaders: Record<string, string> = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "strict-origin-when-cross-origin",
  "X-Frame-Options": "DENY",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
  // Browsers only honour HSTS over HTTPS, so it is sent on every response, not only Vercel's.
  "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
  // No other origin's window keeps a handle on ours; no other origin embeds our responses.
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
};
