import { describe, expect, it } from "vitest";
import mongoose from "mongoose";
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
