import "server-only";
import { customerSeatsAssignSeat } from "@polar-sh/sdk/funcs/customerSeatsAssignSeat.js";
import { customerSeatsRevokeSeat } from "@polar-sh/sdk/funcs/customerSeatsRevokeSeat.js";
import { subscriptionsUpdate } from "@polar-sh/sdk/funcs/subscriptionsUpdate.js";
import type { CustomerSeat } from "@polar-sh/sdk/models/components/customerseat";
import { unwrapAsync } from "@polar-sh/sdk/types/fp.js";
import { recordPolarSubscription } from "@/lib/billing/pull-sync";
import { withKeyedLock } from "@/lib/db/keyed-lock";
import { polar } from "@/lib/polar/client";
import { describeError } from "@/lib/redact";
import { Team } from "@/models/Team";
import { seatFact } from "./facts";
import { describeSeatRefusal } from "./refusals";
import { checkLeave, checkSeatCount } from "./rules";
import { recordSeat } from "./store";
import { readTeam, type TeamView } from "./team";

/**
 * What a team's owner and members do from /team, each one Polar call whose answer is applied at
 * once through the same code as its webhook (the events that follow change nothing more), so the
 * page that reloads after the action shows it, and a removed member loses access at that moment.
 * One team's changes run one after another in this process (a double click finds the first's
 * result). The caller passes the signed-in email, never a form's.
 */
export type TeamOutcome = { ok: true; message: string } | { ok: false; message: string };

const withTeamLock = <T>(id: string, fn: () => Promise<T>) => withKeyedLock(`team:${id}`, fn);

async function ownedTeam(id: string, email: string): Promise<TeamView | TeamOutcome> {
  const team = await readTeam(id, email);
  if (!team) return { ok: false, message: "That team is not yours to change." };
  if (team.role !== "owner") return { ok: false, message: "Only the team's owner can do that." };
  if (!team.subscription.live) return { ok: false, message: "This team's subscription has ended. Buy Team again on /pricing." };
  return team;
}
const isOutcome = (x: TeamView | TeamOutcome): x is TeamOutcome => "ok" in x;

/** Polar's seat, applied as its webhook would be. */
async function applySeat(seat: CustomerSeat, what: string): Promise<void> {
  const fact = seatFact(seat);
  if (!fact) return;
  try {
    await recordSeat(fact);
  } catch (error) {
    // Polar has it; its webhook (or the reconciler) brings it here.
    console.error(`[team] ${what} done at Polar, not recorded yet: ${describeError(error)}`);
  }
}

/**
 * Gives `member` a seat: `customerSeats.assignSeat` with `immediate_claim`, naming the member by
 * our external id (`external_member_id`, the email, as customers are named) so Polar sends no
 * invitation email and holds no claim token; the invitation is ours (the member sees the team on
 * /team when they sign in with their own identity, and the seat grants from that moment on).
 */
async function assignSeatTo(team: TeamView, member: string): Promise<TeamOutcome> {
  if (team.members.some((m) => m.email === member)) return { ok: false, message: `${member} already has a seat on this team.` };
  if (team.inUse >= team.seats) return { ok: false, message: `All ${team.seats} seats are taken. Add a seat first.` };
  try {
    const seat = await unwrapAsync(
      customerSeatsAssignSeat(polar(), { subscriptionId: team.id, email: member, externalMemberId: member, immediateClaim: true }),
    );
    await applySeat(seat, `seat for ${team.id}`);
    return { ok: true, message: `${member} is on the team: they sign in with that email to use it.` };
  } catch (error) {
    const { message, log } = describeSeatRefusal(error, "the seat");
    console.error(`[team] ${team.id}: ${log}`);
    return { ok: false, message };
  }
}

export async function inviteMember(ownerEmail: string, id: string, member: string): Promise<TeamOutcome> {
  return withTeamLock(id, async () => {
    const team = await ownedTeam(id, ownerEmail);
    if (isOutcome(team)) return team;
    return assignSeatTo(team, member);
  });
}

async function revoke(team: TeamView, seatId: string, who: string): Promise<TeamOutcome> {
  try {
    const seat = await unwrapAsync(customerSeatsRevokeSeat(polar(), { seatId }));
    await applySeat(seat, `revocation of ${seatId}`);
    return { ok: true, message: `${who} no longer has a seat on the team.` };
  } catch (error) {
    const { message, log } = describeSeatRefusal(error, "the removal");
    console.error(`[team] ${team.id}: ${log}`);
    return { ok: false, message };
  }
}

/** The owner takes a member's seat back: the member loses the team's plan at once. The owner's own seat goes only with ownership. */
export async function removeMember(ownerEmail: string, id: string, seatId: string): Promise<TeamOutcome> {
  return withTeamLock(id, async () => {
    const team = await ownedTeam(id, ownerEmail);
    if (isOutcome(team)) return team;
    const seat = team.members.find((m) => m.seatId === seatId);
    if (!seat) return { ok: false, message: "That seat is not on this team any more." };
    if (seat.email === team.ownerEmail) {
      const refusal = checkLeave("owner");
      if (!refusal.ok) return refusal;
    }
    return revoke(team, seatId, seat.email ?? "That member");
  });
}

