import "server-only";
import { billingEnv } from "@/lib/env";
import type { AccessPolicy, SubscriptionState } from "./rules";

/** The owner's access policy, from the environment (BILLING_GRACE_DAYS). */
export function accessPolicy(): AccessPolicy {
  return { graceMs: billingEnv().BILLING_GRACE_DAYS * 86_400_000 };
}

/** A stored subscription (models/Subscription.ts) as the access rules read it. */
export function subscriptionState(s: {
  status: string;
  cancelAtPeriodEnd: boolean;
  pauseAtPeriodEnd?: boolean | null;
  currentPeriodStart?: Date | null;
  currentPeriodEnd?: Date | null;
  endedAt?: Date | null;
  resumesAt?: Date | null;
}): SubscriptionState {
  return {
    status: s.status,
    cancelAtPeriodEnd: s.cancelAtPeriodEnd,
    pauseAtPeriodEnd: s.pauseAtPeriodEnd ?? false,
    resumesAt: s.resumesAt ?? null,
    currentPeriodStart: s.currentPeriodStart ?? null,
    currentPeriodEnd: s.currentPeriodEnd ?? null,
    endedAt: s.endedAt ?? null,
  };
}
