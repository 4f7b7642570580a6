import type { IncomingMessage, ServerResponse } from "node:http";
import type Provider from "oidc-provider";
import { z } from "zod";
import type { Accounts } from "./accounts";
import { esc, page } from "./html";

/**
 * The provider's only interaction: a sign-in form that takes any email (and an optional name).
 * Consent is never asked: the one registered client is granted at once (see `loadExistingGrant`).
 */

const emailField = z.email().max(254);
const nameField = z.string().trim().max(100);
const MAX_FORM_BYTES = 4096;

export type Send = (res: ServerResponse, status: number, html: string) => void;

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = "";
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > MAX_FORM_BYTES) throw new Error("form too large");
  }
  return new URLSearchParams(body);
}

function signInPage(uid: string, returnTo: string, values: { email?: string; name?: string; person?: string }, error?: string): string {
  return page(
    "Sign in: local identity provider",
    `<h1>Sign in</h1>
<p>to continue to <code>${esc(returnTo)}</code></p>
${error ? `<p class="error" role="alert" id="error">${esc(error)}</p>` : ""}
<form method="post" action="/interaction/${esc(uid)}/login">
<label for="email">Email address</label>
<input id="email" name="email" type="email" required autocomplete="email" autofocus maxlength="254" value="${esc(values.email)}"${error ? ' aria-invalid="true" aria-describedby="error"' : ""}>
<label for="name">Name <span class="muted">(optional)</span></label>
<input id="name" name="name" type="text" autocomplete="name" maxlength="100" value="${esc(values.name)}">
<label for="person">Another person with this email <span class="muted">(optional: any word gives a different account, as after an address changes hands)</span></label>
<input id="person" name="person" type="text" autocomplete="off" maxlength="100" value="${esc(values.person)}">
<div class="actions">
<button type="submit">Sign in</button>
<button type="submit" class="secondary" formaction="/interaction/${esc(uid)}/abort" formnovalidate>Cancel</button>
</div>
</form>`,
  );
}

export function expiredPage(): string {
  return page(
    "Sign-in expired: local identity provider",
    `<h1>This sign-in has expired</h1>
<p>It was started too long ago, in another browser, or before the provider restarted. Go back to the app and sign in again.</p>`,
  );
}

function origin(url: unknown): string {
  try {
    return new URL(String(url)).origin;
  } catch {
    return "the app";
  }
}

export function createInteractions(opts: { provider: Provider; accounts: Accounts; send: Send }) {
  const { provider, accounts, send } = opts;
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const match = /^\/interaction\/([\w-]+)(?:\/(login|abort))?$/.exec(url.pathname);
    if (!match) return false;
    const [, uid = "", action] = match;

    let details: Awaited<ReturnType<Provider["interactionDetails"]>>;
    try {
      details = await provider.interactionDetails(req, res);
    } catch {
      send(res, 400, expiredPage());
      return true;
    }
    if (details.uid !== uid || details.prompt.name !== "login") {
      send(res, 400, expiredPage());
      return true;
    }
    const returnTo = origin(details.params.redirect_uri);

    if (!action) {
      if (req.method !== "GET") return false;
      const hint = typeof details.params.login_hint === "string" ? details.params.login_hint : "";
      send(res, 200, signInPage(uid, returnTo, { email: hint }));
      return true;
    }
    if (req.method !== "POST") return false;

    if (action === "abort") {
      await provider.interactionFinished(req, res, { error: "access_denied", error_description: "The sign-in was cancelled." }, { mergeWithLastSubmission: false });
      return true;
    }
    const form = await readForm(req);
    const typed = { email: form.get("email") ?? "", name: form.get("name") ?? "", person: form.get("person") ?? "" };
    const email = emailField.safeParse(typed.email.trim());
    const name = nameField.safeParse(typed.name);
    const person = nameField.safeParse(typed.person);
    if (!email.success || !name.success || !person.success) {
      const error = !email.success
        ? "Enter an email address, like you@example.com."
        : !name.success
          ? "The name is too long (100 characters at most)."
          : "The person is too long (100 characters at most).";
      send(res, 400, signInPage(uid, returnTo, typed, error));
      return true;
    }
    const accountId = accounts.remember({ email: email.data.toLowerCase(), name: name.data || undefined, person: person.data || undefined });
    await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
    return true;
  };
}
