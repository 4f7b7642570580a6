import { PolarCore } from "@polar-sh/sdk/core.js";
import { subscriptionsRevoke } from "@polar-sh/sdk/funcs/subscriptionsRevoke.js";
import type { SubscriptionUpdate } from "@polar-sh/sdk/models/components/subscriptionupdate";
import { AlreadyCanceledSubscription } from "@polar-sh/sdk/models/errors/alreadycanceledsubscription";
import { HTTPValidationError } from "@polar-sh/sdk/models/errors/httpvalidationerror";
import { PolarError } from "@polar-sh/sdk/models/errors/polarerror";
import { ResponseValidationError } from "@polar-sh/sdk/models/errors/responsevalidationerror";
import { unwrap } from "@polar-sh/sdk/types/fp.js";
import { coreClient, eventsOf as eventsAfter, expectParsable, getSubscription, refusedUpdate, types, updateSubscription } from "./subscription-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { admin, PRO_MONTHLY_ID, PRO_TRIAL_ID, startHarness, subscribe, TOKEN, type Harness } from "./harness";

/**
 * Cancel, uncancel, pause, resume and revoke through the API (`subscriptionsUpdate`,
 * `subscriptionsRevoke`), Polar's events for each in Polar's order, every payload parsed by the
 * SDK, and the portal showing what is scheduled.
 */

const DAY = 86_400_000;

let h: Harness;
let core: PolarCore;
beforeAll(async () => {
  h = await startHarness();
  core = coreClient(h);
});
afterAll(async () => {
  await h.stop();
});

const eventsOf = <T>(count: number, act: () => Promise<T>) => eventsAfter(h, count, act);
const update = (id: string, change: SubscriptionUpdate) => updateSubscription(core, id, change);
const get = (id: string) => getSubscription(core, id);

async function refused(id: string, change: SubscriptionUpdate): Promise<PolarError> {
  const error = await refusedUpdate(core, id, change);
  if (!(error instanceof PolarError)) throw error;
  return error;
}

