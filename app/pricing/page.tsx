import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { getCurrentUser } from "@/lib/auth/session";
import { isOwnCheckoutIntent } from "@/lib/checkout/intent";
import type { PlanOffer } from "@/lib/plans/offer";
import { switchOffer, type SwitchOffer } from "@/lib/plan-changes/offers";
import { liveSubscriptionOf } from "@/lib/plan-changes/subscriber";
import { listPlanOffers } from "@/lib/plans/catalogue";
import { ownsLiveTeam } from "@/lib/teams/team";
import { startCheckout, switchPlanAction } from "./actions";
import { SwitchForm } from "./SwitchForm";
import { TeamForm } from "./TeamForm";
import { UpgradeForm } from "./UpgradeForm";

export const metadata: Metadata = { title: "Pricing" };

type Props = { searchParams: Promise<{ checkout?: string; intent?: string; seats?: string }> };

const dateFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" });

export default async function PricingPage({ searchParams }: Props) {
  const [{ checkout, intent, seats }, user, offers] = await Promise.all([searchParams, getCurrentUser(), listPlanOffers()]);
  const [subscription, ownsTeam] = user ? await Promise.all([liveSubscriptionOf(user.email), ownsLiveTeam(user.email)]) : [null, false];
  // Continues a checkout only when this browser's Upgrade click started it before sign-in.
  const continues = Boolean(user) && (await isOwnCheckoutIntent(checkout, intent));
  const currentPlan = user?.subscriptionStatus ?? null;
  const now = new Date();
  const currentOffer = subscription ? offers.find((o) => o.productId === subscription.productId) : undefined;
  // A subscriber's cards switch plan (never a second checkout for a recurring product).
  const switchFor = (offer: PlanOffer): SwitchOffer | null => (subscription ? switchOffer(subscription, currentOffer, offer, now) : null);
  return (
    <section className="space-y-8">
      <div className="space-y-2">
        <h1 className="text-3xl font-bold">Plans</h1>
        <p className="text-slate-700">
          {subscription
            ? "Switch plans at any time: an upgrade starts now and is prorated to the second; a downgrade starts at your next renewal."
            : "Pay securely with Polar. Your plan changes as soon as the payment clears."}
        </p>
      </div>
      <ul className="grid gap-6 md:grid-cols-2">
        <li className="flex flex-col gap-4 rounded-xl border border-slate-200 bg-white p-6" data-testid="plan-free">
          <h2 className="text-xl font-semibold">Free</h2>
          <p className="text-3xl font-bold">$0</p>
          <p className="flex-1 text-slate-700">The basics, for as long as you like.</p>
          {currentPlan === "free" ? <CurrentBadge /> : null}
        </li>
        {offers.map((offer) => {
          if (offer.seats) {
            return (
              <TeamCard key={offer.productId} offer={offer} seats={offer.seats} ownsTeam={ownsTeam}>
                <TeamForm
                  startCheckout={startCheckout}
                  productId={offer.productId}
                  planName={offer.name}
                  interval={offer.interval}
                  pricing={offer.seats.pricing}
                  min={offer.seats.min}
                  max={offer.seats.max}
                  initialSeats={seatCount(seats, offer.seats.min, offer.seats.max)}
                  autoSubmit={continues && checkout === offer.productId}
                />
              </TeamCard>
            );
          }
          const change = switchFor(offer);
          return (
            <li key={offer.productId} className="flex flex-col gap-4 rounded-xl border border-slate-200 bg-white p-6" data-testid={`plan-${offer.productId}`}>
              <h2 className="text-xl font-semibold">{offer.name}</h2>
              {offer.trial ? (
                // The free period first, as Polar's checkout shows it; the price follows it.
                <p data-testid="plan-trial">
                  <span className="text-3xl font-bold">{offer.trial}</span>
                  <span className="text-slate-600">, then {offer.price} per {offer.interval}</span>
                </p>
              ) : (
                <p>
                  <span className="text-3xl font-bold">{offer.price}</span>{" "}
                  <span className="text-slate-600">{offer.interval ? `per ${offer.interval}` : "one-time"}</span>
                </p>
              )}
              <p className="flex-1 text-slate-700">{offer.description}</p>
              {change ? (
                <SwitchCell change={change} offer={offer} />
              ) : currentPlan === offer.plan ? (
                <CurrentBadge />
              ) : (
                <UpgradeForm
                  startCheckout={startCheckout}
                  productId={offer.productId}
                  planName={offer.name}
                  trial={offer.trial !== null}
                  autoSubmit={continues && !subscription && checkout === offer.productId}
                />
              )}
            </li>
          );
        })}
      </ul>
      {offers.length === 0 ? (
        <p role="status" className="text-slate-700">No paid plans are on sale right now. Please come back later.</p>
      ) : null}
    </section>
  );
}

/** The seat count a return from sign-in asked for, within bounds (the buyer's choice before sign-in), else the smallest team. */
function seatCount(raw: string | undefined, min: number, max: number): number {
  const n = Number(raw);
  return Number.isInteger(n) && n >= min && n <= max ? n : min;
}

/** A team plan's card: bought by the seat, once per owner; an owner manages theirs on /team. */
function TeamCard({ offer, seats, ownsTeam, children }: { offer: PlanOffer; seats: NonNullable<PlanOffer["seats"]>; ownsTeam: boolean; children: ReactNode }) {
  return (
    <li className="flex flex-col gap-4 rounded-xl border border-slate-200 bg-white p-6" data-testid={`plan-${offer.productId}`}>
      <h2 className="text-xl font-semibold">{offer.name}</h2>
      <p>
        <span className="text-3xl font-bold">{offer.price}</span>{" "}
        <span className="text-slate-600">{offer.interval ? `per ${offer.interval}` : "one-time"}</span>
      </p>
      <p className="text-sm text-slate-700">
        {seats.min} to {seats.max} seats{seats.volume ? `; ${seats.volume}` : ""}. Each member signs in with their own account.
      </p>
      <p className="flex-1 text-slate-700">{offer.description}</p>
      {ownsTeam ? (
        <Link href="/team" className="rounded-md bg-slate-50 px-3 py-2 text-center font-medium text-brand-700 underline">
          Manage your team
        </Link>
      ) : (
        children
      )}
    </li>
  );
}

function SwitchCell({ change, offer }: { change: SwitchOffer; offer: PlanOffer }) {
  switch (change.kind) {
    case "current":
      return <CurrentBadge />;
    case "scheduled":
      return (
        <p className="rounded-md bg-amber-50 px-3 py-2 text-center font-medium text-amber-900" data-testid="switch-scheduled">
          Starts on {dateFormat.format(change.on)}
        </p>
      );
    case "switch":
      return <SwitchForm switchPlan={switchPlanAction} productId={offer.productId} planName={offer.name} preview={change.preview} confirmLabel={change.confirmLabel} />;
    case "included":
      return <p className="rounded-md bg-slate-50 px-3 py-2 text-center text-slate-700">Included in your subscription</p>;
    case "new-customers":
      return <p className="rounded-md bg-slate-50 px-3 py-2 text-center text-slate-700">For new subscribers</p>;
    case "none":
      return null;
  }
}

function CurrentBadge() {
  return (
    <p className="rounded-md bg-emerald-50 px-3 py-2 text-center font-medium text-emerald-800" data-testid="current-plan">
      Your current plan
    </p>
  );
}
