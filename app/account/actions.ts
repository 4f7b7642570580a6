"use server";

import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { z } from "zod";
import { CANCELLATION_REASON_VALUES, manageSubscription } from "@/lib/plan-changes/manage";
import { cancelScheduledSwitch } from "@/lib/plan-changes/switch";
import { deleteAccount } from "@/lib/account/erase";
import { signOutEverywhere } from "@/lib/auth/identities";
import { getSessionEmail } from "@/lib/auth/session";
import { sessionCookie } from "@/lib/auth/session-cookie";
import { env } from "@/lib/env";
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

/** This browser's session cookie, chunks included: the session already ended in MongoDB, this tidies up. */
async function dropSessionCookie(): Promise<void> {
  const name = sessionCookie(env().APP_URL).sessionToken.name;
  const jar = await cookies();
  for (const c of jar.getAll()) if (c.name === name || c.name.startsWith(`${name}.`)) jar.delete(c.name);
}

/** Ends every session of the user, on every device, this one too (lib/auth/identities). */
export const signOutEverywhereAction = validatedAction(z.object({}), async () => {
  const email = await getSessionEmail();
  if (!email) return { error: "Your session already ended." };
  await signOutEverywhere(email);
  await dropSessionCookie();
  redirect("/signin?notice=signed-out-everywhere");
});

/** Deletes the account (lib/account/erase.ts) once the user typed their email to confirm it. */
export const deleteAccountAction = validatedAction(
  z.object({ confirm: z.string().trim().toLowerCase().max(254, { message: "Type your email exactly as shown." }) }),
  async ({ confirm }) => {
    const email = await getSessionEmail();
    if (!email) return { error: "Your session ended. Sign in again to delete your account." };
    if (confirm !== email) return { error: `Type ${email} to confirm: nothing was deleted.` };
    const result = await deleteAccount(email);
    if (!result.ok) return { error: result.message };
    await dropSessionCookie();
    redirect("/signin?notice=account-deleted");
  },
);
