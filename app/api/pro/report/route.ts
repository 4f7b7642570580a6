import { randomUUID } from "node:crypto";
import { after, NextResponse, type NextRequest } from "next/server";
import { requirePlan } from "@/lib/access";
import { getSessionEmail } from "@/lib/auth/session";
import { IDEMPOTENCY_KEY, generateReport } from "@/lib/usage/reports";
import { usageSummary } from "@/lib/usage/summary";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** An example Pro-only API: 401 signed out, 403 on Free, the plan and this period's reports on Pro. */
export async function GET(): Promise<NextResponse> {
  const access = await requirePlan("pro");
  if (access.status === "signed-out") return NextResponse.json({ error: "sign in first" }, { status: 401 });
  if (access.status === "insufficient") return NextResponse.json({ error: "this needs the Pro plan" }, { status: 403 });
  return NextResponse.json({
    plan: access.user.subscriptionStatus,
    planUntil: access.user.planUntil,
    reports: await usageSummary(access.user.email),
  });
}

/**
 * Generates a report: one unit of the plan's reports (lib/usage). Send an `Idempotency-Key` header
 * to retry safely: the same key is counted once and answers the same report.
 * 401 signed out, 403 without the reports benefit, 402 past the period's reports, 400 a bad key.
 */
export async function POST(req: NextRequest): Promise<NextResponse> {
  const key = req.headers.get("idempotency-key") ?? randomUUID();
  if (!IDEMPOTENCY_KEY.test(key)) {
    return NextResponse.json({ error: "Idempotency-Key must be 8 to 100 letters, digits, '-' or '_'." }, { status: 400 });
  }
  const email = await getSessionEmail();
  if (!email) return NextResponse.json({ error: "sign in first" }, { status: 401 });
  const outcome = await generateReport(email, key);
  if (outcome.kind === "not-entitled") return NextResponse.json({ error: "Reports come with a paid plan: see /pricing." }, { status: 403 });
  if (outcome.kind === "limit") return NextResponse.json({ error: outcome.message, upgrade: "/pricing", usage: outcome.allowance }, { status: 402 });
  after(outcome.afterAnswer);
  return NextResponse.json({ report: outcome.report, usage: outcome.allowance });
}
