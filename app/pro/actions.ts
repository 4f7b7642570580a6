"use server";

import { revalidatePath } from "next/cache";
import { after } from "next/server";
import { z } from "zod";
import { getSessionEmail } from "@/lib/auth/session";
import { IDEMPOTENCY_KEY, generateReport } from "@/lib/usage/reports";
import { validatedAction } from "@/lib/validated-action";

/**
 * The /pro page's "Generate report": one unit of the plan's reports. The form carries a key drawn
 * when the page was rendered, so a double click or a resubmitted form counts once.
 */
export const generateReportAction = validatedAction(
  z.object({ key: z.string().regex(IDEMPOTENCY_KEY, { message: "Reload the page and try again." }) }),
  async ({ key }) => {
    const email = await getSessionEmail();
    if (!email) return { error: "Your session ended. Sign in again to generate a report." };
    const outcome = await generateReport(email, key);
    if (outcome.kind === "not-entitled") return { error: "Reports come with a paid plan: see /pricing." };
    if (outcome.kind === "limit") return { error: outcome.message };
    after(outcome.afterAnswer);
    // The page again: the count, and a new key for the next report.
    revalidatePath("/pro");
    const left = outcome.allowance.kind === "metered" ? ` ${outcome.allowance.remaining} of ${outcome.allowance.credited} left this period.` : "";
    return { notice: `Report ${outcome.report.id} is ready.${left}` };
  },
);
