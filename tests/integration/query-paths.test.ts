import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { recentDriftRepairs, searchEvents } from "@/lib/admin/queries";
import { syncCheckoutFromPolar } from "@/lib/billing/pull-sync";
import { loadConfirmation } from "@/lib/checkout/confirmation";
import { connectDb, disconnectDb } from "@/lib/db/connect";
import { RECORD_QUERIES } from "@/lib/db/query-recorder";
import { findUserByEmail } from "@/lib/users";
import { listAttentionEvents } from "@/lib/webhooks/operator";
import { DriftRepair } from "@/models/DriftRepair";
import { Payment } from "@/models/Payment";
import { Product } from "@/models/Product";
import { Subscription } from "@/models/Subscription";
import { User } from "@/models/User";
import { WebhookEvent } from "@/models/WebhookEvent";
import { readQueryLog } from "../../scripts/lib/query-check";
import { clearCollections, setupTestDatabase } from "../helpers/db";

// The database side of the confirmation page is what this file drives; Polar is never reached.
vi.mock("@/lib/billing/pull-sync", () => ({ syncCheckoutFromPolar: vi.fn(async () => Promise.reject(new Error("Polar is not asked in this file"))) }));

const { uri } = setupTestDatabase(import.meta.url);
beforeEach(async () => {
  await clearCollections();
  await DriftRepair.collection.deleteMany({});
  vi.mocked(syncCheckoutFromPolar).mockClear();
});

/** Reconnects with RECORD_QUERIES as `value` for `body`, then with the run's own setting again. */
async function connectedWith(value: string, body: () => Promise<void>): Promise<void> {
  vi.stubEnv(RECORD_QUERIES, value);
  await disconnectDb();
  try {
    await connectDb(uri);
    await body();
  } finally {
    vi.unstubAllEnvs();
    await disconnectDb();
    await connectDb(uri);
  }
}

describe("the query recorder (lib/db/query-recorder.ts) on the real driver", () => {
  it("is off unless RECORD_QUERIES is set: no command monitoring, no listener", async () => {
    await connectedWith("", async () => {
      const client = (await connectDb(uri)).connection.getClient();
      expect(client.options.monitorCommands).toBe(false);
      expect(client.listenerCount("commandStarted")).toBe(0);
    });
  });

  it("records the shape of the app's query and where it came from, and no value", async () => {
    const dir = mkdtempSync(join(tmpdir(), "recorder-"));
    const file = join(dir, "queries.jsonl");
    try {
      await connectedWith(file, async () => {
        await findUserByEmail("secret.person@example.com");
      });
      expect(readQueryLog(file)).toEqual([
        {
          collection: "users",
          op: "find",
          filter: { fields: { email: ["$eq"] } },
          sort: [],
          limited: true,
          source: expect.stringMatching(/^lib\/users\.ts:\d+ findUserByEmail < tests\/integration\/query-paths\.test\.ts:\d+$/),
        },
      ]);
      expect(readFileSync(file, "utf8")).not.toContain("secret.person");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Reads no other file drives: each runs here so the run's query check (README, "Queries Atlas
// can serve") sees it; the webhook, cron and reconciler paths run in their own files.
describe("reads of the confirmation and operator pages", () => {
  const email = "reader@example.com";

  it("the confirmation page: a trial's payment, a pending one (asked about once per window), an unknown checkout id", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const [trialId, pendingId, unknownId] = [randomUUID(), randomUUID(), randomUUID()];
    const trialEnd = new Date(Date.now() + 14 * 86_400_000);
    await User.create({ email });
    await Product.create({ polarProductId: "prod_trial", name: "Pro Trial", plan: "pro" });
    await Subscription.create({ polarSubscriptionId: "sub_t", customerEmail: email, productId: "prod_trial", status: "trialing", currentPeriodEnd: trialEnd });
    await Payment.create([
      { checkoutId: trialId, customerEmail: email, productId: "prod_trial", amount: 0, currency: "usd", status: "completed", plan: "pro" },
      { checkoutId: pendingId, customerEmail: email, productId: "prod_trial", amount: 1299, currency: "usd", status: "pending", checkoutUrl: "https://polar.example/c" },
    ]);

    expect(await loadConfirmation(trialId, email)).toMatchObject({ kind: "completed", productName: "Pro Trial", trialEndsOn: trialEnd });
    expect(await loadConfirmation(pendingId, email)).toMatchObject({ kind: "pending" });
    expect(await loadConfirmation(pendingId, email)).toMatchObject({ kind: "pending" });
    // An id this user holds nothing for, asked about because the user opened a checkout within the hour.
    expect(await loadConfirmation(unknownId, email)).toEqual({ kind: "not-found" });
    expect(await loadConfirmation(unknownId, "stranger@example.com")).toEqual({ kind: "not-found" });
    expect(vi.mocked(syncCheckoutFromPolar).mock.calls).toEqual([
      [pendingId, email],
      [unknownId, email],
    ]);
    warn.mockRestore();
  });

  it("the operator page: the event log by each field alone, the attention list, the drift repairs", async () => {
    const at = (minutes: number) => new Date(Date.now() - minutes * 60_000);
    await WebhookEvent.create([
      { _id: "wh_1", type: "order.paid", status: "processed", receivedAt: at(3), payload: JSON.stringify({ email }) },
      { _id: "wh_2", type: "customer.updated", status: "skipped", receivedAt: at(2), payload: "{}" },
      { _id: "wh_3", type: "order.paid", status: "failed", receivedAt: at(1), payload: "{}" },
    ]);
    const ids = (events: Array<{ webhookId: string }>) => events.map((e) => e.webhookId);
    expect(ids(await searchEvents({}))).toEqual(["wh_3", "wh_2", "wh_1"]);
    expect(ids(await searchEvents({ type: "order.paid" }))).toEqual(["wh_3", "wh_1"]);
    expect(ids(await searchEvents({ status: "skipped" }))).toEqual(["wh_2"]);
    expect(ids(await searchEvents({ email }))).toEqual(["wh_1"]);
    expect(ids(await listAttentionEvents())).toEqual(["wh_3", "wh_2"]);

    const user = await User.create({ email });
    await DriftRepair.create({ userId: user._id, kind: "plan", subject: "plan", before: "pro", after: "free", planBefore: "pro", planAfter: "free" });
    expect(await recentDriftRepairs()).toMatchObject([{ email, kind: "plan", planAfter: "free" }]);
  });
});
