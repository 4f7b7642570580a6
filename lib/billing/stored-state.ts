import "server-only";
import { billingEnv } from "@/lib/env";
import { polarEnvironment } from "@/lib/polar/environment";
import type { AccessPolicy, SubscriptionState } from "./rules";

/** The owner's access policy, from the environment (BILLING_GRACE_DAYS, and which Polar this is). */
export function accessPolicy(): AccessPolicy {
  const e = billingEnv();
  return { graceMs: e.BILLING_GRACE_DAYS * 86_400_000, environment: polarEnvironment(e) };
}

/** A stored subscription (models/Subscription.ts) as the access rules read it. */
export function subscriptionState(s: {
  environment?: string | null;
  status: string;
  cancelAtPeriodEnd: boolean;
  pauseAtPeriodEnd?: boolean | null;
  currentPeriodStart?: Date | null;
  currentPeriodEnd?: Date | null;
  endedAt?: Date | null;
  resumesAt?: Date | null;
}): SubscriptionState {
  return {
    environment: s.environment ?? null,
    status: s.status,
    cancelAtPeriodEnd: s.cancelAtPeriodEnd,
    pauseAtPeriodEnd: s.pauseAtPeriodEnd ?? false,
    resumesAt: s.resumesAt ?? null,
    currentPeriodStart: s.currentPeriodStart ?? null,
    currentPeriodEnd: s.currentPeriodEnd ?? null,
    endedAt: s.endedAt ?? null,
  };
}
