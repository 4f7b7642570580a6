import "server-only";
import { connectDb } from "../db/connect";
import { userLockKey, withKeyedLock } from "../db/keyed-lock";
import { liftErasure } from "../erasure-tombstones";
import { updateOrCreateUser } from "../users";
import { User } from "@/models/User";
import { decideSignIn, holdsIdentity, providersOf, type BoundIdentity } from "./identity-rules";

export type SignInResult = { ok: true; email: string } | { ok: false; providers: string[] };

/** The user a provider's account is bound to: its email and session version, or null. */
export async function boundUser(identity: BoundIdentity): Promise<{ email: string; sessionVersion: number } | null> {
  await connectDb();
  // Both fields on the multikey index; the pair is then checked on one element (no $elemMatch:
  // the filter stays a plain prefix of the index on MongoDB and FerretDB alike).
  const user = await User.findOne(
    { "identities.subject": identity.subject, "identities.provider": identity.provider },
    { email: 1, identities: 1, sessionVersion: 1 },
  ).lean();
  return user && holdsIdentity(user.identities, identity) ? { email: user.email, sessionVersion: user.sessionVersion ?? 0 } : null;
}

/**
 * Signs a provider's account in by lib/auth/identity-rules.ts: binds it on a first sign-in (or to
 * a user stored before binding), links it to the user whose session this browser holds, or
 * refuses it. Under the user's lock: FerretDB's conditional updates are not atomic
 * (lib/db/ferretdb-workarounds.ts, a/b); on MongoDB the `identities.0` condition alone lets one
 * subject claim an unbound user.
 */
export async function signInIdentity(input: BoundIdentity & { email: string; name: string | null; signedInAs: string | null }): Promise<SignInResult> {
  await connectDb();
  const { provider, subject, email } = input;
  const now = new Date();
  return withKeyedLock(userLockKey(email), async () => {
    const [bound, user] = await Promise.all([boundUser({ provider, subject }), User.findOne({ email }, { identities: 1 }).lean()]);
    const decision = decideSignIn({ email, boundTo: bound?.email ?? null, user: user ? { identities: user.identities ?? [] } : null, signedInAs: input.signedInAs });
    const identity = { provider, subject, linkedAt: now };
    switch (decision.kind) {
      case "known":
        await User.updateOne({ email: decision.email }, { $set: { lastSeenAt: now } });
        return { ok: true, email: decision.email };
      case "claim": {
        if (!user) await liftErasure(email);
        await updateOrCreateUser(email, input.name ? { $set: { name: input.name } } : {});
        const claimed = await User.updateOne({ email, "identities.0": { $exists: false } }, { $push: { identities: identity }, $set: { lastSeenAt: now } });
        if (claimed.matchedCount === 1) return { ok: true, email };
        // Another account bound it first (another instance, on MongoDB).
        const winner = await User.findOne({ email }, { identities: 1 }).lean();
        return { ok: false, providers: providersOf(winner?.identities ?? []) };
      }
      case "link":
        await User.updateOne({ email }, { $push: { identities: identity }, $set: { lastSeenAt: now } });
        return { ok: true, email };
      case "refuse":
        return { ok: false, providers: decision.providers };
    }
  });
}

/** What a session must match to still count: its user's session version and bound identities. */
export async function sessionHolder(email: string): Promise<{ sessionVersion: number; identities: BoundIdentity[] } | null> {
  await connectDb();
  const user = await User.findOne({ email }, { sessionVersion: 1, identities: 1 }).lean();
  return user ? { sessionVersion: user.sessionVersion ?? 0, identities: user.identities ?? [] } : null;
}

/** Ends every session of this user, this browser's too: each carries the version it was issued under. */
export async function signOutEverywhere(email: string): Promise<void> {
  await connectDb();
  await User.updateOne({ email }, { $inc: { sessionVersion: 1 } });
}

/** The provider accounts this user signs in with, for /account (an operator copies its subject into ADMIN_EMAILS). */
export async function linkedIdentities(email: string): Promise<BoundIdentity[]> {
  const holder = await sessionHolder(email);
  return (holder?.identities ?? []).map(({ provider, subject }) => ({ provider, subject }));
}
