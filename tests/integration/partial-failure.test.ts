import mongoose from "mongoose";
import { afterEach, expect, it, vi } from "vitest";
import { Payment } from "@/models/Payment";
import { User } from "@/models/User";
import { WebhookEvent } from "@/models/WebhookEvent";
import { setupTestDatabase } from "../helpers/db";
import { checkoutWire, deliver, event, orderWire, proProduct } from "../../scripts/lib/polar-payloads";
import { sweepDueEvents } from "@/lib/webhooks/sweep";
import { SECRET, post, postDelivery } from "../helpers/webhooks";

setupTestDatabase(import.meta.url);
afterEach(() => vi.restoreAllMocks());

const carol = { id: "cus_carol", email: "carol@example.com" };
const order = { id: "or_c", checkoutId: "co_c", product: proProduct, customer: carol };

// Found by the chaos harness with the database fault: the connection dropped after the refund
// was written to the payment but before the plan was saved. The retry found the payment
// already refunded, took the event for a repeat, and left Carol on Pro.
it("a later attempt completes an event whose first delivery wrote its fact and then lost the database", async () => {
  await post(event("checkout.created", checkoutWire({ id: "co_c", product: proProduct, email: carol.email })));
  await post(event("order.paid", orderWire(order)));
  expect((await User.findOne({ email: carol.email }).lean())?.subscriptionStatus).toBe("pro");

  const refund = deliver(event("order.refunded", orderWire({ ...order, status: "refunded" })), SECRET, "wh_refund");
  // The first write to the user after the payment's: the link and version bump, before the plan.
  const lost = vi
    .spyOn(User, "findOneAndUpdate")
    .mockImplementationOnce(() => ({ lean: () => Promise.reject(new mongoose.mongo.MongoNetworkError("connection reset")) }) as never);
  // Stored, so answered 200; applying it behind the answer lost the database half-way.
  expect((await postDelivery(refund)).status).toBe(200);
  expect(lost).toHaveBeenCalled();
  expect((await Payment.findOne({ checkoutId: "co_c" }).lean())?.status).toBe("refunded");
  expect((await User.findOne({ email: carol.email }).lean())?.subscriptionStatus).toBe("pro");
  const waiting = await WebhookEvent.findById("wh_refund").lean();
  expect(waiting).toMatchObject({ status: "received", attempts: 1, leaseOwner: null });

  // The sweep, once the backoff is over, finds the payment already refunded, and must still
  // finish the plan rather than take the event for a repeat.
  await WebhookEvent.updateOne({ _id: "wh_refund" }, { $set: { nextAttemptAt: new Date(Date.now() - 1) } });
  expect(await sweepDueEvents({ limit: 10, deadline: Date.now() + 10_000 })).toMatchObject({ applied: 1 });
  expect((await User.findOne({ email: carol.email }).lean())?.subscriptionStatus).toBe("free");
  expect((await WebhookEvent.findById("wh_refund").lean())?.status).toBe("processed");
});
