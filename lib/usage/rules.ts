/**
 * What a customer may use, from Polar's facts (pure: lib/usage/allowance.ts reads the facts, the
 * unit tests pin the rules). A feature is open when a feature-flag benefit with that `feature` in
 * its metadata is granted; it is limited when meter-credit benefits with the same `feature` are
 * granted (their meters' credits are the allowance); past the credits it goes on only where the
 * subscription's product bills that meter (a metered price: overage, charged at renewal).
 */

export interface GrantFacts {
  benefitType: string;
  feature?: string | null;
  meterId?: string | null;
  granted: boolean;
}

export interface MeterFacts {
  meterId: string;
  consumedUnits: number;
  creditedUnits: number;
}

export type Allowance =
  /** No feature-flag benefit grants it. */
  | { kind: "not-entitled" }
  /** Granted, and no credit benefit limits it. */
  | { kind: "unlimited" }
  | {
      kind: "metered";
      credited: number;
      /** Used this period: Polar's consumed units plus the app's events Polar does not show yet. */
      used: number;
      remaining: number;
      /** Units past the credits, billed at renewal (0 without overage). */
      overageUnits: number;
      overage: boolean;
      allowed: boolean;
    };

export function entitledFeatures(grants: readonly GrantFacts[]): Set<string> {
  return new Set(grants.filter((g) => g.granted && g.benefitType === "feature_flag" && g.feature).map((g) => g.feature!));
}

/** A credit grant whose meter is not known yet: it limits, and credits nothing until it is (fail closed). */
const UNKNOWN_METER = "";

/** The meters limiting `feature`: those its granted credit benefits credit. */
export function limitingMeters(feature: string, grants: readonly GrantFacts[]): Set<string> {
  return new Set(grants.filter((g) => g.granted && g.benefitType === "meter_credit" && g.feature === feature).map((g) => g.meterId ?? UNKNOWN_METER));
}

export function allowanceOf(input: {
  feature: string;
  grants: readonly GrantFacts[];
  meters: readonly MeterFacts[];
  /** Usage events recorded here that Polar's meter does not count yet. */
  pending: number;
  /** Meters the live subscription's product bills past the credits. */
  overageMeters: ReadonlySet<string>;
}): Allowance {
  if (!entitledFeatures(input.grants).has(input.feature)) return { kind: "not-entitled" };
  const limiting = limitingMeters(input.feature, input.grants);
  if (limiting.size === 0) return { kind: "unlimited" };
  const meters = input.meters.filter((m) => limiting.has(m.meterId));
  const credited = meters.reduce((sum, m) => sum + m.creditedUnits, 0);
  const used = meters.reduce((sum, m) => sum + m.consumedUnits, 0) + input.pending;
  const overage = [...limiting].some((id) => input.overageMeters.has(id));
  return {
    kind: "metered",
    credited,
    used,
    remaining: Math.max(0, credited - used),
    overageUnits: overage ? Math.max(0, used - credited) : 0,
    overage,
    allowed: overage || used < credited,
  };
}

/** The wait before the next attempt to send a usage event: 2 s doubling, at most 10 minutes. */
export function flushBackoffMs(attempts: number): number {
  return Math.min(2_000 * 2 ** Math.max(0, attempts - 1), 600_000);
}
