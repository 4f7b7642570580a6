import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { ChangeForm } from "@/app/components/ChangeForm";
import { getCurrentUser } from "@/lib/auth/session";
import { ensureOwnerSeat } from "@/lib/teams/manage";
import { readTeam, teamOf, type TeamView } from "@/lib/teams/team";
import { changeSeatsAction, inviteAction, leaveAction, removeAction, transferAction, type TeamDone } from "./actions";
import { SeatsForm } from "./SeatsForm";

export const metadata: Metadata = { title: "Team" };

type Props = { searchParams: Promise<{ done?: string }> };

const DONE: Record<TeamDone, string> = {
  invited: "Invited: they sign in with that email to use the team's plan.",
  removed: "Removed: their access ended now, and the seat is free for someone else.",
  left: "You left the team.",
  transferred: "Ownership moved. The new owner manages the team from now on.",
  seats: "Your team's seats changed.",
};

const dateFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" });

export default async function TeamPage({ searchParams }: Props) {
  const [user, { done }] = await Promise.all([getCurrentUser(), searchParams]);
  if (!user) redirect("/signin?callbackUrl=/team");
  let team = await teamOf(user.email);
  // The buyer's own seat, owed since the purchase: assigned on the first visit if the cron has not yet.
  if (team?.role === "owner" && team.ownerSeatWanted) {
    await ensureOwnerSeat(team.id);
    team = await readTeam(team.id, user.email);
  }
  const said = done && done in DONE ? DONE[done as TeamDone] : null;
  return (
    <section className="space-y-6">
      <h1 className="text-3xl font-bold">Team</h1>
      {said ? (
        <p role="status" className="rounded-md bg-emerald-50 px-3 py-2 text-emerald-900" data-testid="team-done">{said}</p>
      ) : null}
      {!team ? (
        <div className="space-y-3" data-testid="no-team">
          <p className="text-slate-700">You are not on a team. A team plan gives each member the plan with their own sign-in.</p>
          <Link href="/pricing" className="inline-block rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">See plans</Link>
        </div>
      ) : team.role === "owner" ? (
        <OwnerView team={team} email={user.email} />
      ) : (
        <MemberView team={team} />
      )}
    </section>
  );
}

function Standing({ team }: { team: TeamView }) {
  const end = team.subscription.periodEnd;
  const when = end ? dateFormat.format(end) : null;
  return (
    <p className="text-slate-700" data-testid="team-standing">
      {team.productName}: <span data-testid="team-seats">{team.seats} seats</span>, <span data-testid="team-in-use">{team.inUse} in use</span>
      {when ? (team.subscription.cancelAtPeriodEnd ? `; ends on ${when}` : `; renews on ${when}`) : ""}.
    </p>
  );
}

function OwnerView({ team, email }: { team: TeamView; email: string }) {
  const free = team.seats - team.inUse;
  const holdsSeat = team.members.some((m) => m.email === email);
  const { periodStart, periodEnd } = team.subscription;
  return (
    <div className="space-y-6" data-testid="team-owner">
      <Standing team={team} />
      <div className="space-y-2">
        <h2 className="text-xl font-semibold">Members</h2>
        <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white" data-testid="team-members">
          {team.members.map((m) => (
            <li key={m.seatId} className="flex flex-wrap items-center justify-between gap-3 p-3" data-testid="team-member">
              <span>
                <span data-testid="member-email">{m.email ?? "(unassigned)"}</span>
                {m.email === team.ownerEmail ? <span className="ml-2 text-sm text-slate-600">owner</span> : null}
                {m.status === "pending" ? <span className="ml-2 text-sm text-amber-800">invited at Polar, not claimed yet</span> : null}
              </span>
              {m.email === team.ownerEmail ? null : (
                <span className="flex gap-2">
                  {m.status === "claimed" && m.email ? (
                    <ChangeForm action={transferAction} fields={{ teamId: team.id, email: m.email }} label="Make owner" pendingLabel="Moving…" />
                  ) : null}
                  <ChangeForm action={removeAction} fields={{ teamId: team.id, seatId: m.seatId }} label={`Remove ${m.email ?? "seat"}`} pendingLabel="Removing…" />
                </span>
              )}
            </li>
          ))}
          {team.members.length === 0 ? <li className="p-3 text-slate-700">No one holds a seat yet.</li> : null}
        </ul>
        {!holdsSeat && free > 0 ? (
          <ChangeForm action={inviteAction} fields={{ teamId: team.id, email }} label="Take a seat yourself" pendingLabel="Taking a seat…" />
        ) : null}
      </div>
      <div className="space-y-2">
        <h2 className="text-xl font-semibold">Invite a member</h2>
        <p className="text-slate-700">
          {free > 0 ? `${free} seat${free === 1 ? "" : "s"} free.` : "Every seat is taken: add a seat below first."} A member signs in here with their own account, with the email you give.
        </p>
        <ChangeForm action={inviteAction} fields={{ teamId: team.id }} label="Invite" pendingLabel="Inviting…" tone="primary" testId="invite-form">
          <label className="flex flex-col gap-1 text-slate-700">
            <span>Email</span>
            <input type="email" name="email" required autoComplete="off" className="rounded-md border border-slate-300 px-3 py-2" />
          </label>
        </ChangeForm>
      </div>
      <div className="space-y-2">
        <h2 className="text-xl font-semibold">Seats</h2>
        {team.pricing && periodStart && periodEnd ? (
          <SeatsForm
            changeSeats={changeSeatsAction}
            teamId={team.id}
            seats={team.seats}
            inUse={team.inUse}
            pricing={team.pricing}
            interval={team.subscription.interval}
            periodStart={periodStart.toISOString()}
            periodEnd={periodEnd.toISOString()}
          />
        ) : (
          <p className="text-slate-700">Seats cannot change right now.</p>
        )}
      </div>
      <div className="space-y-2">
        <h2 className="text-xl font-semibold">Leave</h2>
        <p className="text-slate-700">To leave, make another member the owner first.</p>
        <ChangeForm action={leaveAction} fields={{ teamId: team.id }} label="Leave team" pendingLabel="Leaving…" testId="leave-form" />
      </div>
    </div>
  );
}

function MemberView({ team }: { team: TeamView }) {
  return (
    <div className="space-y-4" data-testid="team-member-view">
      <p className="text-slate-700">
        You are on the team of {team.ownerEmail}: <span className="font-medium">{team.productName}</span>, through your own seat.
      </p>
      <Standing team={team} />
      <ChangeForm action={leaveAction} fields={{ teamId: team.id }} label="Leave team" pendingLabel="Leaving…" testId="leave-form" />
    </div>
  );
}
