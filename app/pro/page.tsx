import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { randomUUID } from "node:crypto";
import { requireEntitlement, requirePlan } from "@/lib/access";
import { planLabel } from "@/lib/billing/rules";
import { REPORTS } from "@/lib/usage/reports";
import { generateReportAction } from "./actions";
import { ReportForm } from "./ReportForm";

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
  const reports = await requireEntitlement(REPORTS);
  return (
    <section className="space-y-4" data-testid="pro-content">
      <h1 className="text-2xl font-bold">Pro features</h1>
      <p className="text-slate-700">Welcome, {access.user.email}. Unlimited projects, priority support and early access are yours.</p>
      <div className="space-y-2 rounded-lg border border-slate-200 bg-white p-4">
        <h2 className="text-lg font-semibold">Reports</h2>
        <p className="text-slate-700" data-testid="reports-left">{reportsLine(reports)}</p>
        {reports.status === "ok" ? <ReportForm action={generateReportAction} idempotencyKey={randomUUID()} /> : null}
      </div>
    </section>
  );
}

function reportsLine(check: Awaited<ReturnType<typeof requireEntitlement>>): string {
  if (check.status !== "ok") return "Reports are not included in your plan: see /pricing.";
  const a = check.allowance;
  if (a.kind === "unlimited") return "Unlimited reports on your plan.";
  return `${a.remaining} of ${a.credited} reports left this period${a.overageUnits > 0 ? `; ${a.overageUnits} more billed at your next renewal` : ""}.`;
}
