import "server-only";
import type { PolarEvent } from "@/lib/billing/apply-event";
import { memberFact, seatFact } from "./facts";
import { recordMember, recordSeat } from "./store";

/** The events that carry seats and members (beside lib/billing's, whose subscription events carry the seat count). */
export const TEAM_EVENT_TYPES: ReadonlySet<string> = new Set<PolarEvent["type"]>([
  "customer_seat.assigned",
  "customer_seat.claimed",
  "customer_seat.revoked",
  "member.created",
  "member.updated",
  "member.deleted",
]);

/** Applies one verified seat or member event: idempotent, in any order (the seat's modified_at decides). */
export async function applyTeamEvent(event: PolarEvent): Promise<"applied" | "ignored"> {
  switch (event.type) {
    case "customer_seat.assigned":
    case "customer_seat.claimed":
    case "customer_seat.revoked": {
      const fact = seatFact(event.data);
      if (!fact) return "ignored";
      await recordSeat(fact);
      return "applied";
    }
    // A new member holds no seat yet: its seat events link it. Updated and deleted members carry
    // only Polar's member id to the seats they hold.
    case "member.created":
      return "ignored";
    case "member.updated":
    case "member.deleted": {
      const fact = memberFact(event.data);
      if (!fact) return "ignored";
      await recordMember(fact, event.type === "member.deleted" ? event.timestamp : null);
      return "applied";
    }
    default:
      return "ignored";
  }
}
