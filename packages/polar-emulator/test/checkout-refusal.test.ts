import { PolarCore } from "@polar-sh/sdk/core.js";
import { checkoutsUpdate } from "@polar-sh/sdk/funcs/checkoutsUpdate.js";
import { subscriptionsRevoke } from "@polar-sh/sdk/funcs/subscriptionsRevoke.js";
import { AlreadyActiveSubscriptionError } from "@polar-sh/sdk/models/errors/alreadyactivesubscriptionerror";
import { HTTPValidationError } from "@polar-sh/sdk/models/errors/httpvalidationerror";
import { NotOpenCheckout } from "@polar-sh/sdk/models/errors/notopencheckout";
import { unwrap } from "@polar-sh/sdk/types/fp.js";
import { coreClient } from "./subscription-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  admin,
  BUSINESS_MONTHLY_ID,
  createCheckout,
  pay,
  PRO_ID,
  PRO_MONTHLY_ID,
  PRO_TRIAL_ID,
  settled,
  startHarness,
  subscribe,
  SUCCESS_URL,
  type Harness,
} from "./harness";

/**
 * Polar refuses a checkout for a recurring product to a customer who already has a billable
 * subscription (active, trialing, past_due) when the organization does not allow multiple
 * subscriptions (`_validate_subscription_uniqueness`, server/polar/checkout/service.py). It runs
 * on every update and confirmation of the checkout, not at its creation: 403
 * AlreadyActiveSubscriptionError, "You already have an active subscription."
 */

let h: Harness;
let core: PolarCore;
beforeAll(async () => {
  h = await startHarness();
  core = coreClient(h);
});
afterAll(async () => {
  await h.stop();
});

describe("a checkout for a customer who already subscribes", () => {
  it("is created (201) but refused at every update (the SDK's checkoutsUpdate) and at Pay, with nothing changed or sent", async () => {
    const email = "subscriber@example.com";
    const subscription = await subscribe(h, email, PRO_MONTHLY_ID);
    const checkout = await createCheckout(h.polar, email, BUSINESS_MONTHLY_ID);
    expect(checkout.status).toBe("open");

    const updated = await checkoutsUpdate(core, { id: checkout.id, checkoutUpdate: { metadata: { upgrade: "yes" } } });
    expect(updated.ok).toBe(false);
    const error = !updated.ok ? updated.error : null;
    expect(error).toBeInstanceOf(AlreadyActiveSubscriptionError);
    expect(error).toMatchObject({ statusCode: 403, error: "AlreadyActiveSubscriptionError", detail: "You already have an active subscription." });

    await settled(h);
    const from = h.receiver.received.length;
    const res = await pay(checkout.url);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("You already have an active subscription.");
    await new Promise((r) => setTimeout(r, 150));
    expect(h.receiver.received.length).toBe(from);
    expect(await h.polar.checkouts.get({ id: checkout.id })).toMatchObject({ status: "open", metadata: {} });
    expect((await h.polar.subscriptions.list({ externalCustomerId: email })).result.items.map((s) => s.id)).toEqual([subscription]);

    // A one-time purchase is not a subscription: allowed.
    expect((await pay((await createCheckout(h.polar, email, PRO_ID)).url)).status).toBe(303);

    // Once the subscription is revoked, the customer may subscribe again.
    unwrap(await subscriptionsRevoke(core, { id: subscription }));
    expect((await pay(checkout.url)).status).toBe(303);
  });

  it("counts trialing and past_due subscriptions, and finds the customer by email when the checkout has none", async () => {
    const trialing = "trialing-subscriber@example.com";
    await subscribe(h, trialing, PRO_TRIAL_ID);
    expect((await pay((await createCheckout(h.polar, trialing, PRO_MONTHLY_ID)).url)).status).toBe(403);

    const pastDue = "past-due-subscriber@example.com";
    const id = await subscribe(h, pastDue, PRO_MONTHLY_ID);
    await admin(h.emulator.url, `/admin/subscriptions/${id}/renew-failing`, {});
    // Known by email only: Polar looks the customer up by the checkout's email.
    const byEmail = await h.polar.checkouts.create({ products: [BUSINESS_MONTHLY_ID], customerEmail: pastDue, successUrl: SUCCESS_URL });
    expect((await pay(byEmail.url)).status).toBe(403);

    // The hosted page's email field is checked the same way.
    const anonymous = await h.polar.checkouts.create({ products: [BUSINESS_MONTHLY_ID], successUrl: SUCCESS_URL });
    const typed = await pay(anonymous.url, "4242 4242 4242 4242", { email: pastDue.toUpperCase() });
    expect(typed.status).toBe(403);
    expect((await h.polar.checkouts.get({ id: anonymous.id })).customerEmail).toBeNull();
  });
});

describe("PATCH /v1/checkouts/{id} (checkoutsUpdate)", () => {
  it("updates an open checkout (checkout.updated); refuses a product it does not sell, and a checkout that is not open", async () => {
    const checkout = await h.polar.checkouts.create({ products: [PRO_ID, PRO_MONTHLY_ID], successUrl: SUCCESS_URL });
    const changed = unwrap(await checkoutsUpdate(core, { id: checkout.id, checkoutUpdate: { productId: PRO_MONTHLY_ID, customerEmail: "new@example.com", metadata: { source: "test" } } }));
    expect(changed).toMatchObject({ productId: PRO_MONTHLY_ID, customerEmail: "new@example.com", metadata: { source: "test" }, totalAmount: 1299 });

    const other = await checkoutsUpdate(core, { id: checkout.id, checkoutUpdate: { productId: BUSINESS_MONTHLY_ID } });
    expect(!other.ok && other.error).toBeInstanceOf(HTTPValidationError);
    expect(!other.ok && (other.error as HTTPValidationError).detail).toEqual([expect.objectContaining({ loc: ["body", "product_id"], msg: "Product is not available in this checkout." })]);

    expect((await pay(checkout.url)).status).toBe(303);
    const closed = await checkoutsUpdate(core, { id: checkout.id, checkoutUpdate: { metadata: {} } });
    expect(!closed.ok && closed.error).toBeInstanceOf(NotOpenCheckout);
    expect(!closed.ok && closed.error).toMatchObject({ statusCode: 403, detail: `Checkout ${checkout.id} is not open: succeeded` });
  });
});
