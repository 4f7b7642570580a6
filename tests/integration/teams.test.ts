import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Payment } from "@/models/Payment";
import { Seat } from "@/models/Seat";
import { Subscription } from "@/models/Subscription";
import { Team } from "@/models/Team";
import { User } from "@/models/User";
import { admin, pay, startHarness, waitFor, type Harness } from "polar-emulator/testing";
import { clearCollections, setupTestDatabase } from "../helpers/db";
import { deliveriesOf } from "../helpers/deliveries";
import { useEmulatorEnv } from "../helpers/emulator-env";

// Issue 24: each team transition through the app's own code against the local Polar emulator
// (its customer-seats API, seat-based checkouts and subscriptions.update with seats, its
// webhooks delivered to the app's webhook path), on FerretDB. Each action's answer is applied
// at once; the webhooks that follow, delivered afterwards, must change nothing more.
const { uri } = setupTestDatabase(import.meta.url);
const TEAM_ID = "5e9d3c71-a2b4-4f68-8d1e-6c0b7a3f2e95";
let h: Harness;
let andDeliver: ReturnType<typeof deliveriesOf>["andDeliver"];
let deliverSince: ReturnType<typeof deliveriesOf>["deliverSince"];

beforeAll(async () => {
  h = await startHarness();
  useEmulatorEnv(h, uri, "teams-test");
  ({ andDeliver, deliverSince } = deliveriesOf(h, 150));
});
afterAll(async () => h?.stop());
beforeEach(async () => {
  await clearCollections();
  const { syncProducts } = await import("@/lib/billing/product-sync");
  await syncProducts();
});

const lib = async () => ({ ...(await import("@/lib/checkout/begin")), ...(await import("@/lib/teams/manage")), ...(await import("@/lib/teams/reconcile")) });
const planOf = async (email: string) => (await User.findOne({ email }, { subscriptionStatus: 1 }).lean())?.subscriptionStatus ?? "no user";
const plans = async (...emails: string[]) => Promise.all(emails.map(planOf));
let n = 0;
const unique = (tag: string) => `${tag}-${++n}-${Date.now()}@example.com`;

/** The owner buys Team with `seats` seats through the app's checkout and Polar's hosted page; the purchase's webhooks are delivered. */
async function buyTeam(owner: string, seats = 3): Promise<string> {
  const start = await (await lib()).beginCheckout(owner, TEAM_ID, seats);
  if (!start.ok) throw new Error(start.message);
  await andDeliver("subscription.active", async () => expect((await pay(start.url)).status).toBe(303));
  const sub = await Subscription.findOne({ customerEmail: owner, seats: { $ne: null } }).lean();
  if (!sub) throw new Error("no team subscription stored");
  return sub.polarSubscriptionId;
}

/** Everything the emulator sent since `from`, delivered (the webhooks that follow an action). */
async function thenWebhooks(from: number): Promise<void> {
  await new Promise((r) => setTimeout(r, 300));
  await deliverSince(from);
}

