import { NextResponse, type NextRequest } from "next/server";
import { CRON_BUDGET_MS, runBillingCron } from "@/lib/cron/run";
import { isCronAuthorized } from "@/lib/cron/auth";
import { isTransientDbError } from "@/lib/db/errors";
import { env } from "@/lib/env";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";
// Vercel's Hobby limit for a function; the run stops taking work well before it.
export const maxDuration = 60;

/** The billing cron (vercel.json): sweep the inbox, recompute plans that ended, reconcile with Polar. */
export async function GET(req: NextRequest): Promise<NextResponse> {
  if (!isCronAuthorized(req.headers.get("authorization"), env().CRON_SECRET)) {
    return NextResponse.json({ ok: false, error: "unauthorized" }, { status: 401 });
  }
  try {
    return NextResponse.json({ ok: true, ...(await runBillingCron({ budgetMs: CRON_BUDGET_MS })) });
  } catch (error) {
    if (!isTransientDbError(error)) throw error;
    return NextResponse.json({ ok: false, error: "database unavailable, the next run retries" }, { status: 503 });
  }
}
