import type { DeclaredIndex } from "./declared-indexes";
import { describeShape, type FilterShape, type QueryShape, type RecordedQuery } from "./query-shape";

/**
 * Whether MongoDB (Atlas) can serve a query from the indexes the models declare. Locally the
 * database is FerretDB, which scans whatever the indexes, so a query without one passes every
 * test and scans on Atlas; this rule is what catches it. Pure: shapes and indexes in, verdicts out.
 *
 * The rule (the README's "Queries Atlas can serve" states the same):
 * - A filter field is bounded when it is compared by equality (a value, `$eq`, `$in`) or by a
 *   range (`$gt`, `$gte`, `$lt`, `$lte`, `$ne`, `$nin`: index bounds on one key). `$exists`,
 *   `$regex`, `$not`, `$elemMatch` and the like bound nothing.
 * - An index serves a query when its first key is a bounded filter field, and every sort field
 *   of the query is one of the index's keys. The sort needs no index when the query is pinned to
 *   one document: equality on every key of a unique index (`_id` included).
 * - A query with no filter at all is served by an index whose leading keys are its sort fields,
 *   in order, if it has a limit: a walk of the index that stops at the limit.
 * - A `count` with no filter is served: MongoDB answers it from the collection's metadata
 *   (`estimatedDocumentCount`).
 * - `$or`: every branch (with the fields beside the `$or`) must be served.
 * - The few scans the app means to make are listed in ALLOWED_SCANS, with why.
 */

/** A scan the app means to make: a query on `collection` whose filter names exactly `fields`. */
export interface AllowedScan {
  collection: string;
  fields: string[];
  why: string;
}

/**
 * The one list of unindexed queries allowed, each with its reason. A query missing here and
 * from the indexes fails the check; a new entry is a decision to scan on Atlas.
 */
export const ALLOWED_SCANS: AllowedScan[] = [
  // The product catalogue is a handful of documents synced from Polar (a product per plan and
  // interval), read whole when a plan is recomputed (lib/billing/store.ts) ...
  { collection: "products", fields: [], why: "the catalogue, read whole: a handful of documents" },
  // ... and as the pricing page lists it (lib/plans/catalogue.ts), sorted in memory.
  { collection: "products", fields: ["isArchived", "plan"], why: "the pricing page's catalogue: a handful of documents" },
  // The operator's search of stored payloads for an email (/admin, lib/admin/queries.ts): a
  // substring no index holds. It walks the receivedAt index newest first to the page's limit,
  // over at most the 90 days of events kept; an operator's look, not a customer's request.
  { collection: "webhookevents", fields: ["payload"], why: "the operator's search of payloads by email: a substring, no index can hold it" },
];

const EQUALITY = new Set(["$eq", "$in"]);
const RANGE = new Set(["$gt", "$gte", "$lt", "$lte", "$ne", "$nin"]);

/** One conjunction: each field path with its operators. */
type Branch = Record<string, string[]>;

/** The conjunctions a filter's `$or`s expand to: one, for a filter without `$or`. */
export function branches(filter: FilterShape): Branch[] {
  let result: Branch[] = [{ ...filter.fields }];
  for (const group of filter.or ?? []) {
    const alternatives = group.flatMap(branches);
    result = result.flatMap((base) => alternatives.map((alt) => mergeBranch(base, alt)));
  }
  return result;
}

function mergeBranch(a: Branch, b: Branch): Branch {
  const merged: Branch = { ...a };
  for (const [path, ops] of Object.entries(b)) merged[path] = [...new Set([...(merged[path] ?? []), ...ops])];
  return merged;
}

const bounded = (branch: Branch, path: string) => (branch[path] ?? []).some((op) => EQUALITY.has(op) || RANGE.has(op));
// `$eq` alone: an `$in` on a unique key still matches several documents.
const single = (branch: Branch, path: string) => (branch[path] ?? []).includes("$eq");

export type Verdict = { served: true; by: string } | { served: false };

type Judged = Pick<QueryShape, "collection" | "op" | "filter" | "sort" | "limited">;

