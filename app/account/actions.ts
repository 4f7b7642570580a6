"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { CANCELLATION_REASON_VALUES, manageSubscription } from "@/lib/plan-changes/manage";
import { cancelScheduledSwitch } from "@/lib/plan-changes/switch";
import { getSessionEmail } from "@/lib/auth/session";
import { validatedAction } from "@/lib/validated-action";

/** A form's empty field is "not given". */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === "" ? undefined : v), schema.optional());

const manageInput = z.discriminatedUnion("action", [
  z.object({
    action: z.literal("cancel"),
    reason: optional(z.enum(CANCELLATION_REASON_VALUES, { message: "Choose a reason from the list." })),
    comment: optional(z.string().trim().max(500, { message: "Keep the comment under 500 characters." })),
  }),
  z.object({ action: z.literal("uncancel") }),
  z.object({
    action: z.literal("pause"),
    // A date input sends YYYY-MM-DD; the pause resumes at the start of that day (UTC).
    resumesOn: optional(z.iso.date({ message: "Give the resume date as a date." })),
  }),
  z.object({ action: z.literal("unpause") }),
  z.object({ action: z.literal("resume") }),
  z.object({ action: z.literal("keep-plan") }),
], { message: "That is not something a subscription can do." });

/** The account page's subscription buttons: each one `subscriptions.update` call (lib/plan-changes). */
export const manageSubscriptionAction = validatedAction(manageInput, async (input) => {
  const email = await getSessionEmail();
  if (!email) return { error: "Your session ended. Sign in again to change your subscription." };
  const result =
    input.action === "keep-plan"
      ? await cancelScheduledSwitch(email)
      : input.action === "cancel"
        ? await manageSubscription(email, { action: "cancel", reason: input.reason, comment: input.comment })
        : input.action === "pause"
          ? await manageSubscription(email, { action: "pause", resumesAt: input.resumesOn ? new Date(`${input.resumesOn}T00:00:00Z`) : undefined })
          : await manageSubscription(email, { action: input.action });
  if (!result.ok) return { error: result.message };
  // The page is read again, with what was done said at its top.
  redirect(`/account?done=${result.done}`);
});
