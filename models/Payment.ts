import { Schema, model, models, type InferSchemaType, type Model } from "mongoose";

export const PAYMENT_STATUSES = ["pending", "failed", "expired", "completed", "refunded"] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

const paymentSchema = new Schema(
  {
    // Polar's checkout id. A renewal order of a subscription has no checkout, so its payment is
    // keyed `order:<orderId>` (lib/billing/keys.ts): the unique index never sees a null
    // (lib/db/ferretdb-workarounds.ts, e/f).
    checkoutId: { type: String, required: true, unique: true },
    customerEmail: { type: String, required: true, lowercase: true, trim: true, index: true },
    productId: { type: String, default: null },
    amount: { type: Number, default: null },
    currency: { type: String, default: null },
    status: { type: String, enum: PAYMENT_STATUSES, default: "pending", required: true },
    // Polar's order billing_reason: purchase, subscription_create, subscription_cycle (a renewal),
    // subscription_update (a plan change's proration); null until an order is known.
    billingReason: { type: String, default: null },
    // Cents refunded so far (Polar's order `refunded_amount`). A partial refund keeps the payment
    // `completed` (what was bought stays bought); only a full refund makes it `refunded`.
    refundedAmount: { type: Number, default: 0 },
    // The plan this payment granted when it completed, fixed then: a later change of the
    // product's metadata neither grants nor takes away a past purchase. Null: grants nothing
    // (not completed yet, a product without a plan, or a subscription's order).
    plan: { type: String, default: null },
    // Polar's hosted checkout page, kept so a double submit reuses the open checkout. Set only
    // by our own checkout action: it is also the proof that this user opened this checkout here.
    checkoutUrl: { type: String, default: null },
    // When the confirmation page last asked Polar about this checkout (at most once per 10 s,
    // however many tabs refresh).
    polarPulledAt: { type: Date, default: null },
    metadata: {
      external_customer_id: { type: String, default: null },
      order_id: { type: String, default: null },
    },
    // The Polar environment of the deployment that wrote it ("local" | "sandbox" | "production",
    // lib/polar/environment.ts): a deployment sharing this database with another counts only
    // its own. Null: stored before payments recorded it.
    environment: { type: String, default: null },
  },
  { timestamps: true },
);
paymentSchema.index({ "metadata.order_id": 1 });
paymentSchema.index({ customerEmail: 1, productId: 1, createdAt: -1 });
// `npm run doctor` counts the facts of other environments than the deployment's.
paymentSchema.index({ environment: 1 });

export type PaymentDoc = InferSchemaType<typeof paymentSchema>;
export const Payment: Model<PaymentDoc> =
  (models.Payment as Model<PaymentDoc> | undefined) ?? model("Payment", paymentSchema);
