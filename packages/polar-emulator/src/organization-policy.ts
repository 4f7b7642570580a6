/**
 * The organization's subscription settings that change what the emulator does, not only what it
 * shows. The organization's JSON (serialize.ts) and the flows read them from here, so the two
 * cannot disagree. Polar keeps them in `Organization.subscription_settings`
 * (server/polar/models/organization.py).
 */
export const ORGANIZATION_POLICY = {
  /**
   * A plan change without `proration_behavior` uses this (`Organization.proration_behavior`).
   * Polar's default for a new organization is `prorate`; the emulated organization is set to
   * `invoice`, as its JSON has always said.
   */
  prorationBehavior: "invoice",
  /** Polar's default: a customer with a billable subscription cannot check out another recurring product. */
  allowMultipleSubscriptions: false,
} as const;
