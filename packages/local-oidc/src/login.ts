import { CookieJar } from "./cookie-jar";

export { CookieJar };

/**
 * Signs in at the local provider over HTTP, as a browser would: follows `authorizationUrl` to the
 * sign-in form, submits the email, and follows the provider's redirects until one leaves it.
 * Returns that URL: the client's redirect URI with `code` and `state` (or `error`).
 * For the bench and tests, which sign in without a browser; `jar` keeps the provider's cookies
 * from one sign-in to the next, as a browser does.
 */
export async function loginAtLocalProvider(authorizationUrl: string, email: string, name = "", person = "", jar = new CookieJar()): Promise<URL> {
  const providerOrigin = new URL(authorizationUrl).origin;
  let request: { url: URL; init: RequestInit } = { url: new URL(authorizationUrl), init: {} };
  for (let hop = 0; hop < 10; hop++) {
    const res = await fetch(request.url, { ...request.init, redirect: "manual", headers: { ...request.init.headers, cookie: jar.header() } });
    jar.store(res);
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      const next = new URL(location, request.url);
      if (next.origin !== providerOrigin) return next;
      request = { url: next, init: {} };
      continue;
    }
    const html = await res.text();
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, "&");
    if (res.status !== 200 || !action) throw new Error(`local provider: expected its sign-in form at ${request.url.href}, got ${res.status}`);
    // The sign-in form gets the account; any other form is one the provider's page submits by
    // itself in a browser (signing in as someone else first ends the previous session): its hidden fields.
    const fields = /\/interaction\/[\w-]+\/login$/.test(action) ? { email, name, person } : hiddenFields(html);
    request = {
      url: new URL(action, request.url),
      init: {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(fields).toString(),
      },
    };
  }
  throw new Error(`local provider: too many redirects from ${authorizationUrl}`);
}

function hiddenFields(html: string): Record<string, string> {
  const unescape = (v: string) => v.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  return Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, unescape(m[2]!)]));
}
