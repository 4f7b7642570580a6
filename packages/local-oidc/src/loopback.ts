/**
 * Whether a host name or URL stays on this machine: `localhost`, 127.0.0.0/8 or [::1]. The
 * provider's own copy (a package imports no app code); the app's env check has the same rule in
 * lib/auth/loopback.ts, and tests/unit/sign-in-rules.test.ts checks that the two agree.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (host === "localhost" || host === "::1") return true;
  const octets = host.split(".");
  return octets.length === 4 && octets[0] === "127" && octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255);
}

export function isLoopbackUrl(url: string): boolean {
  try {
    return isLoopbackHost(new URL(url).hostname);
  } catch {
    return false;
  }
}
