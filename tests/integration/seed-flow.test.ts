import { beforeEach, describe, expect, it } from "vitest";
import { Payment } from "@/models/Payment";
import { User } from "@/models/User";
import { WebhookEvent } from "@/models/WebhookEvent";
import { clearCollections, setupTestDatabase } from "../helpers/db";
import { checkoutWire, customerWire, event, orderWire, proProduct, type PolarEventBody } from "../../scripts/lib/polar-payloads";
import { post } from "../helpers/webhooks";

setupTestDatabase(import.meta.url);

// The seed (shared/seed/payment-flow.md): Alice buys Pro.
const alice = { id: "cus_polar_alice_456", email: "alice@example.com", externalId: "alice@example.com", name: "Alice Smith" };
const checkoutCreated = event("checkout.created", checkoutWire({ id: "co_abc123", product: proProduct, email: "alice@example.com" }));
const customerCreated = event("customer.created", customerWire(alice));
const orderCreated = event("order.created", orderWire({ id: "order_xyz789", checkoutId: "co_abc123", product: proProduct, customer: alice }));
const seedEvents: Array<[string, PolarEventBody]> = [
  ["wh_checkout_created", checkoutCreated],
  ["wh_customer_created", customerCreated],
  ["wh_order_created", orderCreated],
];

/** The seed's documents, in the seed's field names, as the database holds them. */
async function seedView() {
  const user = await User.findOne({ email: "alice@example.com" }).lean();
  const payments = await Payment.find({}).lean();
  return {
    user: user && {
      email: user.email,
      name: user.name,
      polarCustomerId: user.polarCustomerId,
      subscriptionStatus: user.subscriptionStatus,
      payments: user.payments.map(String),
    },
    payments: payments.map((p) => ({
      _id: String(p._id),
      checkoutId: p.checkoutId,
      customerEmail: p.customerEmail,
      productId: p.productId,
      amount: p.amount,
      status: p.status,
      metadata: { external_customer_id: p.metadata?.external_customer_id, order_id: p.metadata?.order_id },
    })),
  };
}

async function expectSeedFinalState(): Promise<void> {
  const view = await seedView();
  expect(view.payments).toHaveLength(1);
  const payment = view.payments[0]!;
  expect(view.user).toEqual({
    email: "alice@example.com",
    name: null,
    polarCustomerId: "cus_polar_alice_456",
    subscriptionStatus: "pro",
    payments: [payment._id],
  });
  expect(payment).toEqual({
    _id: payment._id,
    checkoutId: "co_abc123",
    customerEmail: "alice@example.com",
    productId: "35a2afdc-3dbc-4d68-9e0c-36527c0b48bd",
    amount: 999,
    status: "completed",
    metadata: { external_customer_id: "alice@example.com", order_id: "order_xyz789" },
  });
}

function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe("the seed's flow: Alice buys Pro", () => {
  beforeEach(clearCollections);

  it("gives the seed's documents after each step", async () => {
    expect((await post(checkoutCreated, "wh_checkout_created")).status).toBe(200);
    let view = await seedView();
    expect(view.user).toMatchObject({ email: "alice@example.com", name: null, polarCustomerId: null, subscriptionStatus: "free" });
    expect(view.payments).toEqual([
      expect.objectContaining({ checkoutId: "co_abc123", status: "pending", amount: 999, metadata: { external_customer_id: "alice@example.com" } }),
    ]);
    expect(view.user?.payments).toEqual([view.payments[0]!._id]);

    expect((await post(customerCreated, "wh_customer_created")).status).toBe(200);
    view = await seedView();
    expect(view.user).toMatchObject({ polarCustomerId: "cus_polar_alice_456", subscriptionStatus: "free" });

    expect((await post(orderCreated, "wh_order_created")).status).toBe(200);
    await expectSeedFinalState();
  });

  it("gives the same documents when the events arrive reversed", async () => {
    for (const [id, e] of [...seedEvents].reverse()) expect((await post(e, id)).status).toBe(200);
    await expectSeedFinalState();
  });

  it.each([1, 2, 3, 4, 5])("gives the same documents shuffled and duplicated (seed %i)", async (seed) => {
    const deliveries = shuffled([...seedEvents, ...seedEvents, seedEvents[seed % 3]!], seed);
    for (const [id, e] of deliveries) expect((await post(e, id)).status).toBe(200);
    await expectSeedFinalState();
    expect(await WebhookEvent.countDocuments({ status: "processed" })).toBe(3);
  });

  it("applies an event delivered five times at once exactly once", async () => {
    await post(checkoutCreated, "wh_checkout_created");
    const results = await Promise.all(Array.from({ length: 5 }, () => post(orderCreated, "wh_order_created")));
    expect(results.every((r) => r.status === 200)).toBe(true);
    await post(customerCreated, "wh_customer_created");
    await expectSeedFinalState();
    // One insert won; the four duplicates found it unapplied and asked for it, and the lease let
    // exactly one attempt through.
    const stored = await WebhookEvent.findOne({ _id: "wh_order_created" }).lean();
    expect(stored).toMatchObject({ status: "processed", attempts: 1 });
  });

  it("creates one user and one payment when different events for a new customer arrive at once", async () => {
    const results = await Promise.all(seedEvents.map(([id, e]) => post(e, id)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(await User.countDocuments()).toBe(1);
    await expectSeedFinalState();
  });
});
