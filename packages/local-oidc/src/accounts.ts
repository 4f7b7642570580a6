import { createHash } from "node:crypto";
import type { Account } from "oidc-provider";

export interface LocalAccount {
  email: string; // lower-cased
  name?: string;
  /** Which person at this provider, when two share an email (a reassigned address); empty: the usual one. */
  person?: string;
}

/**
 * The subject for an email: stable across restarts and sign-ins, and reveals nothing by itself.
 * `person` makes another subject for the same email, as a real provider has after an address
 * changes hands, so an app's refusal of that case can be tried locally.
 */
export function subjectFor(email: string, person = ""): string {
  const key = email.trim().toLowerCase() + (person.trim() ? `\n${person.trim()}` : "");
  return createHash("sha256").update(key).digest("base64url");
}

/**
 * Whoever signed in, by subject. Nothing is stored: the provider only needs an account for the
 * length of one sign-in (its sessions and codes live in memory too), and the subject is derived
 * from the email, so the same email is the same account next time.
 */
export class Accounts {
  readonly #bySubject = new Map<string, LocalAccount>();

  remember(account: LocalAccount): string {
    const sub = subjectFor(account.email, account.person);
    this.#bySubject.set(sub, account);
    return sub;
  }

  find(sub: string): Account | undefined {
    const account = this.#bySubject.get(sub);
    if (!account) return undefined;
    return {
      accountId: sub,
      claims: () => ({
        sub,
        email: account.email,
        // Any email is accepted here, but the app only trusts verified emails: this provider is
        // the stand-in for one that has verified it (Google's email_verified, GitHub's verified primary).
        email_verified: true,
        ...(account.name ? { name: account.name } : {}),
      }),
    };
  }
}
