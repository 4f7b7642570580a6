import { Schema, model, models, type InferSchemaType, type Model } from "mongoose";

/**
 * The user's Polar customer-portal session, one per user and Polar environment: reused while it is
 * valid, and created at most once per user per 30 s (lib/portal/open.ts), so no signed-in account
 * can spend the organization's Polar rate limit by reloading /api/portal.
 */
const portalSessionSchema = new Schema(
  {
    email: { type: String, required: true, lowercase: true, trim: true },
    // The Polar environment of the deployment that created it (lib/polar/environment.ts): a
    // preview's sandbox portal is never production's.
    environment: { type: String, required: true },
    // Polar's customer_portal_url. It carries a customer-session token, which opens the user's
    // billing until `expiresAt` to whoever holds it: never logged, never shown to anyone else.
    url: { type: String, default: null },
    expiresAt: { type: Date, default: null },
    // The last time a request was elected to ask Polar for a session, and when that attempt
    // failed (if it did): requests in the same 30 s answer at once instead of waiting for it.
    requestedAt: { type: Date, default: null },
    failedAt: { type: Date, default: null },
    // What that failed attempt learned: "no-customer" (Polar has none) or "unavailable".
    failure: { type: String, default: null },
  },
  { timestamps: true },
);
// One per user and environment: the unique index decides which of two first requests inserts it.
portalSessionSchema.index({ email: 1, environment: 1 }, { unique: true });

export type PortalSessionDoc = InferSchemaType<typeof portalSessionSchema>;
export const PortalSession: Model<PortalSessionDoc> =
  (models.PortalSession as Model<PortalSessionDoc> | undefined) ?? model("PortalSession", portalSessionSchema);
