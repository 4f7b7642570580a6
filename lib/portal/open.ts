import "server-only";
import { customerSessionsCreate } from "@polar-sh/sdk/funcs/customerSessionsCreate.js";
import { HTTPValidationError } from "@polar-sh/sdk/models/errors/httpvalidationerror";
import { PolarError } from "@polar-sh/sdk/models/errors/polarerror";
import { unwrapAsync } from "@polar-sh/sdk/types/fp.js";
import { factsHere, thisEnvironment, usersHere } from "@/lib/billing/environment";
import { connectDb } from "@/lib/db/connect";
import { withKeyedLock } from "@/lib/db/keyed-lock";
import { env } from "@/lib/env";
import { polar } from "@/lib/polar/client";
import { describePolarError } from "@/lib/polar/errors";
import type { PolarEnvironment } from "@/lib/polar/environment";
import { Payment } from "@/models/Payment";
import { PortalSession } from "@/models/PortalSession";
import { Subscription } from "@/models/Subscription";
import { User } from "@/models/User";
import { electedAttemptFailed, electionOpenSince, retryAfterSeconds, reusableUrl, WAIT_MS } from "./rules";
import { isDuplicateKey } from "@/lib/db/write-newer";

/**
 * Opens Polar's customer portal for a signed-in user without letting anyone spend the
 * organization's Polar rate limit (checkouts, confirmations and the cron share it): a stored
 * session is reused while it is valid; otherwise one request per user per 30 s is elected (a
 * conditional write: a compare-and-set on MongoDB, and one request at a time per user in this
 * process, as FerretDB's updates are not atomic: lib/db/keyed-lock.ts) to ask Polar and store
 * the session, and the others wait briefly for it. A user with no Polar customer costs no call.
 */
export type PortalAnswer =
  | { kind: "portal"; url: string }
  /** Nothing shows this user was ever a Polar customer here (or Polar says so). */
  | { kind: "no-customer" }
  /** Another request is asking Polar for this user's session right now, and it did not come in time. */
  | { kind: "busy"; retryAfterS: number }
  /** Polar failed this window's request. */
  | { kind: "unavailable"; retryAfterS: number };

type Key = { email: string; environment: PolarEnvironment };

const POLL_MS = 150;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A customer of this environment's Polar: linked by a customer event, or shown by a paid order or a subscription. */
async function hasPolarCustomer({ email, environment }: Key): Promise<boolean> {
  const [user, paid, subscribed] = await Promise.all([
    User.findOne({ email, ...usersHere(environment) }, { polarCustomerId: 1 }).lean(),
    Payment.exists({ customerEmail: email, status: { $in: ["completed", "refunded"] }, ...factsHere(environment) }),
    Subscription.exists({ customerEmail: email, ...factsHere(environment) }),
  ]);
  return Boolean(user?.polarCustomerId || paid || subscribed);
}

/** The election: true for the one request that may ask Polar now. */
async function elect(key: Key, now: Date): Promise<boolean> {
  const open = electionOpenSince(now);
  try {
    const won = await PortalSession.updateOne(
      { ...key, $or: [{ requestedAt: null }, { requestedAt: { $lte: open } }] },
      { $set: { requestedAt: now } },
      { upsert: true },
    );
    return won.modifiedCount === 1 || won.upsertedCount === 1;
  } catch (error) {
    // The document exists and its requestedAt is recent: the upsert's insert collided with it.
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}

/** Polar refused the session because it has no such customer (422 "Customer does not exist", or 404). */
function noSuchCustomer(error: unknown): boolean {
  return error instanceof HTTPValidationError || (error instanceof PolarError && error.statusCode === 404);
}

/**
 * A team's billing customer (one with a seat-based subscription) is a `team` customer at Polar,
 * whose portal sessions must name a member: its owner member, whose external id is the
 * customer's (Polar copies it when it creates the owner), i.e. this email.
 */
async function memberOfTeamCustomer(email: string): Promise<{ externalMemberId?: string }> {
  const team = await Subscription.exists({ customerEmail: email, seats: { $ne: null }, ...factsHere() });
  return team ? { externalMemberId: email } : {};
}

async function askPolar(key: Key, now: Date): Promise<PortalAnswer> {
  try {
    const member = await memberOfTeamCustomer(key.email);
    const session = await unwrapAsync(customerSessionsCreate(polar(), { externalCustomerId: key.email, ...member, returnUrl: `${env().APP_URL}/account` }));
    await PortalSession.updateOne(key, { $set: { url: session.customerPortalUrl, expiresAt: session.expiresAt, failedAt: null, failure: null } });
    return { kind: "portal", url: session.customerPortalUrl };
  } catch (error) {
    // The election stays taken: a failing Polar is asked once per window, not once per click;
    // the requests of the window answer what this one learned.
    const failure = noSuchCustomer(error) ? "no-customer" : "unavailable";
    await PortalSession.updateOne(key, { $set: { failedAt: new Date(), failure } });
    if (failure === "no-customer") return { kind: "no-customer" };
    console.error(`[portal] ${describePolarError(error).log}`);
    return { kind: "unavailable", retryAfterS: retryAfterSeconds({ requestedAt: now }, new Date()) };
  }
}

/** A request that lost the election: the elected one's session, once stored, else a retry answer. */
async function awaitElected(key: Key): Promise<PortalAnswer> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const stored = await PortalSession.findOne(key).lean();
    const now = new Date();
    const url = reusableUrl(stored, now);
    if (url) return { kind: "portal", url };
    if (electedAttemptFailed(stored)) {
      return stored?.failure === "no-customer" ? { kind: "no-customer" } : { kind: "unavailable", retryAfterS: retryAfterSeconds(stored, now) };
    }
    if (Date.now() + POLL_MS > deadline) return { kind: "busy", retryAfterS: retryAfterSeconds(stored, now) };
    await sleep(POLL_MS);
  }
}

export async function openPortal(email: string): Promise<PortalAnswer> {
  await connectDb();
  const key: Key = { email, environment: thisEnvironment() };
  // Requests of one user in this process one at a time: those queued behind the one that asks
  // Polar find its session stored and reuse it. One that lost to another instance waits outside
  // the lock, so it holds up no one.
  const decided = await withKeyedLock(`portal:${key.environment}:${email}`, async (): Promise<PortalAnswer | "lost"> => {
    const now = new Date();
    const url = reusableUrl(await PortalSession.findOne(key).lean(), now);
    if (url) return { kind: "portal", url };
    if (!(await hasPolarCustomer(key))) return { kind: "no-customer" };
    return (await elect(key, now)) ? askPolar(key, now) : "lost";
  });
  return decided === "lost" ? awaitElected(key) : decided;
}
