import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { getSessionEmail } from "@/lib/auth/session";
import { loadConfirmation, type Confirmation } from "@/lib/checkout/confirmation";
import { AutoRefresh } from "./AutoRefresh";
import { planLabel } from "@/lib/billing/rules";
import { FREE_PLAN } from "@/models/User";

export const metadata: Metadata = { title: "Payment confirmation" };

type Props = { searchParams: Promise<{ checkout_id?: string }> };

// A refresh re-reads MongoDB; Polar itself is asked at most every 10 s (lib/checkout/confirmation.ts).
const REFRESH_EVERY_MS = 2_000;
const STOP_REFRESHING_AFTER_MS = 120_000;
const dateFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" });

export default async function ConfirmationPage({ searchParams }: Props) {
  const { checkout_id: checkoutId } = await searchParams;
  const email = await getSessionEmail();
  if (!email) redirect(`/signin?callbackUrl=${encodeURIComponent(`/confirmation?checkout_id=${checkoutId ?? ""}`)}`);
  const view = await loadConfirmation(checkoutId, email);
  return (
    <section className="mx-auto max-w-lg space-y-6 rounded-xl border border-slate-200 bg-white p-8" data-testid="confirmation" data-state={view.kind}>
      <Body view={view} />
    </section>
  );
}

function Body({ view }: { view: Confirmation }) {
  switch (view.kind) {
    case "not-found":
      return (
        <>
          <h1 className="text-2xl font-bold">Checkout not found</h1>
          <p className="text-slate-700">We could not find this checkout on your account. If you just paid, check that you are signed in with the email you paid with.</p>
          <Link href="/account" className="font-medium text-brand-700 underline">Go to your account</Link>
        </>
      );
    case "completed":
      return (
        <>
          <h1 className="text-2xl font-bold">{view.plan !== FREE_PLAN ? `You're on ${planLabel(view.plan)}` : "Payment received"}</h1>
          {view.trialEndsOn ? (
            <p className="text-slate-700">
              Your free trial of {view.productName} has started; nothing was charged.{" "}
              <span data-testid="confirmation-trial">Trial ends on {dateFormat.format(view.trialEndsOn)}</span>, when the first payment is taken.
            </p>
          ) : (
            <p className="text-slate-700">
              Thank you! We received {view.amount} for {view.productName}.
            </p>
          )}
          <p data-testid="confirmation-plan" className="font-medium">Current plan: {planLabel(view.plan)}</p>
          {/* Paid, the plan not derived yet (the payment's webhook applied, its subscription's or the
              plan's recomputation still on the way): read again until it shows. */}
          {view.plan === FREE_PLAN ? <AutoRefresh intervalMs={REFRESH_EVERY_MS} stopAfterMs={STOP_REFRESHING_AFTER_MS} /> : null}
          {view.team ? (
            <>
              <p className="text-slate-700" data-testid="confirmation-team">Your team has {view.team.seats} seats. Invite your members from your team page.</p>
              <Link href="/team" className="inline-block rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">Set up your team</Link>
            </>
          ) : (
            <Link href="/pro" className="inline-block rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">Open Pro features</Link>
          )}
        </>
      );
    case "pending":
      return (
        <>
          <h1 className="text-2xl font-bold">Finishing your payment…</h1>
          <p role="status" className="text-slate-700">
            Polar is confirming your payment for {view.productName}. This page updates by itself; it usually takes a few seconds.
          </p>
          <AutoRefresh intervalMs={REFRESH_EVERY_MS} stopAfterMs={STOP_REFRESHING_AFTER_MS} />
        </>
      );
    case "failed":
      return (
        <>
          <h1 className="text-2xl font-bold">The payment did not go through</h1>
          <p role="alert" className="text-slate-700">You have not been charged and you are still on the Free plan.</p>
          <Link href="/pricing" className="font-medium text-brand-700 underline">Try again</Link>
        </>
      );
    case "expired":
      return (
        <>
          <h1 className="text-2xl font-bold">This checkout expired</h1>
          <p role="alert" className="text-slate-700">It was not paid in time. You have not been charged.</p>
          <Link href="/pricing" className="font-medium text-brand-700 underline">Start a new checkout</Link>
        </>
      );
    case "refunded":
      return (
        <>
          <h1 className="text-2xl font-bold">This payment was refunded</h1>
          <p className="text-slate-700">The {view.amount} for {view.productName} was returned to you.</p>
        </>
      );
  }
}
