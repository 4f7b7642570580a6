/**
 * Only same-site paths are followed after sign-in: an absolute URL from the query string would
 * otherwise make the sign-in page an open redirect.
 */
export function safeCallbackUrl(raw: string | undefined, fallback = "/account"): string {
  if (!raw) return fallback;
  let candidate = raw;
  try {
    // next-auth's middleware passes the full URL of the page the visitor wanted.
    const url = new URL(raw, "http://placeholder.invalid");
    candidate = url.pathname + url.search;
  } catch {
    return fallback;
  }
  return candidate.startsWith("/") && !candidate.startsWith("//") ? candidate : fallback;
}
