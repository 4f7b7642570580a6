import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { linkedIdentities } from "@/lib/auth/identities";
import { signInOptions } from "@/lib/auth/options";
import { getCurrentUser } from "@/lib/auth/session";
import { planAt, planLabel, type SubscriptionStanding } from "@/lib/billing/rules";
import { accountNotice } from "@/lib/account/notices";
import { accountSubscription, listPayments, type PaymentRow } from "@/lib/account/payments";
import { doneText } from "@/lib/plan-changes/done";
import { productsById } from "@/lib/plan-changes/subscriber";
import { deleteAccountAction, manageSubscriptionAction, signOutEverywhereAction } from "./actions";
import { ManageSubscription } from "./ManageSubscription";
import { SignInAndData } from "./SignInAndData";
import { UsagePanel } from "./UsagePanel";
import { reportsPerDay, usageSummary } from "@/lib/usage/summary";

export const metadata: Metadata = { title: "Account" };

const statusLabel = { pending: "Pending", failed: "Failed", expired: "Expired", completed: "Paid", refunded: "Refunded" } as const;
const dateFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" });
const reasonSuffix: Record<PaymentRow["reason"], string> = { purchase: "", renewal: " (renewal)", "plan-change": " (plan change, prorated)" };

type Props = { searchParams: Promise<{ done?: string; portal?: string; checkout?: string }> };

export default async function AccountPage({ searchParams }: Props) {
  const [user, { done, ...reason }] = await Promise.all([getCurrentUser(), searchParams]);
  if (!user) redirect("/signin?callbackUrl=/account");
  const now = new Date();
  const [payments, { standing, live: subscription }, identities, usage, perDay] = await Promise.all([
    listPayments(user.email),
    accountSubscription(user.email, now),
    linkedIdentities(user.email),
    usageSummary(user.email),
    reportsPerDay(user.email, 30, now),
  ]);
  const addable = signInOptions().filter((o) => !identities.some((i) => i.provider === o.id));
  // The stored plan is a cache; its end date decides (as requirePlan does).
  const plan = planLabel(planAt({ plan: user.subscriptionStatus, until: user.planUntil }, now));
  const names = subscription?.productId ? await productsById([subscription.productId, subscription.pendingProductId ?? subscription.productId]) : null;
  const productName = (id: string | null | undefined) => (id && names?.get(id)?.name) || "another plan";
  const notice = accountNotice(reason, plan);
  return (
    <section className="space-y-8">
      <h1 className="text-2xl font-bold">Your account</h1>
      {doneText(done) ? (
        <p role="status" className="rounded-md bg-emerald-50 px-4 py-3 text-emerald-900" data-testid="change-done">{doneText(done)}</p>
      ) : null}
      {notice ? (
        <p role="status" className="rounded-md bg-amber-50 px-4 py-3 text-amber-900" data-testid="account-notice">{notice}</p>
      ) : null}
      <dl className="grid grid-cols-[max-content_1fr] gap-x-6 gap-y-2 rounded-lg border border-slate-200 bg-white p-4">
        <dt className="font-medium text-slate-600">Email</dt>
        <dd data-testid="account-email">{user.email}</dd>
        <dt className="font-medium text-slate-600">Plan</dt>
        <dd data-testid="account-plan">{plan}</dd>
        {standing ? (
          <>
            <dt className="font-medium text-slate-600">Subscription</dt>
            <dd data-testid="subscription-standing" data-kind={standing.kind}>
              {standingText(standing, plan)}
            </dd>
          </>
        ) : null}
        {subscription?.pendingProductId && subscription.pendingAppliesAt ? (
          <>
            <dt className="font-medium text-slate-600">Scheduled</dt>
            <dd data-testid="pending-switch">
              Switches to {productName(subscription.pendingProductId)} on {dateFormat.format(subscription.pendingAppliesAt)}
            </dd>
          </>
        ) : null}
      </dl>
      {subscription ? (
        <ManageSubscription
          action={manageSubscriptionAction}
          state={{
            status: subscription.status,
            cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
            pauseAtPeriodEnd: subscription.pauseAtPeriodEnd ?? false,
            pendingSwitch: Boolean(subscription.pendingProductId),
            currentName: productName(subscription.productId),
            periodEnd: subscription.currentPeriodEnd ? dateFormat.format(subscription.currentPeriodEnd) : null,
          }}
        />
      ) : null}
      <div className="flex flex-wrap gap-3">
        {plan === "Free" ? (
          <Link href="/pricing" className="rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">Upgrade</Link>
        ) : null}
        {payments.length > 0 ? (
          // A plain link: the portal route answers with a redirect to Polar, not a page.
          <a href="/api/portal" data-testid="manage-billing" className="rounded-md border border-slate-300 bg-white px-4 py-2 font-medium hover:bg-slate-100">Manage billing</a>
        ) : null}
      </div>
      <div className="space-y-3">
        <h2 className="text-xl font-semibold">Payments</h2>
        {payments.length === 0 ? (
          <p className="text-slate-700">No payments yet.</p>
        ) : (
          <table className="w-full overflow-hidden rounded-lg border border-slate-200 bg-white text-left text-sm" data-testid="payments">
            <thead className="bg-slate-100 text-slate-700">
              <tr>
                <th scope="col" className="px-3 py-2">Date</th>
                <th scope="col" className="px-3 py-2">Product</th>
                <th scope="col" className="px-3 py-2">Amount</th>
                <th scope="col" className="px-3 py-2">Status</th>
              </tr>
            </thead>
            <tbody>
              {payments.map((p) => (
                <tr key={p.id} className="border-t border-slate-200" data-testid="payment-row" data-renewal={p.reason === "renewal" ? "true" : "false"} data-reason={p.reason}>
                  <td className="px-3 py-2">{dateFormat.format(p.date)}</td>
                  <td className="px-3 py-2">{p.product}{reasonSuffix[p.reason]}</td>
                  <td className="px-3 py-2">{p.amount}</td>
                  <td className="px-3 py-2" data-testid="payment-status">{paymentStatusText(p)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      {usage.allowed || usage.used > 0 ? <UsagePanel usage={usage} perDay={perDay} /> : null}
      <SignInAndData
        email={user.email}
        identities={identities}
        addable={addable}
        signOutEverywhere={signOutEverywhereAction}
        deleteAccount={deleteAccountAction}
      />
    </section>
  );
}

function standingText(s: SubscriptionStanding, plan: string): string {
  switch (s.kind) {
    case "renews":
      return `Renews on ${dateFormat.format(s.on)}`;
    case "trial-ends":
      return `Trial ends on ${dateFormat.format(s.on)}`;
    case "ends":
      return `Ends on ${dateFormat.format(s.on)}`;
    case "pauses":
      return `Pauses on ${dateFormat.format(s.on)}`;
    case "paused":
      return s.resumesOn ? `Paused until ${dateFormat.format(s.resumesOn)}` : "Paused";
    case "grace":
      return `Payment failed: ${plan} until ${dateFormat.format(s.until)}`;
    case "payment-failed":
      return "Payment failed: update your card in Manage billing";
  }
}

function paymentStatusText(p: PaymentRow): string {
  return p.partiallyRefunded ? `Partially refunded (${p.partiallyRefunded})` : statusLabel[p.status];
}