/** A member gives their seat back. The owner cannot, until another member owns the team. */
export async function leaveTeam(email: string, id: string): Promise<TeamOutcome> {
  return withTeamLock(id, async () => {
    const team = await readTeam(id, email);
    if (!team) return { ok: false, message: "You are not on that team." };
    const check = checkLeave(team.role);
    if (!check.ok) return check;
    const seat = team.members.find((m) => m.email === email);
    if (!seat) return { ok: false, message: "You hold no seat on that team." };
    const outcome = await revoke(team, seat.seatId, "You");
    return outcome.ok ? { ok: true, message: "You left the team." } : outcome;
  });
}

/** The owner hands the team on to a member holding a claimed seat; the billing customer at Polar stays the buyer's. */
export async function transferOwnership(ownerEmail: string, id: string, to: string): Promise<TeamOutcome> {
  return withTeamLock(id, async () => {
    const team = await ownedTeam(id, ownerEmail);
    if (isOutcome(team)) return team;
    if (to === ownerEmail) return { ok: false, message: "You already own this team." };
    if (!team.members.some((m) => m.email === to && m.status === "claimed")) return { ok: false, message: `${to} holds no seat on this team.` };
    // Conditional on the owner still being the one who asked: two transfers at once cannot both win.
    const moved = await Team.updateOne({ _id: id, ownerEmail }, { $set: { ownerEmail: to } });
    return moved.modifiedCount === 1 ? { ok: true, message: `${to} now owns the team.` } : { ok: false, message: "The team changed meanwhile. Reload and try again." };
  });
}

/**
 * Moves the subscription to `seats` seats through `subscriptions.update`: more seats are charged
 * now for the rest of the period (`invoice`), fewer are credited on the next invoice (`prorate`),
 * never below the seats in use. Polar's answer is applied at once.
 */
export async function changeSeats(ownerEmail: string, id: string, seats: number): Promise<TeamOutcome> {
  return withTeamLock(id, async () => {
    const team = await ownedTeam(id, ownerEmail);
    if (isOutcome(team)) return team;
    if (!team.pricing) return { ok: false, message: "This team's plan is not sold by the seat any more." };
    const check = checkSeatCount(team.pricing, team.seats, team.inUse, seats);
    if (!check.ok) return check;
    try {
      const answer = await unwrapAsync(
        subscriptionsUpdate(polar(), { id, subscriptionUpdate: { seats, prorationBehavior: seats > team.seats ? "invoice" : "prorate" } }),
      );
      try {
        await recordPolarSubscription(answer);
      } catch (error) {
        console.error(`[team] ${id} seats changed at Polar, not recorded yet: ${describeError(error)}`);
      }
      return { ok: true, message: `Your team now has ${seats} seats.` };
    } catch (error) {
      const { message, log } = describeSeatRefusal(error, "the seat change");
      console.error(`[team] ${id}: ${log}`);
      return { ok: false, message };
    }
  });
}

/**
 * The buyer's own seat, owed since the purchase (models/Team.ts ownerSeatWantedSince): assigned
 * once, by /team, the confirmation page or the cron, whichever comes first. When every seat is
 * already taken the owner keeps none (they take one from /team once one is free). Returns whether
 * this call settled it.
 */
export async function ensureOwnerSeat(id: string): Promise<boolean> {
  return withTeamLock(id, async () => {
    const owed = await Team.findOne({ _id: id, ownerSeatWantedSince: { $ne: null } }, { ownerEmail: 1 }).lean();
    if (!owed) return false;
    const team = await readTeam(id, owed.ownerEmail);
    if (!team || !team.subscription.live) return false;
    const held = team.members.some((m) => m.email === owed.ownerEmail);
    if (!held && team.inUse < team.seats) {
      const outcome = await assignSeatTo(team, owed.ownerEmail);
      if (!outcome.ok) return false; // tried again next time
    }
    await Team.updateOne({ _id: id }, { $set: { ownerSeatWantedSince: null } });
    return true;
  });
}

/** The owners' seats still owed (the cron's sweep), oldest first. */
export async function ensureOwedOwnerSeats(opts: { limit: number; deadline: number }): Promise<number> {
  const owed = await Team.find({ ownerSeatWantedSince: { $ne: null } }, { _id: 1 }).sort({ ownerSeatWantedSince: 1 }).limit(opts.limit).lean();
  let done = 0;
  for (const t of owed) {
    if (Date.now() >= opts.deadline) break;
    try {
      await ensureOwnerSeat(t._id);
      done++;
    } catch (error) {
      console.warn(`[team] owner seat of ${t._id}: ${describeError(error)}`);
    }
  }
  return done;
}

