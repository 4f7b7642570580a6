import "server-only";
import { MAPPED_EVENT_TYPES, applyEvent, type ApplyOutcome, type PolarEvent } from "@/lib/billing/apply-event";
import { TEAM_EVENT_TYPES, applyTeamEvent } from "@/lib/teams/apply-event";
import { USAGE_EVENT_TYPES, applyUsageEvent } from "@/lib/usage/apply-event";

/** Every type the app applies: billing's (payments, subscriptions, products), usage's (grants, meters) and teams' (seats, members). */
export const APPLIED_EVENT_TYPES: ReadonlySet<string> = new Set([...MAPPED_EVENT_TYPES, ...USAGE_EVENT_TYPES, ...TEAM_EVENT_TYPES]);

/** One verified event, applied by each part of the app that maps its type (customer.state_changed: both). */
export async function applyPolarEvent(event: PolarEvent): Promise<ApplyOutcome> {
  const outcomes: ApplyOutcome[] = [];
  if (MAPPED_EVENT_TYPES.has(event.type)) outcomes.push(await applyEvent(event));
  if (USAGE_EVENT_TYPES.has(event.type)) outcomes.push(await applyUsageEvent(event));
  if (TEAM_EVENT_TYPES.has(event.type)) outcomes.push(await applyTeamEvent(event));
  return outcomes.includes("applied") ? "applied" : "ignored";
}
