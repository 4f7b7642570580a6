import "server-only";
import { featureAllowance } from "./allowance";
import { meterHolderOf } from "./holder";
import { REPORTS } from "./reports";
import { UsageEvent } from "@/models/UsageEvent";

/** This period's reports for a page or an API answer: used, included, left, and the overage so far. */
export async function usageSummary(email: string): Promise<{ used: number; included: number | null; remaining: number | null; overage: number; allowed: boolean }> {
  const a = await featureAllowance(email, REPORTS);
  if (a.kind === "not-entitled") return { used: 0, included: 0, remaining: 0, overage: 0, allowed: false };
  if (a.kind === "unlimited") return { used: 0, included: null, remaining: null, overage: 0, allowed: true };
  return { used: a.used, included: a.credited, remaining: a.remaining, overage: a.overageUnits, allowed: a.allowed };
}

/** Reports this user recorded per UTC day over the last `days` days, oldest first (the account's chart; a team member's own, not the team's). */
export async function reportsPerDay(email: string, days: number, now = new Date()): Promise<{ counts: number[]; from: Date }> {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const from = new Date(today - (days - 1) * 86_400_000);
  const whose = (await meterHolderOf(email)).member ? { memberEmail: email } : { customerEmail: email };
  const events = await UsageEvent.find({ ...whose, createdAt: { $gte: from } }, { createdAt: 1 }).lean();
  const counts = Array.from({ length: days }, () => 0);
  for (const e of events) {
    const day = Math.floor((e.createdAt.getTime() - from.getTime()) / 86_400_000);
    if (day >= 0 && day < days) counts[day]!++;
  }
  return { counts, from };
}
