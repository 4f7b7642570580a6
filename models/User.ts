import { Schema, model, models, type InferSchemaType, type Model } from "mongoose";

/**
 * A plan is a tier key from a Polar product's metadata (`plan`, e.g. "pro", "business"), or
 * "free": data, not code, so a tier added in Polar needs no deploy. Its rank (metadata `rank`)
 * orders the tiers (lib/billing/rules.ts).
 */
export type Plan = string;
export const FREE_PLAN = "free";

const identitySchema = new Schema(
  { provider: { type: String, required: true }, subject: { type: String, required: true }, linkedAt: { type: Date, required: true } },
  { _id: false },
);

const userSchema = new Schema(
  {
    // The email is the identity shared with Polar: it is sent as `externalCustomerId`.
    email: { type: String, required: true, unique: true, lowercase: true, trim: true },
    name: { type: String, default: null },
    // Who may sign in as this user: the identity provider's accounts bound to it, by the provider's
    // subject (an email can be reassigned; a subject is never reused). The first sign-in binds one;
    // another is added only from a session of this user (lib/auth/identity-rules.ts).
    identities: { type: [identitySchema], default: undefined },
    // Sessions carry the version they were issued under; bumping it signs the user out everywhere.
    sessionVersion: { type: Number, default: 0 },
    // The last sign-in: the retention job deletes accounts with no plan left unused for 90 days.
    lastSeenAt: { type: Date, default: null },
    // Not unique (many users have none; lib/db/ferretdb-workarounds.ts, e/f).
    polarCustomerId: { type: String, default: null, index: true },
    // The plan, derived from payments and subscriptions by lib/billing/store.ts; never set
    // directly. A cache: it holds until `planUntil` (null: no end known), and readers compare
    // that date with the clock (lib/billing/rules.ts planAt), so an ended period or a missed
    // event never keeps access.
    subscriptionStatus: { type: String, default: FREE_PLAN, required: true },
    // The rank of that plan when it was derived (0 for Free): what requirePlan compares.
    planRank: { type: Number, default: 0 },
    planUntil: { type: Date, default: null, index: true },
    // When a payment or subscription fact last changed, and when the reconciler last compared
    // this user with Polar: it picks flagged, recently active and paid users (lib/billing/reconcile-pick.ts).
    factsChangedAt: { type: Date, default: null },
    reconciledAt: { type: Date, default: null },
    // Set when Polar's customer state disagreed with our facts (customer.state_changed): the
    // reconciler visits flagged users first, and clears it once it has compared them.
    reconcileRequestedAt: { type: Date, default: null, index: true },
    // When the confirmation page last asked Polar about a checkout this user has no payment for.
    confirmationPullAt: { type: Date, default: null },
    payments: [{ type: Schema.Types.ObjectId, ref: "Payment" }],
    // Bumped by every write of a payment or subscription fact; the plan is only saved if no
    // fact changed while it was being computed (optimistic concurrency, no transactions).
    factsVersion: { type: Number, default: 0 },
    // The Polar environment ("local" | "sandbox" | "production") whose deployment last wrote the
    // billing fields above (the plan cache, polarCustomerId, factsChangedAt, reconcileRequestedAt,
    // reconciledAt): a deployment of another environment sharing the database treats them as
    // absent (Free, no customer, not its to reconcile). Null: written before it was recorded.
    billingEnvironment: { type: String, default: null },
  },
  { timestamps: true },
);

// Sign-in's lookup of the user a provider's account is bound to (a multikey index: subjects are
// unique per provider in practice, and the binding rules never bind one subject to two users).
userSchema.index({ "identities.subject": 1, "identities.provider": 1 });
// The retention job's pick of Free accounts nobody signed in to for 90 days (lib/account/retention.ts).
userSchema.index({ subscriptionStatus: 1, lastSeenAt: 1 });
// The reconciler's pick of paid users, least recently checked first.
userSchema.index({ subscriptionStatus: 1, reconciledAt: 1 });
// Its pick of recently active users, least recently checked first: the range bounds what is sorted.
userSchema.index({ factsChangedAt: 1, reconciledAt: 1 });

export type UserDoc = InferSchemaType<typeof userSchema>;
export const User: Model<UserDoc> = (models.User as Model<UserDoc> | undefined) ?? model("User", userSchema);
