import mongoose from "mongoose";
import { Payment } from "../../models/Payment";
import { User } from "../../models/User";
import { PRO_PRODUCT_ID } from "../lib/polar-payloads";

/**
 * Fills the database with `from`..`to` customers who bought Pro: a user and a completed payment
 * each, shaped as the webhook handlers write them. Raw inserts, in batches, for speed.
 */
export async function seedCustomers(uri: string, from: number, to: number): Promise<void> {
  const connection = await mongoose.createConnection(uri).asPromise();
  try {
    const users = connection.collection(User.collection.collectionName);
    const payments = connection.collection(Payment.collection.collectionName);
    const now = new Date();
    for (let start = from; start < to; start += 1000) {
      const end = Math.min(to, start + 1000);
      const batch = Array.from({ length: end - start }, (_, k) => {
        const i = start + k;
        const email = `seeded-${i}@example.com`;
        return { email, paymentId: new mongoose.Types.ObjectId(), i };
      });
      await payments.insertMany(
        batch.map(({ email, paymentId, i }) => ({
          _id: paymentId,
          checkoutId: `seeded-checkout-${i}`,
          customerEmail: email,
          productId: PRO_PRODUCT_ID,
          amount: 999,
          currency: "USD",
          status: "completed",
          plan: "pro",
          checkoutUrl: null,
          metadata: { external_customer_id: email, order_id: `seeded-order-${i}` },
          createdAt: now,
          updatedAt: now,
        })),
        { ordered: false },
      );
      await users.insertMany(
        batch.map(({ email, paymentId, i }) => ({
          email,
          name: null,
          polarCustomerId: `seeded-cus-${i}`,
          subscriptionStatus: "pro",
          planUntil: null,
          payments: [paymentId],
          factsVersion: 1,
          createdAt: now,
          updatedAt: now,
        })),
        { ordered: false },
      );
    }
  } finally {
    await connection.close();
  }
}
