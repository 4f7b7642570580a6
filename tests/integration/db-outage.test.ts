import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { loadWebhookHealth } from "@/lib/admin/queries";
import { readSection } from "@/lib/admin/read-section";
import { connectDb, disconnectDb } from "@/lib/db/connect";
import { User } from "@/models/User";
import { WebhookEvent } from "@/models/WebhookEvent";
import { removeFerretdbData, startFerretdb, type RunningFerretdb } from "../../scripts/lib/ferretdb";
import { freePort } from "../../scripts/lib/ports";
import { checkoutWire, event, deliver, orderWire, proProduct } from "../../scripts/lib/polar-payloads";
import { SECRET, postDelivery } from "../helpers/webhooks";

// This file stops its own database mid-test, so it runs its own real FerretDB.
const dataDir = mkdtempSync(join(tmpdir(), "ferretdb-outage-"));
let db: RunningFerretdb | undefined;
afterAll(async () => {
  await disconnectDb();
  await db?.stop();
  await removeFerretdbData(dataDir);
});

it("answers 503 while the database is down, marks nothing processed, and applies the retry once it is back", { timeout: 60_000 }, async () => {
  const port = await freePort();
  db = await startFerretdb({ port, dataDir, log: () => {} });
  await connectDb(`${db.uri}outage`);

  const alice = { id: "cus_a", email: "alice@example.com" };
  expect((await postDelivery(deliver(event("checkout.created", checkoutWire({ id: "co_x", product: proProduct, email: alice.email })), SECRET, "wh_co"))).status).toBe(200);

  await db.stop();
  const paid = deliver(event("order.paid", orderWire({ id: "or_x", checkoutId: "co_x", product: proProduct, customer: alice })), SECRET, "wh_paid");
  const started = Date.now();
  const during = await postDelivery(paid);
  expect(during).toEqual({ status: 503, body: { ok: false, error: "temporarily unavailable, retry later" } });
  expect(Date.now() - started).toBeLessThan(10_000); // inside Polar's delivery timeout
  // The operator page meanwhile: each section says what it could not read, and why.
  expect(await readSection("webhook health", () => loadWebhookHealth())).toEqual({
    ok: false,
    message: "Could not read webhook health: the database is unavailable; reload once it is back.",
  });

  db = await startFerretdb({ port, dataDir, log: () => {} });
  expect(await WebhookEvent.findOne({ _id: "wh_paid", status: "processed" }).lean()).toBeNull();

  // Polar's retry: same webhook-id, same body, new signature timestamp.
  const retry = deliver(JSON.parse(paid.body), SECRET, "wh_paid");
  expect((await postDelivery(retry)).status).toBe(200);
  expect(await WebhookEvent.findOne({ _id: "wh_paid" }).lean()).toMatchObject({ status: "processed" });
  expect((await User.findOne({ email: alice.email }).lean())?.subscriptionStatus).toBe("pro");
});