describe("teams against Polar", () => {
  it("buy with N seats: the subscription carries them, the buyer owns the team and gets their own seat", { timeout: 60_000 }, async () => {
    const owner = unique("owner");
    const id = await buyTeam(owner, 3);
    expect(await Subscription.findOne({ polarSubscriptionId: id }, { seats: 1, amount: 1 }).lean()).toMatchObject({ seats: 3, amount: 3000 });
    expect(await Team.findById(id).lean()).toMatchObject({ ownerEmail: owner, billingEmail: owner });
    // A seat-based subscription grants its buyer nothing as such (Polar grants seats' members).
    expect(await planOf(owner)).toBe("free");
    const from = h.receiver.received.length;
    expect(await (await lib()).ensureOwnerSeat(id)).toBe(true);
    expect(await planOf(owner)).toBe("team");
    await thenWebhooks(from);
    expect(await planOf(owner)).toBe("team");
    const atPolar = await h.polar.customerSeats.listSeats({ subscriptionId: id });
    expect(atPolar.seats.map((s) => [s.email ?? s.member?.email, s.status])).toEqual([[owner, "claimed"]]);
    // Settled once: a second call assigns nothing more.
    expect(await (await lib()).ensureOwnerSeat(id)).toBe(false);
    expect((await h.polar.customerSeats.listSeats({ subscriptionId: id })).seats).toHaveLength(1);
  });

  it("the checkout refuses a count outside the price's bounds and a second team", { timeout: 60_000 }, async () => {
    const { beginCheckout } = await lib();
    const owner = unique("owner");
    expect(await beginCheckout(owner, TEAM_ID, 1)).toEqual({ ok: false, message: "Choose between 2 and 50 seats." });
    expect(await beginCheckout(owner, TEAM_ID, 51)).toEqual({ ok: false, message: "Choose between 2 and 50 seats." });
    expect(await beginCheckout(owner, TEAM_ID)).toEqual({ ok: false, message: "Choose between 2 and 50 seats." });
    await buyTeam(owner, 2);
    expect(await beginCheckout(owner, TEAM_ID, 2)).toEqual({ ok: false, message: "You already have a team. Add seats on your team page instead of buying a second team." });
  });

  it("assign and claim: an invited member has Team at once; the webhooks after change nothing; a full team refuses more", { timeout: 60_000 }, async () => {
    const { ensureOwnerSeat, inviteMember } = await lib();
    const [owner, ann, ben] = [unique("owner"), unique("ann"), unique("ben")];
    const id = await buyTeam(owner, 2);
    await ensureOwnerSeat(id);
    const from = h.receiver.received.length;
    expect(await inviteMember(owner, id, ann)).toMatchObject({ ok: true });
    expect(await planOf(ann)).toBe("team");
    await thenWebhooks(from);
    expect(await planOf(ann)).toBe("team");
    const types = h.receiver.received.slice(from).map((r) => r.type);
    // With immediate_claim Polar sends the claim alone (no `assigned`, no invitation).
    expect(types).toContain("customer_seat.claimed");
    expect(types).not.toContain("customer_seat.assigned");
    expect(await Seat.findOne({ memberEmail: ann }).lean()).toMatchObject({ status: "claimed", subscriptionId: id });
    expect(await inviteMember(owner, id, ann)).toEqual({ ok: false, message: `${ann} already has a seat on this team.` });
    expect(await inviteMember(owner, id, ben)).toEqual({ ok: false, message: "All 2 seats are taken. Add a seat first." });
    expect(await inviteMember(ann, id, ben)).toEqual({ ok: false, message: "Only the team's owner can do that." });
  });

  it("claim: a seat assigned at Polar with its own invitation is pending (no access) until the member claims it", { timeout: 60_000 }, async () => {
    const [owner, dan] = [unique("owner"), unique("dan")];
    const id = await buyTeam(owner, 2);
    // Assigned from Polar's dashboard or portal: Polar emails an invitation with a claim link.
    const seat = await andDeliver("customer_seat.assigned", () => h.polar.customerSeats.assignSeat({ subscriptionId: id, email: dan }));
    expect(await Seat.findById(seat.id).lean()).toMatchObject({ status: "pending", memberEmail: dan });
    expect(await planOf(dan)).toBe("free");
    const { emails } = (await (await admin(h.emulator.url, "/admin/emails.json")).json()) as { emails: Array<{ seatId: string; token: string }> };
    const token = emails.find((m) => m.seatId === seat.id)!.token;
    await andDeliver("customer_seat.claimed", () => h.polar.customerSeats.claimSeat({ invitationToken: token }));
    expect(await Seat.findById(seat.id).lean()).toMatchObject({ status: "claimed", memberEmail: dan });
    expect(await planOf(dan)).toBe("team");
  });

  it("a member's reports are their own: the team's benefits granted to the member, not to the buyer, and gone with the seat", { timeout: 60_000 }, async () => {
    const { inviteMember, removeMember } = await lib();
    const { featureAllowance } = await import("@/lib/usage/allowance");
    const [owner, ann] = [unique("owner"), unique("ann")];
    const id = await buyTeam(owner, 2);
    await andDeliver("customer.state_changed", () => inviteMember(owner, id, ann));
    expect(await featureAllowance(ann, "reports")).toMatchObject({ kind: "metered", credited: 100, allowed: true });
    // The buyer holds no seat: the team customer's state (every member's grants) is not theirs.
    expect(await featureAllowance(owner, "reports")).toEqual({ kind: "not-entitled" });
    // A report by the member counts on the team's pool at Polar, the member named.
    const { generateReport } = await import("@/lib/usage/reports");
    const { flushUsage } = await import("@/lib/usage/flush");
    expect(await generateReport(ann, "team-report-1")).toMatchObject({ kind: "generated", allowance: { remaining: 99 } });
    await andDeliver("customer.state_changed", () => flushUsage({ deadline: Date.now() + 10_000 }));
    const pool = (await h.polar.customers.getStateExternal({ externalId: owner })).activeMeters[0];
    expect(pool).toMatchObject({ creditedUnits: 100, consumedUnits: 1 });
    expect(await featureAllowance(ann, "reports")).toMatchObject({ kind: "metered", credited: 100, used: 1, remaining: 99 });
    const seat = await Seat.findOne({ memberEmail: ann }).lean();
    await andDeliver("customer.state_changed", () => removeMember(owner, id, seat!._id));
    expect(await featureAllowance(ann, "reports")).toEqual({ kind: "not-entitled" });
  });

  it("revoke: a removed member loses access at once, and the webhooks after do not bring it back; a member can leave", { timeout: 60_000 }, async () => {
    const { inviteMember, removeMember, leaveTeam } = await lib();
    const [owner, ann, ben] = [unique("owner"), unique("ann"), unique("ben")];
    const id = await buyTeam(owner, 3);
    await inviteMember(owner, id, ann);
    await inviteMember(owner, id, ben);
    expect(await plans(ann, ben)).toEqual(["team", "team"]);
    const seat = await Seat.findOne({ memberEmail: ann }).lean();
    const from = h.receiver.received.length;
    expect(await removeMember(owner, id, seat!._id)).toMatchObject({ ok: true });
    expect(await planOf(ann)).toBe("free");
    await thenWebhooks(from);
    expect(await planOf(ann)).toBe("free");
    expect(h.receiver.received.slice(from).map((r) => r.type)).toContain("customer_seat.revoked");
    expect(await leaveTeam(ben, id)).toEqual({ ok: true, message: "You left the team." });
    expect(await planOf(ben)).toBe("free");
    const atPolar = await h.polar.customerSeats.listSeats({ subscriptionId: id });
    expect(atPolar.seats.filter((s) => s.status !== "revoked")).toHaveLength(0);
  });

  it("the owner cannot leave until ownership moves; then the new owner manages the team", { timeout: 60_000 }, async () => {
    const { ensureOwnerSeat, inviteMember, leaveTeam, transferOwnership } = await lib();
    const [owner, ann, ben] = [unique("owner"), unique("ann"), unique("ben")];
    const id = await buyTeam(owner, 3);
    await ensureOwnerSeat(id);
    await inviteMember(owner, id, ann);
    expect(await leaveTeam(owner, id)).toEqual({ ok: false, message: "You own this team: make another member the owner before you leave." });
    expect(await transferOwnership(owner, id, ben)).toEqual({ ok: false, message: `${ben} holds no seat on this team.` });
    expect(await transferOwnership(owner, id, ann)).toEqual({ ok: true, message: `${ann} now owns the team.` });
    expect(await leaveTeam(owner, id)).toEqual({ ok: true, message: "You left the team." });
    expect(await plans(owner, ann)).toEqual(["free", "team"]);
    expect(await inviteMember(ann, id, ben)).toMatchObject({ ok: true });
    expect(await planOf(ben)).toBe("team");
  });

  it("add seats: prorated now through subscriptions.update; remove empty seats; never below the seats in use", { timeout: 60_000 }, async () => {
    const { changeSeats, inviteMember } = await lib();
    const [owner, ann, ben] = [unique("owner"), unique("ann"), unique("ben")];
    const id = await buyTeam(owner, 2);
    await inviteMember(owner, id, ann);
    await inviteMember(owner, id, ben);
    let from = h.receiver.received.length;
    expect(await changeSeats(owner, id, 4)).toEqual({ ok: true, message: "Your team now has 4 seats." });
    expect(await Subscription.findOne({ polarSubscriptionId: id }, { seats: 1, amount: 1 }).lean()).toMatchObject({ seats: 4, amount: 4000 });
    expect((await h.polar.subscriptions.get({ id })).seats).toBe(4);
    await thenWebhooks(from);
    // The proration is billed now: an order of the subscription's update, paid.
    await waitFor("the proration's order", async () => Payment.exists({ customerEmail: owner, billingReason: "subscription_update", status: "completed" }));
    expect(await plans(ann, ben)).toEqual(["team", "team"]);

    expect(await changeSeats(owner, id, 1)).toEqual({ ok: false, message: "2 seats are in use: remove members before going below 2 seats." });
    from = h.receiver.received.length;
    expect(await changeSeats(owner, id, 2)).toEqual({ ok: true, message: "Your team now has 2 seats." });
    await thenWebhooks(from);
    expect(await Subscription.findOne({ polarSubscriptionId: id }, { seats: 1 }).lean()).toMatchObject({ seats: 2 });
    expect(await plans(ann, ben)).toEqual(["team", "team"]);
  });

  it("Polar's own refusal comes back as a clear message (a seat taken at Polar that we had not heard of yet)", { timeout: 60_000 }, async () => {
    const { changeSeats } = await lib();
    const [owner, ann, ben, cat] = [unique("owner"), unique("ann"), unique("ben"), unique("cat")];
    const id = await buyTeam(owner, 3);
    // Every seat assigned at Polar behind the app's back (the dashboard, or webhooks not delivered yet).
    for (const m of [ann, ben, cat]) await h.polar.customerSeats.assignSeat({ subscriptionId: id, email: m, externalMemberId: m, immediateClaim: true });
    const refused = await changeSeats(owner, id, 2);
    expect(refused).toEqual({ ok: false, message: "Polar refused the seat change: Cannot decrease seats to 2. Currently 3 seats are assigned. Revoke seats first. Nothing changed." });
    expect((await h.polar.subscriptions.get({ id })).seats).toBe(3);
  });

  it("subscription revoked: all members lose access", { timeout: 60_000 }, async () => {
    const { ensureOwnerSeat, inviteMember } = await lib();
    const [owner, ann] = [unique("owner"), unique("ann")];
    const id = await buyTeam(owner, 2);
    await ensureOwnerSeat(id);
    await inviteMember(owner, id, ann);
    expect(await plans(owner, ann)).toEqual(["team", "team"]);
    await andDeliver("subscription.revoked", () => h.polar.subscriptions.revoke({ id }));
    expect(await plans(owner, ann)).toEqual(["free", "free"]);
  });

  it("the team's billing customer opens Polar's portal (a team customer's session names its owner member)", { timeout: 60_000 }, async () => {
    const owner = unique("owner");
    await buyTeam(owner, 2);
    const { openPortal } = await import("@/lib/portal/open");
    expect(await openPortal(owner)).toMatchObject({ kind: "portal", url: expect.stringMatching(/^http/) });
  });

  it("a member deletes their account: the seat goes back at Polar, and no seat or team keeps the email, even after the webhooks", { timeout: 60_000 }, async () => {
    const { inviteMember } = await lib();
    const { deleteAccount } = await import("@/lib/account/erase");
    const [owner, ann] = [unique("owner"), unique("ann")];
    const id = await buyTeam(owner, 2);
    await inviteMember(owner, id, ann);
    const from = h.receiver.received.length;
    expect(await deleteAccount(ann)).toEqual({ ok: true });
    expect(await Seat.countDocuments({ memberEmail: ann })).toBe(0);
    // Polar's customer_seat.revoked (and the rest) arrive after the erasure: they name the email.
    await thenWebhooks(from);
    const atPolar = await h.polar.customerSeats.listSeats({ subscriptionId: id });
    expect(atPolar.seats.filter((s) => s.status !== "revoked")).toHaveLength(0);
    expect(await Seat.countDocuments({ memberEmail: ann })).toBe(0);
    expect(await Seat.countDocuments({ subscriptionId: id, status: { $in: ["claimed", "pending"] } })).toBe(0);
    expect(await User.countDocuments({ email: { $regex: "@erased\\.invalid$" } })).toBe(0);
    expect(await planOf(ann)).toBe("no user");
  });

  it("an erasure that calls no Polar (the retention job's) leaves a held seat under a pseudonym, and a late event about it does not bring the email back", { timeout: 60_000 }, async () => {
    const { inviteMember } = await lib();
    const { eraseStored } = await import("@/lib/account/erase");
    const [owner, ann] = [unique("owner"), unique("ann")];
    const id = await buyTeam(owner, 2);
    const from = h.receiver.received.length;
    await inviteMember(owner, id, ann);
    await eraseStored(ann, "inactive");
    expect(await Seat.countDocuments({ memberEmail: ann })).toBe(0);
    expect(await Seat.findOne({ subscriptionId: id, status: "claimed" }).lean()).toMatchObject({ memberEmail: expect.stringMatching(/@erased\.invalid$/) });
    // The seat's own webhooks (customer_seat.claimed, naming the email) delivered after the erasure.
    await thenWebhooks(from);
    expect(await Seat.countDocuments({ memberEmail: ann })).toBe(0);
    expect(await planOf(ann)).toBe("no user");
  });

  it("an owner deletes their account: the team's subscription is revoked at Polar, its members lose the plan, the team keeps no email of theirs", { timeout: 60_000 }, async () => {
    const { ensureOwnerSeat, inviteMember } = await lib();
    const { deleteAccount } = await import("@/lib/account/erase");
    const [owner, ann] = [unique("owner"), unique("ann")];
    const id = await buyTeam(owner, 2);
    await ensureOwnerSeat(id);
    await inviteMember(owner, id, ann);
    await andDeliver("subscription.revoked", async () => expect(await deleteAccount(owner)).toEqual({ ok: true }));
    expect(await planOf(ann)).toBe("free");
    const team = await Team.findById(id).lean();
    expect([team?.ownerEmail, team?.billingEmail].some((e) => e === owner)).toBe(false);
    expect(await Seat.countDocuments({ memberEmail: owner })).toBe(0);
  });

  it("reconciled against Polar: a seat revoked at Polar with its webhook lost loses access at the member's check", { timeout: 60_000 }, async () => {
    const { inviteMember, reconcileTeamsOf } = await lib();
    const [owner, ann] = [unique("owner"), unique("ann")];
    const id = await buyTeam(owner, 2);
    await inviteMember(owner, id, ann);
    const seat = await Seat.findOne({ memberEmail: ann }).lean();
    await h.polar.customerSeats.revokeSeat({ seatId: seat!._id }); // its webhook never delivered
    expect(await planOf(ann)).toBe("team");
    await reconcileTeamsOf(ann);
    expect(await planOf(ann)).toBe("free");
  });
});