/** Whether one conjunction of `query` is served by one of `indexes` (those of its collection). */
function judgeBranch(query: Judged, branch: Branch, indexes: DeclaredIndex[]): Verdict {
  const paths = Object.keys(branch);
  if (paths.length === 0 && query.op === "count") return { served: true, by: "collection metadata" };
  const pinned = indexes.some((ix) => ix.unique && ix.keys.every((key) => single(branch, key)));
  for (const index of indexes) {
    const first = index.keys[0];
    if (first === undefined) continue;
    if (bounded(branch, first) && (pinned || query.sort.every((field) => index.keys.includes(field)))) return { served: true, by: index.keys.join(", ") };
    const walk = paths.length === 0 && query.limited && query.sort.length > 0 && query.sort.every((field, i) => index.keys[i] === field);
    if (walk) return { served: true, by: `${index.keys.join(", ")} (walked in order to the limit)` };
  }
  return { served: false };
}

function allowed(query: Judged, allow: AllowedScan[]): AllowedScan | undefined {
  const fields = [...new Set(branches(query.filter).flatMap(Object.keys))].sort();
  return allow.find((a) => a.collection === query.collection && a.fields.length === fields.length && [...a.fields].sort().every((f, i) => f === fields[i]));
}

/** Whether `query` is served by `indexes` (any collection's; the implicit `_id` is assumed) or allowed. */
export function judge(query: Judged, indexes: DeclaredIndex[], allow: AllowedScan[] = ALLOWED_SCANS): Verdict {
  const own = [{ collection: query.collection, keys: ["_id"], unique: true }, ...indexes.filter((ix) => ix.collection === query.collection)];
  const verdicts = branches(query.filter).map((branch) => judgeBranch(query, branch, own));
  if (verdicts.every((v) => v.served)) return { served: true, by: [...new Set(verdicts.map((v) => (v.served ? v.by : "")))].join(" + ") };
  const scan = allowed(query, allow);
  return scan ? { served: true, by: `allowed scan: ${scan.why}` } : { served: false };
}

export interface Unserved {
  /** `users {factsChangedAt $gte} sort {reconciledAt}` */
  query: string;
  ops: string[];
  count: number;
  /** Where it came from, each place once. */
  sources: string[];
}

/** Whether a recorded query is the app's: test code's own fixtures and clean-ups are not checked. */
export function fromTests(source: string): boolean {
  return source.split(" < ")[0]!.startsWith("tests/");
}

export interface CoverageReport {
  /** Queries judged (the app's), and those left alone because test code sent them. */
  checked: number;
  fromTests: number;
  /** Distinct shapes judged. */
  shapes: number;
  unserved: Unserved[];
}

/** Judges every query the app recorded, grouped by shape: what fails is listed once, with every place it came from. */
export function checkCoverage(recorded: RecordedQuery[], indexes: DeclaredIndex[], allow: AllowedScan[] = ALLOWED_SCANS): CoverageReport {
  const app = recorded.filter((q) => !fromTests(q.source));
  const byShape = new Map<string, { sample: RecordedQuery; ops: Set<string>; count: number; sources: Set<string> }>();
  for (const q of app) {
    const key = `${describeShape(q)}${q.limited ? "" : " unlimited"}${q.op === "count" ? " count" : ""}`;
    const entry = byShape.get(key) ?? { sample: q, ops: new Set<string>(), count: 0, sources: new Set<string>() };
    entry.ops.add(q.op);
    entry.count++;
    entry.sources.add(q.source);
    byShape.set(key, entry);
  }
  const unserved: Unserved[] = [];
  for (const { sample, ops, count, sources } of byShape.values()) {
    if (judge(sample, indexes, allow).served) continue;
    unserved.push({ query: describeShape(sample), ops: [...ops].sort(), count, sources: [...sources].sort() });
  }
  unserved.sort((a, b) => a.query.localeCompare(b.query));
  return { checked: app.length, fromTests: recorded.length - app.length, shapes: byShape.size, unserved };
}
