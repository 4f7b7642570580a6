"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { getSessionEmail } from "@/lib/auth/session";
import { changeSeats, inviteMember, leaveTeam, removeMember, transferOwnership, type TeamOutcome } from "@/lib/teams/manage";
import { validatedAction } from "@/lib/validated-action";

const teamId = z.uuid({ message: "That team is not yours to change." });
const memberEmail = z.string().trim().toLowerCase().pipe(z.email({ message: "Give the member's email address." }));

/** What /team says after an action that succeeded (?done=...): codes, never text from the URL. */
export type TeamDone = "invited" | "removed" | "left" | "transferred" | "seats";

/** Every team action: the signed-in email (never a form's), then the change, then /team again saying what was done. */
async function asSignedIn(run: (email: string) => Promise<TeamOutcome>, done: TeamDone) {
  const email = await getSessionEmail();
  if (!email) return { error: "Your session ended. Sign in again to manage your team." };
  const outcome = await run(email);
  if (!outcome.ok) return { error: outcome.message };
  redirect(`/team?done=${done}`);
}

export const inviteAction = validatedAction(z.object({ teamId, email: memberEmail }), async ({ teamId, email: member }) =>
  asSignedIn((email) => inviteMember(email, teamId, member), "invited"),
);

export const removeAction = validatedAction(z.object({ teamId, seatId: z.string().min(1, { message: "Choose a member." }) }), async ({ teamId, seatId }) =>
  asSignedIn((email) => removeMember(email, teamId, seatId), "removed"),
);

export const leaveAction = validatedAction(z.object({ teamId }), async ({ teamId }) =>
  asSignedIn((email) => leaveTeam(email, teamId), "left"),
);

export const transferAction = validatedAction(z.object({ teamId, email: memberEmail }), async ({ teamId, email: to }) =>
  asSignedIn((email) => transferOwnership(email, teamId, to), "transferred"),
);

export const changeSeatsAction = validatedAction(
  z.object({
    teamId,
    seats: z.coerce.number({ message: "Choose a number of seats." }).int({ message: "Choose a whole number of seats." }).positive({ message: "Choose at least one seat." }),
  }),
  async ({ teamId, seats }) => asSignedIn((email) => changeSeats(email, teamId, seats), "seats"),
);
