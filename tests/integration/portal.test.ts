import { NextRequest } from "next/server";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { PortalSession } from "@/models/PortalSession";
import { createCheckout, pay, PRO_ID, startHarness, waitFor, type Harness } from "polar-emulator/testing";
import { clearCollections, setupTestDatabase } from "../helpers/db";
import { useEmulatorEnv } from "../helpers/emulator-env";

// Issue 22, item 4: /api/portal against the real local Polar emulator (which counts the calls
// it gets) and FerretDB, through the route handler with a signed-in session.
const session = vi.hoisted(() => ({ email: null as string | null }));
vi.mock("@/lib/auth/session", () => ({ getSessionEmail: async () => session.email }));

const { uri } = setupTestDatabase(import.meta.url);
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  useEmulatorEnv(h, uri, "portal-test");
});
afterAll(async () => h?.stop());
beforeEach(clearCollections);
afterEach(() => vi.restoreAllMocks());

/** The customer-session requests the emulator has answered so far. */
async function sessionCalls(): Promise<number> {
  const log = (await (await fetch(`${h.emulator.url}/admin/requests.json`)).json()) as { requests: Array<{ path: string }> };
  return log.requests.filter((r) => r.path.startsWith("/v1/customer-sessions")).length;
}

/** A one-time Pro purchase at the emulator, its webhooks delivered to the app: a Polar customer. */
async function customer(email: string): Promise<void> {
  const from = h.receiver.received.length;
  await pay((await createCheckout(h.polar, email, PRO_ID)).url);
  await waitFor("order.paid", () => h.receiver.received.slice(from).some((r) => r.type === "order.paid"));
  const { receiveWebhook } = await import("@/lib/webhooks/receive");
  for (const r of h.receiver.received.slice(from)) await (await receiveWebhook(r.body, r.headers, process.env.POLAR_WEBHOOK_SECRET!)).afterAnswer?.();
}

async function portal(email: string | null): Promise<Response> {
  session.email = email;
  const { GET } = await import("@/app/api/portal/route");
  return GET(new NextRequest("http://localhost:3999/api/portal"));
}

describe("GET /api/portal", () => {
  it("100 rapid requests for one user: one customer session asked of Polar, and every answer is the portal", { timeout: 30_000 }, async () => {
    const email = "rapid@example.com";
    await customer(email);
    const before = await sessionCalls();
    const answers = await Promise.all(Array.from({ length: 100 }, () => portal(email)));
    expect((await sessionCalls()) - before).toBe(1);
    const url = answers[0]!.headers.get("location");
    expect(url).toMatch(new RegExp(`^${h.emulator.url}/portal\\?customer_session_token=`));
    for (const a of answers) {
      if (a.status === 429) expect(Number(a.headers.get("retry-after"))).toBeGreaterThan(0);
      else expect([a.status, a.headers.get("location")]).toEqual([307, url]);
    }
    expect(answers.filter((a) => a.status === 307)).toHaveLength(100);
    // Later visits reuse it while it is valid.
    expect((await portal(email)).headers.get("location")).toBe(url);
    expect((await sessionCalls()) - before).toBe(1);
  });

  it("a session near its end is replaced by one new one, and no sooner than 30 s after the last", { timeout: 30_000 }, async () => {
    const email = "renew@example.com";
    await customer(email);
    const first = (await portal(email)).headers.get("location");
    const before = await sessionCalls();
    // Nine minutes left (the margin is ten), asked of Polar just now: another instance's request
    // owns this window, so this one waits for it, then answers 429 with when to come back.
    await PortalSession.updateOne({ email }, { $set: { expiresAt: new Date(Date.now() + 9 * 60_000), requestedAt: new Date(Date.now() - 20_000) } });
    const busy = await portal(email);
    expect(busy.status).toBe(429);
    expect(Number(busy.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(busy.headers.get("retry-after"))).toBeLessThanOrEqual(10);
    expect(await busy.text()).toContain("Try again in");
    expect(await sessionCalls()).toBe(before);
    // The window over: one new session.
    await PortalSession.updateOne({ email }, { $set: { requestedAt: new Date(Date.now() - 31_000) } });
    const renewed = (await portal(email)).headers.get("location");
    expect(renewed).not.toBe(first);
    expect(await sessionCalls()).toBe(before + 1);
  });

  it("a user with no Polar customer: no Polar call, and the account page says why", async () => {
    const before = await sessionCalls();
    const answers = await Promise.all(Array.from({ length: 20 }, () => portal("never-bought@example.com")));
    for (const a of answers) expect([a.status, a.headers.get("location")]).toEqual([307, "http://localhost:3999/account?portal=none"]);
    expect(await sessionCalls()).toBe(before);
    const { accountNotice } = await import("@/lib/account/notices");
    expect(accountNotice({ portal: "none" }, "Free")).toBe("You have no billing account yet: buy a plan first, and Manage billing opens it here.");
  });

  it("Polar failing: asked once per 30 s however many requests, each told to retry (503, Retry-After), and nothing logged but the failure", async () => {
    const email = "polar-down@example.com";
    await customer(email);
    const real = globalThis.fetch;
    let asked = 0;
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (!url.includes("/v1/customer-sessions")) return real(input, init);
      asked++;
      return new Response('{"detail":"boom"}', { status: 500, headers: { "content-type": "application/json" } });
    });
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const answers = await Promise.all(Array.from({ length: 20 }, () => portal(email)));
    expect(asked).toBe(1);
    for (const a of answers) {
      expect(a.status).toBe(503);
      expect(Number(a.headers.get("retry-after"))).toBeGreaterThan(20);
    }
    expect(await answers[0]!.text()).toContain("The billing portal is unavailable right now");
    expect(errors).toHaveBeenCalledTimes(1);
    expect(String(errors.mock.calls[0]?.[0])).toMatch(/^\[portal\] Polar 500 from the Polar API at /);
    expect(String(errors.mock.calls[0]?.[0])).not.toContain(email);
  });

  it("signed out: to sign-in, nothing asked", async () => {
    const res = await portal(null);
    expect([res.status, res.headers.get("location")]).toEqual([307, "http://localhost:3999/signin?callbackUrl=/account"]);
  });
});
