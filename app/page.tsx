import Link from "next/link";
import { getCurrentUser } from "@/lib/auth/session";
import { planLabel } from "@/lib/billing/rules";

export default async function HomePage() {
  const user = await getCurrentUser();
  return (
    <section className="space-y-8">
      <div className="space-y-4">
        <h1 className="text-4xl font-bold tracking-tight">Do more with Acme Pro</h1>
        <p className="max-w-2xl text-lg text-slate-700">
          Unlimited projects, priority support and every new feature first. Pay once or monthly through Polar;
          your plan is active the moment the payment clears.
        </p>
      </div>
      <ul className="grid gap-4 sm:grid-cols-3">
        {["Unlimited projects", "Priority support", "Early access"].map((feature) => (
          <li key={feature} className="rounded-lg border border-slate-200 bg-white p-4 font-medium">{feature}</li>
        ))}
      </ul>
      <p className="text-slate-700">
        {user ? (
          <>
            Signed in as <strong>{user.email}</strong>, on the <strong data-testid="plan">{planLabel(user.subscriptionStatus)}</strong> plan.
          </>
        ) : (
          "You are not signed in."
        )}
      </p>
      <Link href="/pricing" className="inline-block rounded-md bg-brand-600 px-5 py-2.5 font-medium text-white hover:bg-brand-700">
        See plans
      </Link>
    </section>
  );
}
