import "server-only";
import { createHash } from "node:crypto";
import { featureAllowance } from "./allowance";
import { flushUsage } from "./flush";
import { meterHolderOf } from "./holder";
import { recordUsage } from "./outbox";
import type { Allowance } from "./rules";
import { UsageEvent } from "@/models/UsageEvent";

/** The feature a report uses (a feature-flag benefit's metadata in Polar) and the event Polar's meter counts. */
export const REPORTS = "reports";
export const REPORT_EVENT = "report.generated";

/** An idempotency key as a client sends it: a retried request reuses it and is counted once. */
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{8,100}$/;

export type ReportOutcome =
  | {
      kind: "generated";
      report: { id: string; projects: string; support: string };
      allowance: Allowance;
      /** Sends the outbox to Polar: the caller runs it behind the answer (Next's `after`). */
      afterAnswer: () => Promise<void>;
    }
  | { kind: "not-entitled" }
  | { kind: "limit"; message: string; allowance: Allowance };

/** The event's id at Polar (`external_id`): the same user and key give the same id, on any instance. */
const eventIdOf = (email: string, key: string) => `rpt_${createHash("sha256").update(`${email}\n${key}`).digest("hex").slice(0, 32)}`;

/**
 * Generates one report for `email`: decided on read (lib/usage/allowance.ts), recorded in the
 * outbox before the answer, sent to Polar behind it. A repeated key answers the report it already
 * counted, whatever the allowance says now.
 */
export async function generateReport(email: string, key: string): Promise<ReportOutcome> {
  const id = eventIdOf(email, key);
  const [repeated, holder] = await Promise.all([UsageEvent.exists({ _id: id }).then((e) => e !== null), meterHolderOf(email)]);
  const allowance = await featureAllowance(email, REPORTS, holder);
  if (!repeated) {
    if (allowance.kind === "not-entitled") return { kind: "not-entitled" };
    if (allowance.kind === "metered" && !allowance.allowed) {
      return {
        kind: "limit",
        allowance,
        message: `You have used all ${allowance.credited} reports included this period. Upgrade on /pricing for more reports (a plan with usage billing goes on past its credits), or wait for your next period.`,
      };
    }
    await recordUsage({ id, holder, name: REPORT_EVENT, metadata: { report: id } });
  }
  const counted = allowance.kind === "metered" && !repeated ? { ...allowance, used: allowance.used + 1, remaining: Math.max(0, allowance.remaining - 1) } : allowance;
  return {
    kind: "generated",
    report: { id, projects: "unlimited", support: "priority" },
    allowance: counted,
    // Polar hears of it behind the answer; the cron sends what this misses.
    afterAnswer: async () => void (await flushUsage({ deadline: Date.now() + 10_000 })),
  };
}
