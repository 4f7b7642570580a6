import "server-only";
import type { CustomerState } from "@polar-sh/sdk/models/components/customerstate";
import type { PolarEvent } from "@/lib/billing/apply-event";
import { factsFromState, grantFromWebhook } from "./facts";
import { recordCustomerState, recordGrant } from "./store";

/** The events that carry benefit grants and meter balances (beside lib/billing's). */
export const USAGE_EVENT_TYPES: ReadonlySet<string> = new Set<PolarEvent["type"]>([
  "benefit_grant.created",
  "benefit_grant.updated",
  "benefit_grant.revoked",
  "benefit_grant.cycled",
  "customer.state_changed",
]);

/** Applies one verified event's grants and meters: idempotent, in any order (newer facts win). */
export async function applyUsageEvent(event: PolarEvent): Promise<"applied" | "ignored"> {
  switch (event.type) {
    case "benefit_grant.created":
    case "benefit_grant.updated":
    case "benefit_grant.revoked":
    case "benefit_grant.cycled": {
      const fact = grantFromWebhook(event.data);
      if (!fact) return "ignored";
      await recordGrant(fact);
      return "applied";
    }
    case "customer.state_changed": {
      // The state is a snapshot as of the event: its meters' units, and which grants still hold.
      const facts = factsFromState(event.data, event.timestamp);
      if (!facts) return "ignored";
      await recordCustomerState(facts, event.timestamp);
      return "applied";
    }
    default:
      return "ignored";
  }
}

/** A customer state the reconciler fetched from Polar's API, as of when it asked. */
export async function recordFetchedState(state: CustomerState, asOf: Date): Promise<void> {
  const facts = factsFromState(state, asOf);
  if (facts) await recordCustomerState(facts, asOf);
}
