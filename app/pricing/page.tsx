import type { Metadata } from "next";
import { getCurrentUser } from "@/lib/session";
import { isOwnCheckoutIntent } from "@/lib/checkout-intent";
import { listPlanOffers } from "@/lib/plans";
import { startCheckout } from "./actions";
import { UpgradeForm } from "./UpgradeForm";

export const metadata: Metadata = { title: "Pricing" };

type Props = { searchParams: Promise<{ checkout?: string; intent?: string }> };

export default async function PricingPage({ searchParams }: Props) {
  const [{ checkout, intent }, user, offers] = await Promise.all([searchParams, getCurrentUser(), listPlanOffers()]);
  // Continues a checkout only when this browser's Upgrade click started it before sign-in.
  const continues = Boolean(user) && (await isOwnCheckoutIntent(checkout, intent));
  const currentPlan = user?.subscriptionStatus ?? null;
  return (
    <section className="space-y-8">
      <div className="space-y-2">
        <h1 className="text-3xl font-bold">Plans</h1>
        <p className="text-slate-700">Pay securely with Polar. Your plan changes as soon as the payment clears.</p>
      </div>
      <ul className="grid gap-6 md:grid-cols-2">
        <li className="flex flex-col gap-4 rounded-xl border border-slate-200 bg-white p-6" data-testid="plan-free">
          <h2 className="text-xl font-semibold">Free</h2>
          <p className="text-3xl font-bold">$0</p>
          <p className="flex-1 text-slate-700">The basics, for as long as you like.</p>
          {currentPlan === "free" ? <CurrentBadge /> : null}
        </li>
        {offers.map((offer) => (
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
            {currentPlan === offer.plan ? (
              <CurrentBadge />
            ) : (
              <UpgradeForm
                startCheckout={startCheckout}
                productId={offer.productId}
                planName={offer.name}
                trial={offer.trial !== null}
                autoSubmit={continues && checkout === offer.productId}
              />
            )}
          </li>
        ))}
      </ul>
      {offers.length === 0 ? (
        <p role="status" className="text-slate-700">No paid plans are on sale right now. Please come back later.</p>
      ) : null}
    </section>
  );
}

function CurrentBadge() {
  return (
    <p className="rounded-md bg-emerald-50 px-3 py-2 text-center font-medium text-emerald-800" data-testid="current-plan">
      Your current plan
    </p>
  );
}
