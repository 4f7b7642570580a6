import { describe, expect, it } from "vitest";
import { decideSignIn, holdsIdentity } from "@/lib/auth/identity-rules";

const google = { provider: "google", subject: "g-1" };
const github = { provider: "github", subject: "7" };

describe("decideSignIn: which user a provider's account signs in as", () => {
  it("a bound subject signs in as its user, even when the provider shows another email today", () => {
    expect(decideSignIn({ email: "alice@new.example", boundTo: "alice@example.com", user: null, signedInAs: null })).toEqual({ kind: "known", email: "alice@example.com" });
  });

  it("a new email, or a user stored before binding, is claimed by the first subject", () => {
    expect(decideSignIn({ email: "alice@example.com", boundTo: null, user: null, signedInAs: null })).toEqual({ kind: "claim", email: "alice@example.com" });
    expect(decideSignIn({ email: "alice@example.com", boundTo: null, user: { identities: [] }, signedInAs: null })).toEqual({ kind: "claim", email: "alice@example.com" });
  });

  it("another account presenting a bound user's email is refused, unless that user is signed in here and adds it", () => {
    const user = { identities: [{ ...google, linkedAt: new Date() }] };
    // A reassigned address: same email, a different person at the provider.
    expect(decideSignIn({ email: "billing@company.com", boundTo: null, user, signedInAs: null })).toEqual({ kind: "refuse", providers: ["google"] });
    expect(decideSignIn({ email: "billing@company.com", boundTo: null, user, signedInAs: "mallory@example.com" })).toEqual({ kind: "refuse", providers: ["google"] });
    expect(decideSignIn({ email: "billing@company.com", boundTo: null, user, signedInAs: "billing@company.com" })).toEqual({ kind: "link", email: "billing@company.com" });
  });
});

describe("holdsIdentity", () => {
  it("matches provider and subject together", () => {
    expect(holdsIdentity([google, github], google)).toBe(true);
    expect(holdsIdentity([google], { provider: "github", subject: "g-1" })).toBe(false);
    expect(holdsIdentity(undefined, google)).toBe(false);
  });
});
