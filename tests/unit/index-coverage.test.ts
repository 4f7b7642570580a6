import { describe, expect, it } from "vitest";
import { Schema } from "mongoose";
import { declaredIndexes, type DeclaredIndex } from "@/lib/db/declared-indexes";
import { checkCoverage, judge } from "@/lib/db/index-coverage";
import { filterShape, type RecordedQuery } from "@/lib/db/query-shape";
import { loadAppModels } from "@/lib/db/app-models";

const users = (keys: string[], unique = false): DeclaredIndex => ({ collection: "users", keys, unique });

/** A query on users: `filter` as the app would write it (values are dropped by the shape). */
function q(filter: Record<string, unknown>, opts: { sort?: string[]; limited?: boolean; op?: string; collection?: string } = {}) {
  return { collection: opts.collection ?? "users", op: opts.op ?? "find", filter: filterShape(filter), sort: opts.sort ?? [], limited: opts.limited ?? false };
}

const served = (query: ReturnType<typeof q>, indexes: DeclaredIndex[]) => judge(query, indexes, []).served;

describe("the rule: a declared index whose first key the filter bounds, and which holds the sort", () => {
  it("refuses a query whose fields no index starts with", () => {
    expect(served(q({ name: "Ada" }), [users(["email"], true)])).toBe(false);
    // An index that holds the field, but not first, serves nothing.
    expect(served(q({ reconciledAt: { $lte: 1 } }), [users(["subscriptionStatus", "reconciledAt"])])).toBe(false);
  });

  it("serves equality and range on an index's first key, and the index's prefix does not need the rest", () => {
    const ix = [users(["status", "nextAttemptAt"])];
    expect(served(q({ status: "received" }), ix)).toBe(true);
    expect(served(q({ status: { $in: ["failed", "received"] }, other: 1 }), ix)).toBe(true);
    expect(served(q({ status: { $ne: "free" } }), ix)).toBe(true);
    expect(served(q({ status: { $gte: "a" } }), ix)).toBe(true);
  });

  it("counts $exists, $regex and $not as bounding nothing", () => {
    const ix = [users(["payload"])];
    for (const op of [{ $exists: true }, { $regex: "x" }, { $not: { $eq: 1 } }]) expect(served(q({ payload: op }), ix)).toBe(false);
  });

  it("needs every sort field in the index, unless a unique index pins one document", () => {
    const ix = [users(["factsChangedAt"]), users(["email"], true)];
    expect(served(q({ factsChangedAt: { $gte: 1 } }, { sort: ["reconciledAt"] }), ix)).toBe(false);
    expect(served(q({ factsChangedAt: { $gte: 1 } }, { sort: ["reconciledAt"] }), [users(["factsChangedAt", "reconciledAt"])])).toBe(true);
    expect(served(q({ email: "e" }, { sort: ["reconciledAt"] }), ix)).toBe(true);
    // $in on a unique key may match several documents: their sort is not pinned.
    expect(served(q({ email: { $in: ["a", "b"] } }, { sort: ["reconciledAt"] }), ix)).toBe(false);
    // The implicit _id index pins too.
    expect(served(q({ _id: "x", status: "received" }, { sort: ["receivedAt"] }), [])).toBe(true);
  });

  it("serves a query with no filter only as a limited walk of an index in its sort order", () => {
    const ix = [users(["at"])];
    expect(served(q({}, { sort: ["at"], limited: true }), ix)).toBe(true);
    expect(served(q({}, { sort: ["at"], limited: false }), ix)).toBe(false);
    expect(served(q({}, { sort: ["other"], limited: true }), ix)).toBe(false);
    expect(served(q({}), ix)).toBe(false);
    // A filter that bounds nothing is no walk: the whole index could pass before the limit.
    expect(served(q({ payload: { $regex: "x" } }, { sort: ["at"], limited: true }), ix)).toBe(false);
  });

  it("serves a count with no filter from the collection's metadata, not an aggregate's count", () => {
    expect(served(q({}, { op: "count" }), [])).toBe(true);
    expect(served(q({}, { op: "aggregate" }), [])).toBe(false);
  });

  it("needs every $or branch served, with the fields beside the $or", () => {
    const ix = [users(["planUntil"]), users(["email"], true)];
    expect(served(q({ $or: [{ planUntil: null }, { planUntil: { $gt: 1 } }] }), ix)).toBe(true);
    expect(served(q({ $or: [{ planUntil: null }, { name: "x" }] }), ix)).toBe(false);
    expect(served(q({ email: "e", $or: [{ leaseUntil: null }, { leaseUntil: { $lte: 1 } }] }), ix)).toBe(true);
  });

  it("lets through an allowed scan only for its collection and exact fields", () => {
    const allow = [{ collection: "products", fields: ["isArchived", "plan"], why: "a handful of documents" }];
    expect(judge(q({ plan: { $ne: null }, isArchived: false }, { collection: "products" }), [], allow)).toEqual({ served: true, by: "allowed scan: a handful of documents" });
    expect(judge(q({ plan: { $ne: null } }, { collection: "products" }), [], allow).served).toBe(false);
    expect(judge(q({ plan: { $ne: null }, isArchived: false }), [], allow).served).toBe(false);
  });
});

describe("declared indexes come from the models' schemas", () => {
  it("include path-level index and unique, schema-level compound indexes, and _id", () => {
    const schema = new Schema({ email: { type: String, unique: true }, plan: { type: String, index: true }, at: Date });
    schema.index({ plan: 1, at: -1 });
    expect(declaredIndexes([{ collection: { collectionName: "things" }, schema }])).toEqual([
      { collection: "things", keys: ["_id"], unique: true },
      { collection: "things", keys: ["email"], unique: true },
      { collection: "things", keys: ["plan"], unique: false },
      { collection: "things", keys: ["plan", "at"], unique: false },
    ]);
  });

  it("a query on a field no model in models/ indexes is refused", async () => {
    const indexes = declaredIndexes(await loadAppModels());
    expect(judge(q({ email: "e" }), indexes).served).toBe(true);
    expect(judge(q({ name: "Ada" }), indexes).served).toBe(false);
  });
});

describe("the check over a run's recorded queries", () => {
  const rec = (source: string, filter: Record<string, unknown>): RecordedQuery => ({ ...q(filter), source });

  it("lists each unserved shape once with every place it came from, and leaves test code's own queries alone", () => {
    const report = checkCoverage(
      [
        rec("lib/users.ts:10 find < tests/integration/a.test.ts:1", { name: "x" }),
        rec("lib/users.ts:10 find < tests/integration/b.test.ts:2", { name: "y" }),
        rec("lib/users.ts:20 byEmail", { email: "e" }),
        rec("tests/helpers/db.ts:29 clearCollections", {}),
      ],
      [users(["email"], true)],
      [],
    );
    expect(report).toEqual({
      checked: 3,
      fromTests: 1,
      shapes: 2,
      unserved: [{ query: "users {name}", ops: ["find"], count: 2, sources: ["lib/users.ts:10 find < tests/integration/a.test.ts:1", "lib/users.ts:10 find < tests/integration/b.test.ts:2"] }],
    });
  });
});
