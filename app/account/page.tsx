import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getCurrentUser } from "@/lib/auth";

export const metadata: Metadata = { title: "Account" };

export default async function AccountPage() {
  const user = await getCurrentUser();
  if (!user) redirect("/signin?callbackUrl=/account");
  const plan = user.subscriptionStatus === "pro" ? "Pro" : "Free";
  return (
    <section className="space-y-6">
      <h1 className="text-2xl font-bold">Your account</h1>
      <dl className="grid grid-cols-[max-content_1fr] gap-x-6 gap-y-2 rounded-lg border border-slate-200 bg-white p-4">
        <dt className="font-medium text-slate-600">Email</dt>
        <dd data-testid="account-email">{user.email}</dd>
        <dt className="font-medium text-slate-600">Plan</dt>
        <dd data-testid="account-plan">{plan}</dd>
      </dl>
    </section>
  );
}
