import { NextResponse } from "next/server";
import { requirePlan } from "@/lib/access";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** An example Pro-only API: 401 signed out, 403 on Free, the data on Pro. */
export async function GET(): Promise<NextResponse> {
  const access = await requirePlan("pro");
  if (access.status === "signed-out") return NextResponse.json({ error: "sign in first" }, { status: 401 });
  if (access.status === "insufficient") return NextResponse.json({ error: "this needs the Pro plan" }, { status: 403 });
  return NextResponse.json({
    plan: access.user.subscriptionStatus,
    planUntil: access.user.planUntil,
    report: { projects: "unlimited", support: "priority" },
  });
}
