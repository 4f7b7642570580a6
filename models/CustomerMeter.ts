import { Schema, model, models, type InferSchemaType, type Model } from "mongoose";

/**
 * A customer's meter as Polar's customer state last showed it (`active_meters`): units consumed and
 * credited this period, and the balance. `asOf` is when Polar computed it: the usage events the app
 * recorded after that are not in it yet, and lib/usage/allowance.ts adds them.
 */
const customerMeterSchema = new Schema(
  {
    customerEmail: { type: String, required: true, lowercase: true, trim: true },
    meterId: { type: String, required: true },
    consumedUnits: { type: Number, required: true },
    creditedUnits: { type: Number, required: true },
    balance: { type: Number, required: true },
    asOf: { type: Date, required: true },
    // The Polar environment of the deployment that wrote it (as models/Payment.ts).
    environment: { type: String, default: null },
  },
  { timestamps: true },
);

customerMeterSchema.index({ customerEmail: 1, meterId: 1 }, { unique: true });

export type CustomerMeterDoc = InferSchemaType<typeof customerMeterSchema>;
export const CustomerMeter: Model<CustomerMeterDoc> =
  (models.CustomerMeter as Model<CustomerMeterDoc> | undefined) ?? model("CustomerMeter", customerMeterSchema);
