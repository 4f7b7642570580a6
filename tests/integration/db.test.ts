import mongoose from "mongoose";
import { describe, expect, it, vi } from "vitest";
import { connectDb, replaceClientAfter } from "@/lib/db/connect";
import { User } from "@/models/User";
import { allModels, setupTestDatabase } from "../helpers/db";

const { uri } = setupTestDatabase(import.meta.url);

describe("lib/db/connect against the real database", () => {
  it("reuses one connection for every caller, also across module reloads", async () => {
    const first = await connectDb(uri);
    const again = await Promise.all(Array.from({ length: 20 }, () => connectDb(uri)));
    expect(new Set(again).size).toBe(1);
    expect(again[0]).toBe(first);

    // Next's dev server re-evaluates modules on change; the cache must survive that.
    vi.resetModules();
    const reloaded = await import("@/lib/db/connect");
    const afterReload = await reloaded.connectDb(uri);
    expect(afterReload.connection.getClient()).toBe(first.connection.getClient());
    expect(mongoose.connections.filter((c) => c.readyState === 1)).toHaveLength(1);
  });

  it("does not open a connection per request: 200 queries stay within one pool", async () => {
    const client = (await connectDb(uri)).connection.getClient();
    let created = 0;
    const onCreated = () => created++;
    client.on("connectionCreated", onCreated);
    await Promise.all(Array.from({ length: 200 }, async () => (await connectDb(uri)).connection.db!.admin().ping()));
    client.off("connectionCreated", onCreated);
    expect(created).toBeLessThanOrEqual(10); // maxPoolSize
  });

  it("has the unique indexes on the real database", async () => {
    const expected: Record<string, string> = {
      users: "email",
      payments: "checkoutId",
      products: "polarProductId",
      // The webhook-id is the _id: unique by definition.
      webhookevents: "_id",
      subscriptions: "polarSubscriptionId",
      // Keyed by the erased email's hash: the _id.
      erasedaccounts: "_id",
      benefitgrants: "polarGrantId",
      customermeters: "customerEmail,meterId",
      // The event's external_id at Polar: the _id.
      usageevents: "_id",
      // One portal session per user and Polar environment.
      portalsessions: "email,environment",
    };
    for (const model of allModels) {
      const indexes = await model.collection.indexes();
      const key = expected[model.collection.collectionName];
      expect(key, model.collection.collectionName).toBeDefined();
      const unique = indexes.find((i) => (i.unique || key === "_id") && Object.keys(i.key).join() === key);
      expect(unique, `${model.collection.collectionName}.${key} unique`).toBeDefined();
    }
  });

  it("rejects a second user with the same email, whatever its case", async () => {
    await User.create({ email: "Dup@Example.com" });
    await expect(User.create({ email: "dup@example.com" })).rejects.toMatchObject({ code: 11000 });
  });

  it("replaces a client that found no server for a whole selection timeout, and works again at once", async () => {
    const before = (await connectDb(uri)).connection.getClient();
    // A real selection failure: a client of its own, pointed at a port nothing listens on.
    const nowhere = new mongoose.mongo.MongoClient("mongodb://127.0.0.1:9/x", { serverSelectionTimeoutMS: 200 });
    const selectionError = await nowhere.db().admin().ping().catch((e: unknown) => e);
    await nowhere.close();
    expect(selectionError).toBeInstanceOf(mongoose.mongo.MongoServerSelectionError);

    replaceClientAfter(new Error("a bug, not the database")); // anything else leaves the client alone
    expect((await connectDb(uri)).connection.getClient()).toBe(before);

    replaceClientAfter(selectionError);
    const after = await connectDb(uri);
    expect(after.connection.getClient()).not.toBe(before);
    expect(await after.connection.db!.admin().ping()).toMatchObject({ ok: 1 });
    // The models work on the new client: a write and its read-back.
    await User.create({ email: "after-replace@example.com" });
    expect((await User.findOne({ email: "after-replace@example.com" }).lean())?.subscriptionStatus).toBe("free");
  });
});

