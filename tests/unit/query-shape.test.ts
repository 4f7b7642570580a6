import { describe, expect, it } from "vitest";
import mongoose from "mongoose";
import { sourceOf } from "@/lib/db/query-recorder";
import { commandShapes, describeShape, filterShape } from "@/lib/db/query-shape";

describe("the shape of a command: fields and operators, never values", () => {
  it("splits a find's filter into fields with their operators, and keeps its sort and limit", () => {
    const [shape] = commandShapes("find", {
      find: "users",
      filter: { email: "a@example.com", planUntil: { $gte: new Date(0), $lt: new Date(1) }, _id: new mongoose.Types.ObjectId(), "metadata.order_id": null },
      sort: { reconciledAt: 1, _id: -1 },
      limit: 1,
    });
    expect(shape).toEqual({
      collection: "users",
      op: "find",
      filter: { fields: { email: ["$eq"], planUntil: ["$gte", "$lt"], _id: ["$eq"], "metadata.order_id": ["$eq"] } },
      sort: ["reconciledAt", "_id"],
      limited: true,
    });
    expect(JSON.stringify(shape)).not.toContain("a@example.com");
  });

  it("folds $and into the conjunction, keeps each $or's branches, and bounds nothing for $nor or $expr", () => {
    expect(filterShape({ $and: [{ a: 1 }, { b: { $in: [1, 2] } }], $or: [{ c: null }, { c: { $lte: 3 } }], $nor: [{ d: 1 }], $expr: { $eq: ["$e", 1] } })).toEqual({
      fields: { a: ["$eq"], b: ["$in"], d: ["$nor"] },
      or: [[{ fields: { c: ["$eq"] } }, { fields: { c: ["$lte"] } }]],
    });
    // $regex's $options is part of the regex, not a constraint of its own; a document matched whole is equality.
    expect(filterShape({ payload: { $regex: "x", $options: "i" }, meta: { a: 1 } })).toEqual({ fields: { payload: ["$regex"], meta: ["$eq"] } });
  });

  it("reads each statement of an update or delete, a findAndModify's query and sort", () => {
    expect(commandShapes("update", { update: "payments", updates: [{ q: { checkoutId: "c" }, u: {} }, { q: { customerEmail: "e" }, u: {}, multi: true }] })).toEqual([
      { collection: "payments", op: "update", filter: { fields: { checkoutId: ["$eq"] } }, sort: [], limited: true },
      { collection: "payments", op: "update", filter: { fields: { customerEmail: ["$eq"] } }, sort: [], limited: false },
    ]);
    expect(commandShapes("delete", { delete: "webhookevents", deletes: [{ q: { receivedAt: { $lt: new Date() } }, limit: 0 }] })).toEqual([
      { collection: "webhookevents", op: "delete", filter: { fields: { receivedAt: ["$lt"] } }, sort: [], limited: false },
    ]);
    expect(commandShapes("findAndModify", { findAndModify: "users", query: { email: "e" }, sort: { at: -1 }, update: {} })).toEqual([
      { collection: "users", op: "findAndModify", filter: { fields: { email: ["$eq"] } }, sort: ["at"], limited: true },
    ]);
  });

  it("reads an aggregate's leading $match and $sort (countDocuments is one), and a count's or distinct's query", () => {
    expect(commandShapes("aggregate", { aggregate: "users", pipeline: [{ $match: { a: 1 } }, { $match: { b: { $gt: 1 } } }, { $sort: { c: 1 } }, { $limit: 5 }, { $match: { later: 1 } }] })).toEqual([
      { collection: "users", op: "aggregate", filter: { fields: { a: ["$eq"], b: ["$gt"] } }, sort: ["c"], limited: true },
    ]);
    expect(commandShapes("aggregate", { aggregate: "users", pipeline: [{ $match: {} }, { $group: { _id: 1, n: { $sum: 1 } } }] })).toEqual([
      { collection: "users", op: "aggregate", filter: { fields: {} }, sort: [], limited: false },
    ]);
    expect(commandShapes("aggregate", { aggregate: 1, pipeline: [{ $currentOp: {} }] })).toEqual([]);
    expect(commandShapes("count", { count: "products" })).toEqual([{ collection: "products", op: "count", filter: { fields: {} }, sort: [], limited: false }]);
    expect(commandShapes("distinct", { distinct: "users", key: "plan", query: { a: 1 } })[0]?.filter).toEqual({ fields: { a: ["$eq"] } });
  });

  it("has nothing to say about commands that filter nothing", () => {
    for (const name of ["insert", "createIndexes", "getMore", "hello", "listIndexes"]) expect(commandShapes(name, { [name]: "users" })).toEqual([]);
  });

  it("reads as `collection {fields} sort {fields}`", () => {
    expect(describeShape({ collection: "users", filter: filterShape({ email: "e", planUntil: { $lte: 1 }, $or: [{ a: 1 }, { b: 1 }] }), sort: ["reconciledAt"] })).toBe(
      "users {email, planUntil $lte, $or [{a} | {b}]} sort {reconciledAt}",
    );
  });
});

describe("where a recorded query came from", () => {
  const root = "/work/app";

  it("names the innermost and outermost frames of the project's code, skipping dependencies and the recorder", () => {
    const stack = [
      "Error",
      "    at MongoClient.<anonymous> (/work/app/lib/db/query-recorder.ts:60:22)",
      "    at Connection.command (/work/app/node_modules/mongodb/lib/cmap/connection.js:300:10)",
      "    at async Module.findUserByEmail (/work/app/lib/users.ts:51:16)",
      "    at async loadAccount (/work/app/lib/account/load.ts:12:3)",
      "    at async file:///work/app/tests/integration/account.test.ts:40:5",
      "    at async runTest (/work/app/node_modules/@vitest/runner/dist/index.js:1:1)",
    ].join("\n");
    expect(sourceOf(stack, root)).toBe("lib/users.ts:51 findUserByEmail < tests/integration/account.test.ts:40");
  });

  it("names a production build's route, and a shared chunk without its minified line and names", () => {
    const stack = ["Error", "    at F (/work/app/.next/server/chunks/760.js:1:9000)", "    at async D (/work/app/.next/server/app/account/page.js:2:300)"].join("\n");
    expect(sourceOf(stack, root)).toBe(".next/server/chunks/760.js < app/account/page");
    expect(sourceOf("Error\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)", root)).toBe("unknown");
  });
});
