import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Provider, { type Configuration, type KoaContextWithOIDC } from "oidc-provider";
import { isLoopbackHost, isLoopbackUrl } from "./loopback";
import { Accounts } from "./accounts";
import { esc, page } from "./html";
import { createInteractions } from "./interactions";
import { loadOrCreateKeys } from "./keys";
import { MIN_SECRET_LENGTH } from "./secret";
import { memoryStore } from "./store";

export { subjectFor } from "./accounts";
export { isLoopbackHost, isLoopbackUrl } from "./loopback";
export { MIN_SECRET_LENGTH };

/**
 * A local OpenID Connect provider for development: panva's certified `oidc-provider`, with one
 * confidential client (the app), the authorization code flow with PKCE (S256) required, and a
 * sign-in page that accepts any email. It listens on loopback only and redirects only to loopback
 * URLs, so it can sign in to an app on this machine and nothing else.
 */

export interface OidcProviderOptions {
  port?: number; // 0 or undefined = pick a free port
  host?: string; // a loopback address; default "127.0.0.1"
  client: {
    clientId: string;
    clientSecret: string; // at least 32 characters, as the app requires
    redirectUris: string[]; // e.g. http://localhost:3000/api/auth/callback/local-oidc; loopback only
  };
  keysFile?: string; // signing and cookie keys, created once; unset = new keys per start
  log?: (line: string) => void;
}

export interface OidcProvider {
  issuer: string;
  stop(): Promise<void>;
}

/** Options the provider refuses to start with (the CLI exits 2 on it, as on a usage error). */
export class OidcProviderConfigError extends Error {
  override name = "OidcProviderConfigError";
}

function validate(opts: OidcProviderOptions, host: string): void {
  const refuse = (message: string): never => {
    throw new OidcProviderConfigError(`OIDC provider: ${message}`);
  };
  if (!isLoopbackHost(host)) refuse(`host ${JSON.stringify(host)} is not a loopback address (localhost, 127.0.0.0/8, ::1)`);
  const { clientId, clientSecret, redirectUris } = opts.client;
  if (!clientId) refuse("client.clientId is required");
  if (clientSecret.length < MIN_SECRET_LENGTH) refuse(`client.clientSecret must be at least ${MIN_SECRET_LENGTH} characters`);
  if (!redirectUris.length) refuse("client.redirectUris must hold at least one URL");
  for (const uri of redirectUris) {
    if (!isLoopbackUrl(uri)) {
      refuse(
        `redirect URI ${JSON.stringify(uri)} is not on a loopback address. This development provider signs in any email without a password, so it only sends users back to an app on this machine; use a real identity provider (GitHub, Google, ...) for anything else.`,
      );
    }
  }
}

function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/** Every page it serves: nothing loads from anywhere, and its forms may only lead back to the app. */
function securityHeaders(redirectUris: string[]): Record<string, string> {
  const appOrigins = [...new Set(redirectUris.map((u) => new URL(u).origin))];
  return {
    // form-action covers the redirects after a submit too: sign-in ends with a redirect to the app.
    "content-security-policy": `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${appOrigins.join(" ")}; frame-ancestors 'none'; base-uri 'none'`,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
  };
}

export async function startOidcProvider(opts: OidcProviderOptions): Promise<OidcProvider> {
  const host = opts.host ?? "127.0.0.1";
  validate(opts, host);
  const log = opts.log ?? ((line: string) => console.log(line));
  const headers = securityHeaders(opts.client.redirectUris);
  const send = (res: ServerResponse, status: number, html: string) => {
    res.writeHead(status, { ...headers, "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(html);
  };

  // The issuer URL holds the port, known once it is bound; requests before that are refused.
  const ready: { listener?: RequestListener } = {};
  const server = createServer((req, res) => {
    if (ready.listener) return ready.listener(req, res);
    res.writeHead(503).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const issuer = `http://${urlHost(host)}:${(server.address() as AddressInfo).port}`;

  const keys = loadOrCreateKeys(opts.keysFile);
  const accounts = new Accounts();
  const { clientId, clientSecret, redirectUris } = opts.client;
  const configuration: Configuration = {
    adapter: memoryStore(),
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: redirectUris,
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    responseTypes: ["code"],
    pkce: { methods: ["S256"], required: () => true },
    scopes: ["openid", "email", "profile"],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    // The app reads the profile from the ID token (next-auth's `idToken: true`), so the scopes'
    // claims go in it rather than only behind the userinfo endpoint.
    conformIdTokenClaims: false,
    findAccount: (_ctx, sub) => accounts.find(sub),
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const { client, session, result } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const grantId = result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      const existing = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
      if (existing && existing.accountId === session.accountId) return existing;
      // The one registered client is the app this provider exists for: consent is implied.
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope("openid email profile");
      await grant.save();
      return grant;
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: false } },
    jwks: keys.jwks,
    cookies: {
      keys: keys.cookieKeys,
      // Cookies ignore ports: names of their own keep them apart from anything else on 127.0.0.1.
      names: { session: "local_idp_session", interaction: "local_idp_interaction", resume: "local_idp_resume" },
      // Lax, not the default None: plain-HTTP loopback cannot carry a SameSite=None cookie.
      long: { httpOnly: true, sameSite: "lax", signed: true },
      short: { httpOnly: true, sameSite: "lax", signed: true },
    },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
    clientBasedCORS: () => false,
    renderError(ctx, out) {
      ctx.type = "html";
      ctx.set(headers);
      ctx.body = page(
        "Sign-in failed: local identity provider",
        `<h1>Sign-in failed</h1>
<p><code>${esc(out.error)}</code>${out.error_description ? `: ${esc(out.error_description)}` : ""}</p>
<p>Go back to the app and sign in again. If this repeats, restart the local stack (<code>npm run dev</code>).</p>`,
      );
    },
  };

  const provider = new Provider(issuer, configuration);
  for (const event of ["server_error", "authorization.error", "grant.error"] as const) {
    provider.on(event, (_ctx: unknown, error: Error & { error_description?: string }) => {
      log(`[oidc-provider] ${event}: ${error.message}${error.error_description ? ` (${error.error_description})` : ""}`);
    });
  }

  const interactions = createInteractions({ provider, accounts, send });
  const koa = provider.callback();
  const home = () =>
    page(
      "Local identity provider",
      `<h1>Local identity provider</h1>
<p>Issuer <code>${esc(issuer)}</code>, discovery at <a href="/.well-known/openid-configuration">/.well-known/openid-configuration</a>.</p>
<p>Client <code>${esc(clientId)}</code> returns to <code>${redirectUris.map(esc).join("</code>, <code>")}</code>.</p>`,
    );
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", issuer);
    try {
      if (await interactions(req, res, url)) return;
      if (req.method === "GET" && url.pathname === "/") return send(res, 200, home());
      await koa(req, res);
    } catch (error) {
      log(`[oidc-provider] ${req.method} ${url.pathname} failed: ${(error as Error).stack ?? String(error)}`);
      if (res.headersSent) res.destroy();
      else send(res, 500, page("Error: local identity provider", "<h1>Something went wrong</h1><p>See the local stack's output.</p>"));
    }
  };
  ready.listener = (req, res) => void handle(req, res);
  log(`[oidc-provider] listening on ${issuer}; client ${clientId} -> ${redirectUris.join(", ")}`);

  let stopped: Promise<void> | null = null;
  return {
    issuer,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