/** The raw answer, for errors the SDK 0.49 has no class for on this operation. */
async function patch(id: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${h.emulator.url}/v1/subscriptions/${id}`, {
    method: "PATCH",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

describe("cancel and uncancel through the API (the portal's flows)", () => {
  it("cancel_at_period_end with the customer's reason: updated, canceled, state; uncancel: updated, uncanceled, state", async () => {
    const id = await subscribe(h, "api-cancel@example.com", PRO_MONTHLY_ID);
    const canceled = await eventsOf(3, () => update(id, { cancelAtPeriodEnd: true, customerCancellationReason: "too_expensive", customerCancellationComment: "Cheaper elsewhere" }));
    expect(types(canceled.events)).toEqual(["subscription.updated", "subscription.canceled", "customer.state_changed"]);
    expectParsable(canceled.events);
    expect(canceled.result).toMatchObject({ status: "active", cancelAtPeriodEnd: true, customerCancellationReason: "too_expensive", customerCancellationComment: "Cheaper elsewhere" });
    expect(canceled.result.endsAt).toEqual(canceled.result.currentPeriodEnd);

    const again = await refused(id, { cancelAtPeriodEnd: true });
    expect(again).toBeInstanceOf(AlreadyCanceledSubscription);

    const uncanceled = await eventsOf(3, () => update(id, { cancelAtPeriodEnd: false }));
    expect(types(uncanceled.events)).toEqual(["subscription.updated", "subscription.uncanceled", "customer.state_changed"]);
    expectParsable(uncanceled.events);
    expect(uncanceled.result).toMatchObject({ cancelAtPeriodEnd: false, canceledAt: null, endsAt: null, customerCancellationReason: null, customerCancellationComment: null });

    // Polar's uncancel of a subscription that is not canceling: BadRequest (400), which the SDK
    // has no class for on this operation.
    expect(await patch(id, { cancel_at_period_end: false })).toEqual({ status: 400, json: { error: "BadRequest", detail: "Bad request" } });
  });
});

describe("pause at period end, paused, resume", () => {
  it("schedules the pause (updated, state), pauses at the period's end without an order, and resumes with a new period charged at once", async () => {
    const id = await subscribe(h, "pause@example.com", PRO_MONTHLY_ID);
    const before = await get(id);
    const resumesAt = new Date(before.currentPeriodEnd.getTime() + 30 * DAY);

    const scheduled = await eventsOf(2, () => update(id, { pauseAtPeriodEnd: true, resumesAt }));
    expect(types(scheduled.events)).toEqual(["subscription.updated", "customer.state_changed"]);
    expectParsable(scheduled.events);
    expect(scheduled.result).toMatchObject({ status: "active", pauseAtPeriodEnd: true, pausedAt: null, resumesAt });
    // Still active until the period ends: the state lists it.
    expect(scheduled.events[1]?.data).toMatchObject({ active_subscriptions: [{ id }] });

    const portal = await portalFor("pause@example.com");
    expect(await portal.html()).toContain(`active, pauses on ${before.currentPeriodEnd.toISOString().slice(0, 10)}, resumes ${resumesAt.toISOString().slice(0, 10)}`);

    // The period's end (Renew now): paused, no subscription.cycled, no order.
    const orders = (await h.polar.orders.list({ subscriptionId: id })).result.items.length;
    // A paused subscription is not active: its benefits are revoked (Polar's `cycle` -> enqueue_benefits_grants).
    const paused = await eventsOf(5, () => admin(h.emulator.url, `/admin/subscriptions/${id}/renew`, {}));
    expect(types(paused.events)).toEqual(["subscription.updated", "subscription.paused", "benefit_grant.revoked", "benefit_grant.revoked", "customer.state_changed"]);
    expectParsable(paused.events);
    expect(paused.events[1]?.data).toMatchObject({ id, status: "paused", pause_at_period_end: false, resumes_at: resumesAt.toISOString(), current_period_end: before.currentPeriodEnd.toISOString() });
    expect(paused.events[1]?.data.paused_at).toEqual(expect.any(String));
    expect(paused.events[4]?.data).toMatchObject({ active_subscriptions: [], granted_benefits: [] });
    expect((await h.polar.orders.list({ subscriptionId: id })).result.items).toHaveLength(orders);
    const html = await portal.html();
    expect(html).toMatch(/paused since \d{4}-\d{2}-\d{2}, resumes /);
    expect(html).toContain(`aria-label="Resume Pro Monthly now">Resume</button>`);
    expect(html).not.toContain(">Renew now</button>");

    // A paused subscription cannot be renewed or canceled at period end; it can be resumed.
    expect((await admin(h.emulator.url, `/admin/subscriptions/${id}/renew`, {})).status).toBe(409);
    expect(await refused(id, { cancelAtPeriodEnd: true })).toBeInstanceOf(AlreadyCanceledSubscription);

    // Resumed: granted again (Polar's `resume` enqueues the grants), then the paid order cycles them.
    const resumed = await eventsOf(10, () => update(id, { resume: true }));
    expect(types(resumed.events)).toEqual([
      "subscription.updated",
      "subscription.resumed",
      "order.created",
      "order.updated",
      "order.paid",
      "benefit_grant.created",
      "benefit_grant.created",
      "benefit_grant.cycled",
      "benefit_grant.cycled",
      "customer.state_changed",
    ]);
    expectParsable(resumed.events);
    const start = resumed.result.currentPeriodStart;
    expect(resumed.result).toMatchObject({ status: "active", pausedAt: null, resumesAt: null, pauseAtPeriodEnd: false });
    expect(start.getTime()).toBeGreaterThan(Date.now() - 5_000);
    const monthLater = new Date(start);
    monthLater.setUTCMonth(start.getUTCMonth() + 1);
    if (monthLater.getUTCDate() !== start.getUTCDate()) monthLater.setUTCDate(0); // clamped as Polar does
    expect(resumed.result.currentPeriodEnd).toEqual(monthLater);
    expect(resumed.events[2]?.data).toMatchObject({ billing_reason: "subscription_cycle", total_amount: 1299, subscription_id: id });
    expect(resumed.events[9]?.data).toMatchObject({ active_subscriptions: [{ id, status: "active" }], active_meters: [{ credited_units: 100, consumed_units: 0 }] });

    // Resuming again: Polar's NotPausedSubscription (409; the SDK expects SubscriptionLocked there).
    expect(await patch(id, { resume: true })).toEqual({ status: 409, json: { error: "NotPausedSubscription", detail: "This subscription is not paused." } });
  });

  it("the admin's resume stands in for resumes_at arriving (the emulator's clock does not run)", async () => {
    const id = await subscribe(h, "auto-resume@example.com", PRO_MONTHLY_ID);
    const sub = await get(id);
    await update(id, { pauseAtPeriodEnd: true, resumesAt: new Date(sub.currentPeriodEnd.getTime() + DAY) });
    await admin(h.emulator.url, `/admin/subscriptions/${id}/renew`, {});
    const { events } = await eventsOf(10, () => admin(h.emulator.url, `/admin/subscriptions/${id}/resume`, {}));
    expect(types(events).filter((t) => !t.startsWith("benefit_grant."))).toEqual(["subscription.updated", "subscription.resumed", "order.created", "order.updated", "order.paid", "customer.state_changed"]);
    expect((await admin(h.emulator.url, `/admin/subscriptions/${id}/resume`, {})).status).toBe(409);
  });

  it("a resume with the decline switch on: resumed, then its charge declined and past_due", async () => {
    const id = await subscribe(h, "resume-declined@example.com", PRO_MONTHLY_ID);
    await update(id, { pauseAtPeriodEnd: true });
    await admin(h.emulator.url, `/admin/subscriptions/${id}/renew`, {});
    await admin(h.emulator.url, `/admin/customers/${(await get(id)).customerId}/decline-next-charge`, {});
    const { events } = await eventsOf(6, () => update(id, { resume: true }));
    expect(types(events)).toEqual(["subscription.updated", "subscription.resumed", "order.created", "subscription.updated", "subscription.past_due", "customer.state_changed"]);
    expect((await get(id)).status).toBe("past_due");
  });

  it("a scheduled pause is canceled with pause_at_period_end false; the refusals are Polar's", async () => {
    const id = await subscribe(h, "unpause@example.com", PRO_MONTHLY_ID);
    const sub = await get(id);
    // resumes_at must be after the period's end, and in the future.
    const early = await refused(id, { pauseAtPeriodEnd: true, resumesAt: new Date(sub.currentPeriodEnd.getTime() - DAY) });
    expect(early).toBeInstanceOf(HTTPValidationError);
    expect((early as HTTPValidationError).detail).toEqual([expect.objectContaining({ loc: ["body", "resumes_at"], msg: "resumes_at must be after the current period end." })]);
    const past = await refused(id, { pauseAtPeriodEnd: true, resumesAt: new Date(Date.now() - DAY) });
    expect((past as HTTPValidationError).detail).toEqual([expect.objectContaining({ type: "datetime_future", loc: ["body", "resumes_at"] })]);

    // Nothing scheduled yet: Polar's NoScheduledPause (409).
    expect(await patch(id, { pause_at_period_end: false })).toEqual({ status: 409, json: { error: "NoScheduledPause", detail: "This subscription is not scheduled to be paused." } });
    await update(id, { pauseAtPeriodEnd: true });
    expect(await patch(id, { pause_at_period_end: true })).toEqual({ status: 409, json: { error: "CannotPauseSubscription", detail: "This subscription cannot be paused." } });
    const { result, events } = await eventsOf(2, () => update(id, { pauseAtPeriodEnd: false }));
    expect(types(events)).toEqual(["subscription.updated", "customer.state_changed"]);
    expect(result).toMatchObject({ pauseAtPeriodEnd: false, resumesAt: null });

    // A cancellation drops a scheduled pause (Polar's _perform_cancellation).
    await update(id, { pauseAtPeriodEnd: true });
    expect(await update(id, { cancelAtPeriodEnd: true })).toMatchObject({ cancelAtPeriodEnd: true, pauseAtPeriodEnd: false });
  });

  it("a trialing subscription cannot be paused (Polar's can_pause: active only)", async () => {
    const id = await subscribe(h, "trial-pause@example.com", PRO_TRIAL_ID);
    expect((await patch(id, { pause_at_period_end: true })).status).toBe(409);
    // The SDK 0.49 reads a 409 as SubscriptionLocked, so Polar's other 409 classes reach the app
    // as a ResponseValidationError carrying the status and body, against Polar as here.
    const error = await refused(id, { pauseAtPeriodEnd: true });
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(error).toMatchObject({ statusCode: 409, body: JSON.stringify({ error: "CannotPauseSubscription", detail: "This subscription cannot be paused." }) });
  });
});

describe("revoke (DELETE /v1/subscriptions/{id}, subscriptionsRevoke)", () => {
  it("ends it now: updated, canceled, revoked, state; a second revoke is 403 AlreadyCanceledSubscription", async () => {
    const id = await subscribe(h, "api-revoke@example.com", PRO_MONTHLY_ID);
    const { result, events } = await eventsOf(6, async () => unwrap(await subscriptionsRevoke(core, { id })));
    expect(types(events)).toEqual(["subscription.updated", "subscription.canceled", "subscription.revoked", "benefit_grant.revoked", "benefit_grant.revoked", "customer.state_changed"]);
    expectParsable(events);
    expect(result).toMatchObject({ id, status: "canceled", cancelAtPeriodEnd: false });
    expect(result.endedAt).toBeInstanceOf(Date);
    expect(events[5]?.data).toMatchObject({ active_subscriptions: [], granted_benefits: [] });
    const again = await subscriptionsRevoke(core, { id });
    expect(again.ok).toBe(false);
    expect(!again.ok && again.error).toBeInstanceOf(AlreadyCanceledSubscription);
  });

  it("a paused subscription can be revoked; {revoke: true} through PATCH does the same", async () => {
    const id = await subscribe(h, "revoke-paused@example.com", PRO_MONTHLY_ID);
    await update(id, { pauseAtPeriodEnd: true });
    await admin(h.emulator.url, `/admin/subscriptions/${id}/renew`, {});
    expect((await get(id)).status).toBe("paused");
    const { result, events } = await eventsOf(4, () => update(id, { revoke: true, customerCancellationReason: "unused" }));
    expect(types(events)).toEqual(["subscription.updated", "subscription.canceled", "subscription.revoked", "customer.state_changed"]);
    expect(result).toMatchObject({ status: "canceled", customerCancellationReason: "unused" });
  });
});

describe("the portal shows what is scheduled", () => {
  it("a pending switch, the decline switch and the credit balance", async () => {
    const email = "portal-switch@example.com";
    const id = await subscribe(h, email, PRO_MONTHLY_ID);
    const sub = await update(id, { productId: "c4e8a2d7-1f5b-4e93-b6a0-8d2f7c1e3b54", prorationBehavior: "next_period" });
    const portal = await portalFor(email);
    expect(await portal.html()).toContain(`active; switches to Business Monthly on ${sub.currentPeriodEnd.toISOString().slice(0, 10)}`);
    expect(await portal.html()).toContain(">Decline the next charge</button>");
    const res = await portal.post("/portal/customer/decline-next-charge", { decline: "true" });
    expect(res.headers.get("location")).toContain("notice=decline-on");
    expect(await portal.html()).toContain("declines the next charge");
    expect(await (await admin(h.emulator.url, `/admin/customers/${sub.customerId}`)).json()).toMatchObject({ declineNextCharge: true });
    await portal.post("/portal/customer/decline-next-charge", { decline: "false" });
    expect(await (await admin(h.emulator.url, `/admin/customers/${sub.customerId}`)).json()).toMatchObject({ declineNextCharge: false });

    // A downgrade invoiced now leaves a credit, shown with the card.
    await update(id, { pendingUpdate: null });
    await update(id, { productId: "c4e8a2d7-1f5b-4e93-b6a0-8d2f7c1e3b54" });
    await update(id, { productId: PRO_MONTHLY_ID });
    expect(await portal.html()).toMatch(/Credit: \$\d+\.\d{2}/);
  });

  it("the portal's Resume resumes a paused subscription", async () => {
    const email = "portal-resume@example.com";
    const id = await subscribe(h, email, PRO_MONTHLY_ID);
    await update(id, { pauseAtPeriodEnd: true });
    const portal = await portalFor(email);
    expect((await portal.post(`/portal/subscriptions/${id}/renew`)).headers.get("location")).toContain("notice=paused");
    expect((await portal.post(`/portal/subscriptions/${id}/resume`)).headers.get("location")).toContain("notice=resumed");
    expect((await get(id)).status).toBe("active");
  });
});

async function portalFor(email: string) {
  const session = await h.polar.customerSessions.create({ externalCustomerId: email });
  const token = new URL(session.customerPortalUrl).searchParams.get("customer_session_token") ?? "";
  return {
    html: async () => (await fetch(session.customerPortalUrl)).text(),
    post: (path: string, fields: Record<string, string> = {}) =>
      fetch(`${h.emulator.url}${path}`, { method: "POST", body: new URLSearchParams({ customer_session_token: token, ...fields }), redirect: "manual" }),
  };
}
