import type { BenefitGrantWebhook } from "@polar-sh/sdk/models/components/benefitgrantwebhook";
import type { CustomerState } from "@polar-sh/sdk/models/components/customerstate";
import { identityOf } from "@/lib/billing/facts";

/**
 * Pure translation of Polar's benefit grants and customer state into the facts lib/usage/store.ts
 * keeps (models/BenefitGrant.ts, models/CustomerMeter.ts). No I/O.
 */

export interface GrantFact {
  polarGrantId: string;
  email: string;
  benefitId: string;
  benefitType: string;
  feature: string | null;
  /** Known from a grant webhook (the benefit's properties); the customer state does not say. */
  meterId: string | null;
  granted: boolean;
  polarModifiedAt: Date;
}

export interface MeterFact {
  email: string;
  meterId: string;
  consumedUnits: number;
  creditedUnits: number;
  balance: number;
  asOf: Date;
}

const featureOf = (metadata: Record<string, unknown> | undefined): string | null => {
  const f = metadata?.feature;
  return typeof f === "string" && f.trim() !== "" ? f.trim().toLowerCase() : null;
};

/**
 * `benefit_grant.created/updated/revoked/cycled`. A team seat's grant is the member's (Polar grants
 * benefits to members, not to the team's billing customer): it counts for the member's identity.
 */
export function grantFromWebhook(grant: BenefitGrantWebhook): GrantFact | null {
  const holder = grant.member ?? grant.customer;
  const email = identityOf(holder.externalId, holder.email);
  if (!email) return null;
  return {
    polarGrantId: grant.id,
    email,
    benefitId: grant.benefitId,
    benefitType: grant.benefit.type,
    feature: featureOf(grant.benefit.metadata),
    meterId: grant.benefit.type === "meter_credit" ? grant.benefit.properties.meterId : null,
    granted: grant.isGranted && !grant.isRevoked,
    polarModifiedAt: grant.modifiedAt ?? grant.createdAt,
  };
}

/**
 * The customer state (`customer.state_changed`, or the API): the grants it lists are granted, and
 * each active meter's units as of `asOf` (the event's timestamp, or when the API answered).
 */
export function factsFromState(state: CustomerState, asOf: Date): { email: string; grants: GrantFact[] | null; meters: MeterFact[] } | null {
  const email = identityOf(state.externalId, state.email);
  if (!email) return null;
  return {
    email,
    // A team customer's state lists every member's grants with no member named: none is the
    // customer's own, and it says nothing of theirs (null). The members' grants come from their
    // `benefit_grant.*` events, which name them; its meters are the team's pool (holder.ts).
    grants: state.type === "team" ? null : state.grantedBenefits.map((g) => ({
      polarGrantId: g.id,
      email,
      benefitId: g.benefitId,
      benefitType: g.benefitType,
      feature: featureOf(g.benefitMetadata),
      meterId: null,
      granted: true,
      polarModifiedAt: g.modifiedAt ?? g.grantedAt,
    })),
    meters: state.activeMeters.map((m) => ({
      email,
      meterId: m.meterId,
      consumedUnits: m.consumedUnits,
      creditedUnits: m.creditedUnits,
      balance: m.balance,
      asOf,
    })),
  };
}
