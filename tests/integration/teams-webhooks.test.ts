import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Seat } from "@/models/Seat";
import { Team } from "@/models/Team";
import { User } from "@/models/User";
import { event, memberWire, seatWire, subscriptionWire, teamMonthlyProduct, type PolarEventBody } from "../../scripts/lib/polar-payloads";
import { customerRun } from "../../scripts/lib/scenarios";
import { clearCollections, setupTestDatabase } from "../helpers/db";
import { post, SECRET } from "../helpers/webhooks";

// Issue 24, item 4: seats and members as facts. Polar's events of a team (a seat-based
// subscription, members' seats assigned with immediate claim, one removed, the subscription
// revoked) delivered through the webhook path, in Polar's order, backwards, and twice over: each
// member's plan is decided from the team's subscription and the member's seat, whatever the order.
const { uri } = setupTestDatabase(import.meta.url);
const before = { ...process.env };

beforeAll(() => {
  Object.assign(process.env, {
    MONGODB_URI: uri,
    POLAR_ACCESS_TOKEN: "polar_oat_teams_test",
    POLAR_API_URL: "http://127.0.0.1:9",
    POLAR_WEBHOOK_SECRET: SECRET,
    APP_URL: "http://localhost:3999",
    NEXTAUTH_SECRET: "x".repeat(40),
    AUTH_LOCAL_OIDC_ISSUER: "http://127.0.0.1:9",
    AUTH_LOCAL_OIDC_ID: "teams-test",
    AUTH_LOCAL_OIDC_SECRET: "teams-test-oidc-secret-0123456789",
    CRON_SECRET: "cron-secret-0123456789",
  });
});
afterAll(() => {
  for (const k of Object.keys(process.env)) if (!(k in before)) delete process.env[k];
  Object.assign(process.env, before);
});
beforeEach(clearCollections);

// Scenario 8 is "team", 9 "team-revoked" (scripts/lib/scenarios.ts).
const TEAM = 8;
const TEAM_REVOKED = 9;
const planOf = async (email: string) => (await User.findOne({ email }, { subscriptionStatus: 1 }).lean())?.subscriptionStatus ?? "no user";

async function deliverAll(events: Array<{ webhookId: string; body: PolarEventBody }>): Promise<void> {
  for (const e of events) expect((await post(e.body, e.webhookId)).status).toBeLessThan(300);
}

async function expectOutcome(run: ReturnType<typeof customerRun>): Promise<void> {
  expect(await planOf(run.email)).toBe(run.expected.plan);
  for (const m of run.expected.members ?? []) expect([m.email, await planOf(m.email)]).toEqual([m.email, m.plan]);
}

describe("a team's webhooks", () => {
  it("buy with 3 seats, two members assigned and claimed, one revoked: the kept member has Team, the removed one and the seatless buyer do not", { timeout: 60_000 }, async () => {
    const run = customerRun(TEAM, 81);
    await deliverAll(run.events);
    await expectOutcome(run);
    const team = await Team.findById(`sub_81_${TEAM}`).lean();
    expect(team).toMatchObject({ ownerEmail: run.email, billingEmail: run.email, polarCustomerId: `cus_81_${TEAM}` });
    expect(team?.ownerSeatWantedSince).toBeInstanceOf(Date);
    const seats = await Seat.find({ subscriptionId: `sub_81_${TEAM}` }).sort({ _id: 1 }).lean();
    expect(seats.map((s) => [s.memberEmail, s.status])).toEqual([
      [run.expected.members![0]!.email, "claimed"],
      [run.expected.members![1]!.email, "revoked"],
    ]);
  });

  it("the same events backwards and each twice end the same (order-independent, idempotent)", { timeout: 90_000 }, async () => {
    const run = customerRun(TEAM, 82);
    const backwards = [...run.events].reverse();
    await deliverAll([...backwards, ...backwards.map((e) => ({ ...e, webhookId: `${e.webhookId}_again` }))]);
    await expectOutcome(run);
  });

  it("subscription revoked: every member loses access", { timeout: 60_000 }, async () => {
    const run = customerRun(TEAM_REVOKED, 83);
    await deliverAll(run.events);
    await expectOutcome(run);
    expect(run.expected.members?.every((m) => m.plan === "free")).toBe(true);
  });

  it("a revoked seat reassigned to someone else: the new member holds it, a late event of its past changes nothing", { timeout: 60_000 }, async () => {
    const run = customerRun(TEAM, 84);
    await deliverAll(run.events);
    const subscriptionId = `sub_84_${TEAM}`;
    const carol = { id: "mem_carol", customerId: `cus_84_${TEAM}`, email: "carol@example.com" };
    const reused = { id: `seat_84_${TEAM}_1`, subscriptionId, member: carol, status: "claimed" as const, modifiedAt: new Date(Date.UTC(2026, 10, 26, 10, 20)) };
    await post(event("customer_seat.claimed", seatWire(reused)));
    expect(await planOf("carol@example.com")).toBe("team");
    // The first member's claim of that seat, delivered again late: older than the reassignment.
    const b = run.expected.members![1]!.email;
    const late = run.events.find((e) => e.body.type === "customer_seat.claimed" && (e.body.data as { email?: string }).email === b)!;
    await post(late.body, `${late.webhookId}_late`);
    expect([await planOf("carol@example.com"), await planOf(b)]).toEqual(["team", "free"]);
  });

  it("member.deleted: the member's seats grant nothing from then on", { timeout: 60_000 }, async () => {
    const run = customerRun(TEAM, 85);
    await deliverAll(run.events);
    const a = run.expected.members![0]!;
    expect(await planOf(a.email)).toBe("team");
    await post(event("member.deleted", memberWire({ id: `mem_85_${TEAM}_a`, customerId: `cus_85_${TEAM}`, email: a.email }), new Date(Date.UTC(2026, 10, 26, 10, 30))));
    expect(await planOf(a.email)).toBe("free");
  });

  it("a seat change (subscription.updated with more seats) is stored on the subscription; members keep their plan", { timeout: 60_000 }, async () => {
    const run = customerRun(TEAM, 86);
    await deliverAll(run.events);
    const customer = { id: `cus_86_${TEAM}`, email: run.email };
    const more = { id: `sub_86_${TEAM}`, product: { ...teamMonthlyProduct, amount: 4000 }, customer, status: "active" as const, seats: 4, modifiedAt: new Date(Date.UTC(2026, 10, 26, 10, 40)) };
    await post(event("subscription.updated", subscriptionWire(more)));
    const { Subscription } = await import("@/models/Subscription");
    expect(await Subscription.findOne({ polarSubscriptionId: `sub_86_${TEAM}` }, { seats: 1, amount: 1 }).lean()).toMatchObject({ seats: 4, amount: 4000 });
    await expectOutcome(run);
  });
});
