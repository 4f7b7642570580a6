import { expect, it } from "vitest";
import { loadConfirmation } from "@/lib/checkout/confirmation";
import { connectDb, disconnectDb } from "@/lib/db/connect";
import { listPayments } from "@/lib/account/payments";
import { findUserByEmail } from "@/lib/users";
import { reconcileCandidates, recomputeDuePlans } from "@/lib/billing/reconcile";
import { deleteExpiredEvents } from "@/lib/webhooks/inbox";
import { listAttentionEvents, showEvent } from "@/lib/webhooks/operator";
import { sweepDueEvents } from "@/lib/webhooks/sweep";
import { customerRun } from "../../scripts/lib/scenarios";
import { setupTestDatabase } from "../helpers/db";
import { post } from "../helpers/webhooks";

const { uri } = setupTestDatabase(import.meta.url);

/** Top-level field names a filter constrains, through $and / $or. */
function filterFields(filter: Record<string, unknown>): string[] {
  return Object.entries(filter).flatMap(([key, value]) =>
    key === "$and" || key === "$or" ? (value as Record<string, unknown>[]).flatMap(filterFields) : key.startsWith("$") ? [] : [key],
  );
}

// What keeps the webhook path flat as the data grows, on MongoDB: every query the handlers and
// pages send is served by an index on its collection. (FerretDB's SQLite backend scans
// whatever the indexes: bench/results.md measures that.)
it("every query the webhook handlers and the pages send starts with an indexed field", { timeout: 60_000 }, async () => {
  await disconnectDb();
  const mongoose = await connectDb(uri, { monitorCommands: true });
  const queries: Array<{ collection: string; fields: string[] }> = [];
  const client = mongoose.connection.getClient();
  const record = (collection: string, filter: unknown) => queries.push({ collection, fields: filterFields((filter ?? {}) as Record<string, unknown>) });
  client.on("commandStarted", (e) => {
    const c = e.command as Record<string, unknown> & { updates?: Array<{ q: unknown }>; deletes?: Array<{ q: unknown }> };
    if (e.commandName === "find") record(String(c.find), c.filter);
    if (e.commandName === "findAndModify") record(String(c.findAndModify), c.query);
    if (e.commandName === "update") for (const u of c.updates ?? []) record(String(c.update), u.q);
    if (e.commandName === "delete") for (const d of c.deletes ?? []) record(String(c.delete), d.q);
  });

  // Every scenario of the load harness (purchase, subscription, refund, revocation, abandoned),
  // then what the pages and the operator's tool read.
  for (let i = 0; i < 5; i++) for (const e of customerRun(i, 42).events) await post(e.body, e.webhookId);
  const email = customerRun(0, 42).email;
  await findUserByEmail(email);
  await listPayments(email);
  const checkoutId = String((customerRun(0, 42).events[0]!.body.data as { id: string }).id);
  await loadConfirmation(checkoutId, email);
  await listAttentionEvents();
  await showEvent(customerRun(0, 42).events[0]!.webhookId);
  // The cron's steps that read by query (the reconciler's Polar calls aside).
  await sweepDueEvents({ limit: 10, deadline: Date.now() + 10_000 });
  await recomputeDuePlans({ limit: 10, deadline: Date.now() + 10_000 });
  await reconcileCandidates(10, new Date());
  await deleteExpiredEvents();
  client.removeAllListeners("commandStarted");

  const indexed = new Map<string, Set<string>>();
  for (const name of new Set(queries.map((q) => q.collection))) {
    const indexes = await mongoose.connection.db!.collection(name).indexes();
    indexed.set(name, new Set(indexes.map((ix) => Object.keys(ix.key)[0]!)));
  }
  // The product catalogue is read whole: a handful of documents, not per-customer data.
  const exempt = (q: { collection: string; fields: string[] }) => q.collection === "products" && q.fields.length === 0;
  const unindexed = queries.filter((q) => !exempt(q) && !q.fields.some((f) => indexed.get(q.collection)?.has(f)));
  expect(queries.length).toBeGreaterThan(50);
  expect(new Set(queries.map((q) => q.collection))).toEqual(new Set(["users", "payments", "subscriptions", "products", "webhookevents", "erasedaccounts"]));
  expect(unindexed.map((q) => `${q.collection} {${q.fields.join(", ")}}`)).toEqual([]);
});
