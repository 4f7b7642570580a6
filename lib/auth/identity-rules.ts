/**
 * Which user a provider's account signs in as. Pure: lib/auth/identities.ts applies it, the unit
 * tests pin it. A user is bound to the (provider, subject) pairs that signed in as it, because an
 * email can change hands (a reassigned billing@ address, an ex-employee's GitHub primary) while a
 * provider never gives one subject to two people.
 */

export interface BoundIdentity {
  provider: string;
  subject: string;
}

export interface SignInFacts {
  /** The verified email the provider presents. */
  email: string;
  /** The email of the user this (provider, subject) is already bound to, if any. */
  boundTo: string | null;
  /** The user stored under `email`, with the identities bound to it (none: a user from before binding, or new). */
  user: { identities: readonly BoundIdentity[] } | null;
  /** The email of the session this browser already has, if any (linking a second provider needs it). */
  signedInAs: string | null;
}

export type SignInDecision =
  /** A known subject: it signs in as the user it is bound to, whatever email the provider shows today. */
  | { kind: "known"; email: string }
  /** A new user, or one stored before identities were bound (the seed, earlier sign-ins): this subject claims it. */
  | { kind: "claim"; email: string }
  /** The user is signed in with another provider and adds this one. */
  | { kind: "link"; email: string }
  /** The email's user is bound to other accounts: refused, naming the providers it signs in with. */
  | { kind: "refuse"; providers: string[] };

export function decideSignIn(facts: SignInFacts): SignInDecision {
  if (facts.boundTo) return { kind: "known", email: facts.boundTo };
  const bound = facts.user?.identities ?? [];
  if (bound.length === 0) return { kind: "claim", email: facts.email };
  if (facts.signedInAs === facts.email) return { kind: "link", email: facts.email };
  return { kind: "refuse", providers: providersOf(bound) };
}

/** The providers a user signs in with, each once, for a refusal's message. */
export function providersOf(identities: readonly BoundIdentity[]): string[] {
  return [...new Set(identities.map((i) => i.provider))].sort();
}

/** Whether a session's (provider, subject) is still one of its user's identities. */
export function holdsIdentity(identities: readonly BoundIdentity[] | null | undefined, session: BoundIdentity): boolean {
  return (identities ?? []).some((i) => i.provider === session.provider && i.subject === session.subject);
}
