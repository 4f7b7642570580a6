import { LOCAL_OIDC_PROVIDER_ID } from "../../lib/auth/sign-in-providers";
import { CookieJar, loginAtLocalProvider } from "local-oidc/login";

/**
 * Signs in as a browser would, over HTTP: next-auth's OAuth code flow with the local identity
 * provider (state, PKCE and nonce cookies, the provider's form, the callback). Returns the app's
 * cookie header.
 */
export async function signIn(baseUrl: string, email: string): Promise<string> {
  const app = new CookieJar();
  const call = async (path: string, init: RequestInit = {}) => {
    const url = path.startsWith("http") ? path : `${baseUrl}${path}`;
    const res = await fetch(url, { ...init, redirect: "manual", headers: { ...init.headers, cookie: app.header() } });
    app.store(res);
    return res;
  };
  const { csrfToken } = (await (await call("/api/auth/csrf")).json()) as { csrfToken: string };
  const start = await call(`/api/auth/signin/${LOCAL_OIDC_PROVIDER_ID}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrfToken, callbackUrl: `${baseUrl}/pricing`, json: "true" }),
  });
  const { url: authorizationUrl } = (await start.json()) as { url: string };
  const callback = await loginAtLocalProvider(authorizationUrl, email);
  const res = await call(callback.href);
  await res.body?.cancel();
  if (!app.has((name) => name.endsWith("next-auth.session-token"))) {
    throw new Error(`sign-in of ${email} failed: the callback answered ${res.status} ${res.headers.get("location") ?? ""}`);
  }
  return app.header();
}
