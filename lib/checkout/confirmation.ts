import "server-only";
import { z } from "zod";
import { factsHere } from "@/lib/billing/environment";
import { syncCheckoutFromPolar } from "@/lib/billing/pull-sync";
import { connectDb } from "@/lib/db/connect";
import { withKeyedLock } from "@/lib/db/keyed-lock";
import { formatPrice } from "@/lib/plans/offer";
import { describeError } from "@/lib/redact";
import { ensureOwnerSeat } from "@/lib/teams/manage";
import { PLAN_FIELDS, planNow } from "@/lib/users";
import { Payment, type PaymentStatus } from "@/models/Payment";
import { Product } from "@/models/Product";
import { Subscription } from "@/models/Subscription";
import { User, type Plan } from "@/models/User";

export type Confirmation =
  | { kind: "not-found" }
  /** `trialEndsOn`: the checkout started a free trial (a $0 payment), which ends then. */
  | { kind: PaymentStatus; plan: Plan; productName: string; amount: string; trialEndsOn: Date | null; team: { id: string; seats: number } | null };

const checkoutIdSchema = z.uuid();

/** However many tabs refresh, Polar is asked about one checkout at most this often. */
export const PULL_EVERY_MS = 10_000;
/** A checkout id we hold nothing for is only looked up for a user who opened a checkout this recently. */
export const OPENED_WITHIN_MS = 3_600_000;

async function read(checkoutId: string, email: string): Promise<Confirmation> {
  // Scoped by email: another user's checkout id finds nothing; and by environment: another
  // Polar's checkout is not this one's to show or to ask about.
  const payment = await Payment.findOne({ checkoutId, customerEmail: email, ...factsHere() }).lean();
  if (!payment) return { kind: "not-found" };
  // Only a completed $0 payment can be a trial's: the trial's subscription says until when.
  const mayBeTrial = payment.status === "completed" && payment.amount === 0 && payment.productId;
  const [user, product, trial, team] = await Promise.all([
    User.findOne({ email }, PLAN_FIELDS).lean(),
    payment.productId ? Product.findOne({ polarProductId: payment.productId }, { name: 1, seatPricing: 1 }).lean() : null,
    mayBeTrial ? Subscription.findOne({ customerEmail: email, productId: payment.productId, status: "trialing", ...factsHere() }, { currentPeriodEnd: 1 }).sort({ currentPeriodEnd: -1 }).lean() : null,
    // A team's purchase: the subscription it made (its seats), once known.
    payment.status === "completed" && payment.productId
      ? Subscription.findOne({ customerEmail: email, productId: payment.productId, seats: { $ne: null }, ...factsHere() }, { polarSubscriptionId: 1, seats: 1 }).sort({ currentPeriodEnd: -1 }).lean()
      : null,
  ]);
  // A team bought, its subscription not known yet: still finishing (the page refreshes, and Polar
  // is asked for the checkout's subscription as for a pending payment).
  const teamUnknown = payment.status === "completed" && Boolean(product?.seatPricing) && !team;
  return {
    kind: teamUnknown ? "pending" : payment.status,
    plan: user ? planNow(user) : "free",
    productName: product?.name ?? "your plan",
    amount: formatPrice(payment.amount ?? null, payment.currency ?? null),
    // While trialing, Polar keeps the period end at the trial's end (lib/billing/rules.ts).
    trialEndsOn: trial?.currentPeriodEnd ?? null,
    team: team ? { id: team.polarSubscriptionId, seats: team.seats ?? 0 } : null,
  };
}

/**
 * Takes the right to ask Polar now: a conditional write on a timestamp, so concurrent requests
 * on MongoDB let one through per window (and the keyed lock does it within one process on
 * FerretDB, whose updates are not atomic: lib/db/keyed-lock.ts).
 */
async function takePullSlot(key: string, claim: (since: Date, now: Date) => Promise<{ modifiedCount: number }>): Promise<boolean> {
  return withKeyedLock(key, async () => {
    const now = new Date();
    return (await claim(new Date(now.getTime() - PULL_EVERY_MS), now)).modifiedCount === 1;
  });
}

const due = (field: string, since: Date) => ({ $or: [{ [field]: null }, { [field]: { $lte: since } }] });

/**
 * A pending payment of this user's: Polar is asked about it at most once per PULL_EVERY_MS,
 * whoever asks (this page's tabs, or a checkout about to open: lib/checkout/in-flight.ts).
 */
export function mayPullPending(checkoutId: string, email: string): Promise<boolean> {
  return takePullSlot(`pull:${checkoutId}`, (since, now) =>
    Payment.updateOne({ checkoutId, customerEmail: email, ...due("polarPulledAt", since) }, { $set: { polarPulledAt: now } }),
  );
}

/**
 * A checkout id this user has no payment for: asked about only if the user opened a checkout
 * here in the last hour (its webhook may be late), and then once per PULL_EVERY_MS per user,
 * so ids made up by the thousand cost Polar nothing.
 */
async function mayPullUnknown(email: string): Promise<boolean> {
  const opened = await Payment.exists({ customerEmail: email, checkoutUrl: { $ne: null }, createdAt: { $gte: new Date(Date.now() - OPENED_WITHIN_MS) }, ...factsHere() });
  if (!opened) return false;
  return takePullSlot(`pull-user:${email}`, (since, now) => User.updateOne({ email, ...due("confirmationPullAt", since) }, { $set: { confirmationPullAt: now } }));
}

/**
 * What the confirmation page shows. A payment still pending (or not yet known) is checked with
 * Polar's API and applied through lib/billing before answering, so a late webhook does not
 * leave the user looking at "Free"; the checks are rationed so that no page refresh, tab or
 * made-up id can spend the organisation's Polar rate limit.
 */
export async function loadConfirmation(rawCheckoutId: string | undefined, email: string): Promise<Confirmation> {
  const parsed = checkoutIdSchema.safeParse(rawCheckoutId);
  if (!parsed.success) return { kind: "not-found" };
  const checkoutId = parsed.data;
  await connectDb();
  const first = await read(checkoutId, email);
  if (first.kind !== "pending" && first.kind !== "not-found") return withOwnerSeat(first, checkoutId, email);
  const mayPull = first.kind === "pending" ? await mayPullPending(checkoutId, email) : await mayPullUnknown(email);
  if (!mayPull) return first;
  try {
    if ((await syncCheckoutFromPolar(checkoutId, email)) === "not-yours") return { kind: "not-found" };
  } catch (error) {
    // Polar unreachable or the checkout unknown there: show what we have; the page refreshes.
    console.warn(`[confirmation] could not check ${checkoutId} with Polar: ${describeError(error)}`);
    return first;
  }
  return withOwnerSeat(await read(checkoutId, email), checkoutId, email);
}

/**
 * A team's buyer holds the team's plan through a seat of their own, owed since the purchase
 * (lib/teams/manage.ts): given here if nothing gave it yet, so the page shows the plan at once.
 */
async function withOwnerSeat(view: Confirmation, checkoutId: string, email: string): Promise<Confirmation> {
  if (view.kind !== "completed" || !view.team) return view;
  try {
    if (await ensureOwnerSeat(view.team.id)) return read(checkoutId, email);
  } catch (error) {
    console.warn(`[confirmation] owner seat of ${view.team.id} not assigned yet: ${describeError(error)}`);
  }
  return view;
}
