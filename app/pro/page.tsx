import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { requirePlan } from "@/lib/access";
import { planLabel } from "@/lib/billing/rules";

export const metadata: Metadata = { title: "Pro features" };

export default async function ProPage() {
  // Checked on every request against MongoDB and the plan's end date, not the session token,
  // so an upgrade, a refund or an ended period shows at once.
  const access = await requirePlan("pro");
  if (access.status === "signed-out") redirect("/signin?callbackUrl=/pro");
  if (access.status === "insufficient") {
    return (
      <section className="space-y-4" data-testid="pro-locked">
        <h1 className="text-2xl font-bold">Pro members only</h1>
        <p className="text-slate-700">You are on the {planLabel(access.user.subscriptionStatus)} plan. Upgrade to open Pro features.</p>
        <Link href="/pricing" className="inline-block rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">See plans</Link>
      </section>
    );
  }
  return (
    <section className="space-y-4" data-testid="pro-content">
      <h1 className="text-2xl font-bold">Pro features</h1>
      <p className="text-slate-700">Welcome, {access.user.email}. Unlimited projects, priority support and early access are yours.</p>
    </section>
  );
}
