import "server-only";
import { paymentFromCheckout } from "@/lib/billing/facts";
import { recordPayment } from "@/lib/billing/store";
import { connectDb } from "@/lib/db/connect";
import { PLAN_FIELDS, planNow } from "@/lib/users";
import { env } from "@/lib/env";
import { withKeyedLock } from "@/lib/db/keyed-lock";
import { polar } from "@/lib/polar/client";
import { checkoutsCreate } from "@polar-sh/sdk/funcs/checkoutsCreate.js";
import { unwrapAsync } from "@polar-sh/sdk/types/fp.js";
import { describePolarError } from "@/lib/polar/errors";
import { describeError } from "@/lib/redact";
import { productById } from "@/lib/billing/products";
import type { Checkout } from "@polar-sh/sdk/models/components/checkout";
import { planLabel } from "@/lib/billing/rules";
import { liveSubscriptionOf } from "@/lib/plan-changes/subscriber";
import type { SeatPricing } from "@/lib/billing/facts";
import { maxSeatsOf, seatsPrice } from "@/lib/teams/rules";
import { ownsLiveTeam } from "@/lib/teams/team";
import { alreadyBuying, askPolarState, pendingCheckouts } from "./in-flight";
import { User, type UserDoc } from "@/models/User";

/**
 * Where the Upgrade click goes (`url`): Polar's hosted checkout, or, for a user already buying,
 * their plan in this app (a path) instead of a second checkout; or nowhere, with a message.
 */
export type CheckoutStart = { ok: true; url: string } | { ok: false; message: string; signedOut?: true };

/** A second click within this window reuses the checkout the first one opened. */
const REUSE_WINDOW_MS = 60_000;

const SESSION_ENDED = { ok: false, message: "Your session ended. Sign in again to upgrade.", signedOut: true } as const;

export interface BeginOptions {
  /**
   * Where the recording of the opened checkout goes once the click has its answer: the action
   * passes Next's `after`, so the browser leaves for Polar without waiting for two writes. Without
   * it the recording is awaited before the answer (tests, scripts).
   */
  behindAnswer?: (recording: Promise<unknown>) => void;
  /**
   * The session, when the caller has not checked it against the user yet (the action passes
   * lib/auth/session.ts's claim and check): checked on the checkout's own read of the user, with
   * these fields added, so one read serves both. Nothing is decided, written or opened at Polar
   * before it holds.
   */
  session?: { fields: Readonly<Record<string, 1>>; holds(user: UserDoc | null): boolean };
}

/**
 * Opens a Polar checkout of `productId` for `email` (taken from the session by the caller, never
 * from the form). The price comes from Polar's product, never from the client.
 */
export function beginCheckout(email: string, productId: string, seats?: number, opts: BeginOptions = {}): Promise<CheckoutStart> {
  return new Promise<CheckoutStart>((resolve, reject) => {
    // A double click arrives as two concurrent actions: the second waits and reuses the first's
    // checkout. The lock is held until the checkout is recorded, which is what the second reads.
    const held = withKeyedLock(`checkout:${email}:${productId}`, async () => {
      const { start, recording } = await openCheckout(email, productId, seats, opts.session);
      if (opts.behindAnswer) resolve(start);
      await recording;
      resolve(start);
    });
    held.catch(reject);
    opts.behindAnswer?.(held.catch(() => undefined));
  });
}

/**
 * A team's plan (a seat-based product) is bought with a seat count within its price's bounds,
 * once per owner: more seats later are a change of the subscription on /team. Its buyer's own
 * plan is another matter, so the personal rules below do not apply to it.
 */
async function teamCheckoutRefusal(email: string, pricing: SeatPricing, seats: number | undefined): Promise<string | null> {
  if (seats === undefined || seatsPrice(pricing, seats) === null) {
    return `Choose between ${pricing.minSeats} and ${maxSeatsOf(pricing)} seats.`;
  }
  return (await ownsLiveTeam(email)) ? "You already have a team. Add seats on your team page instead of buying a second team." : null;
}

/** The click's answer, and the recording of the checkout it opened (settled, never rejected). */
interface Opened { start: CheckoutStart; recording: Promise<void> | null }

const answer = (start: CheckoutStart): Opened => ({ start, recording: null });

async function openCheckout(email: string, productId: string, seats: number | undefined, session: BeginOptions["session"]): Promise<Opened> {
  await connectDb();
  const catalogued = await productById(productId);
  const product = catalogued && !catalogued.isArchived && catalogued.plan ? catalogued : null;
  if (!product?.plan) return answer({ ok: false, message: "That plan is not available." });
  const pricing = (product.seatPricing as SeatPricing | null | undefined) ?? null;
  // Polar's state is needed for a personal plan unless our facts show a live subscription, which
  // the reads below tell: asked beside them, not after.
  const polarState = pricing ? null : askPolarState(email);
  const now = Date.now();
  const [user, live, pending] = await Promise.all([
    User.findOne({ email }, { ...PLAN_FIELDS, ...session?.fields }).lean<UserDoc>(),
    liveSubscriptionOf(email),
    pendingCheckouts(email, now),
  ]);
  if (session && !session.holds(user)) return answer(SESSION_ENDED);
  if (pricing) {
    const refusal = await teamCheckoutRefusal(email, pricing, seats);
    if (refusal) return answer({ ok: false, message: refusal });
  } else {
    // A subscriber changes plan through subscriptions.update (lib/plan-changes), never through a
    // second checkout: Polar would refuse it, or bill a second subscription beside the first.
    if (live && product.recurringInterval) {
      return answer({ ok: false, message: "You already have a subscription. Switch plans with the Switch buttons instead of buying a second one." });
    }
    if (user && planNow(user) === product.plan) {
      return answer({ ok: false, message: `You're already on ${planLabel(product.plan)}.` });
    }
  }
  const recent = pending.find((p) => p.productId === productId && p.createdAt.getTime() >= now - REUSE_WINDOW_MS);
  if (recent?.checkoutUrl) return answer({ ok: true, url: recent.checkoutUrl });

  let already;
  try {
    already = await alreadyBuying(email, pending, live ? null : polarState);
  } catch (error) {
    const { message, log } = describePolarError(error);
    console.error(`[checkout] ${log}`);
    return answer({ ok: false, message });
  }
  if (already.kind === "paying") return answer({ ok: true, url: `/confirmation?checkout_id=${encodeURIComponent(already.checkoutId)}` });
  if (already.kind === "subscribed") return answer({ ok: true, url: "/account?checkout=subscribed" });

  const appUrl = env().APP_URL;
  let checkout;
  try {
    checkout = await unwrapAsync(checkoutsCreate(polar(), {
      products: [productId],
      ...(pricing ? { seats } : {}),
      externalCustomerId: email,
      customerEmail: email,
      successUrl: `${appUrl}/confirmation?checkout_id={CHECKOUT_ID}`,
      returnUrl: `${appUrl}/pricing`,
    }));
  } catch (error) {
    const { message, log } = describePolarError(error);
    console.error(`[checkout] ${log}`);
    return answer({ ok: false, message });
  }
  return { start: { ok: true, url: checkout.url }, recording: record(checkout) };
}

/**
 * Records the opened checkout through the same code as checkout.created, so the confirmation page
 * knows the payment even if that webhook is late. If this write fails, the webhook records it later.
 */
async function record(checkout: Checkout): Promise<void> {
  try {
    const fact = paymentFromCheckout(checkout);
    if (fact) await recordPayment(fact, { checkoutUrl: checkout.url });
  } catch (error) {
    console.error(`[checkout] opened ${checkout.id} but could not record it yet: ${describeError(error)}`);
  }
}
