/**
 * The shape of a database command: which collection, which field paths its filter constrains and
 * with which operators, which fields it sorts on. Values are never kept: a shape names fields and
 * operators only, so a file of shapes holds no email, id or amount. Pure: the recorder
 * (query-recorder.ts) feeds it the driver's commands, the checker (index-coverage.ts) judges it.
 */

/** One line of a query log: a shape and the code it came from (lib/db/query-recorder.ts). */
export interface RecordedQuery extends QueryShape {
  /** The innermost and outermost frames of this project's code: `lib/users.ts:51 findUserByEmail < tests/...`. */
  source: string;
}

/** A filter's conjunction: each field path with the operators applied to it (`$eq` for a plain value). */
export interface FilterShape {
  fields: Record<string, string[]>;
  /** One entry per `$or` in the conjunction; each lists its branches. */
  or?: FilterShape[][];
}

export interface QueryShape {
  collection: string;
  /** The command: find, findAndModify, update, delete, aggregate, count, distinct. */
  op: string;
  filter: FilterShape;
  /** Sort fields in order (directions do not matter to the rule). */
  sort: string[];
  /** A limit stops the command early (findOne, a limit, a single update or delete). */
  limited: boolean;
}

type Doc = Record<string, unknown>;

function isPlainObject(value: unknown): value is Doc {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

// `$options` belongs to `$regex`; it constrains nothing by itself.
const MODIFIERS = new Set(["$options"]);

/** The operators a filter applies to one field: `{ $gte: x, $lt: y }` -> both; a value -> `$eq`. */
function operatorsOf(value: unknown): string[] {
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length > 0 && keys.every((k) => k.startsWith("$"))) return keys.filter((k) => !MODIFIERS.has(k));
  }
  // A value: a string, number, null, Date, ObjectId, array or embedded document matched whole.
  return ["$eq"];
}

function merge(into: FilterShape, from: FilterShape): void {
  for (const [path, ops] of Object.entries(from.fields)) into.fields[path] = [...new Set([...(into.fields[path] ?? []), ...ops])];
  if (from.or) into.or = [...(into.or ?? []), ...from.or];
}

/** The shape of a query filter; `$and` is folded into the conjunction, `$nor` counts as no constraint. */
export function filterShape(filter: unknown): FilterShape {
  const shape: FilterShape = { fields: {} };
  if (!isPlainObject(filter)) return shape;
  for (const [key, value] of Object.entries(filter)) {
    if (key === "$and" && Array.isArray(value)) for (const part of value) merge(shape, filterShape(part));
    else if (key === "$or" && Array.isArray(value)) shape.or = [...(shape.or ?? []), value.map(filterShape)];
    else if (key === "$nor" && Array.isArray(value)) {
      // Documents matching none of the branches: an index bounds none of their fields.
      for (const part of value) for (const path of Object.keys(filterShape(part).fields)) merge(shape, { fields: { [path]: ["$nor"] } });
    } else if (key.startsWith("$")) continue; // $expr, $comment, $text...: no field path an index could serve
    else merge(shape, { fields: { [key]: operatorsOf(value) } });
  }
  return shape;
}

function sortFields(sort: unknown): string[] {
  if (sort instanceof Map) return [...sort.keys()].map(String).filter((k) => k !== "$natural");
  if (!isPlainObject(sort)) return [];
  return Object.keys(sort).filter((k) => k !== "$natural");
}

const positive = (n: unknown) => typeof n === "number" && n > 0;

/** The leading `$match` stages folded together, the first `$sort`, and a `$limit` after it. */
function pipelineShape(pipeline: unknown): Pick<QueryShape, "filter" | "sort" | "limited"> {
  const filter: FilterShape = { fields: {} };
  let sort: string[] = [];
  let limited = false;
  for (const stage of Array.isArray(pipeline) ? pipeline : []) {
    if (!isPlainObject(stage)) break;
    if ("$match" in stage) merge(filter, filterShape(stage.$match));
    else if ("$sort" in stage && sort.length === 0) sort = sortFields(stage.$sort);
    else if ("$limit" in stage) {
      limited = true;
      break;
    } else break; // a $group, $project, $lookup...: what follows reads the stages' output, not the collection
  }
  return { filter, sort, limited };
}

/**
 * The shapes of one command as the driver sends it (`CommandStartedEvent.command`), one per
 * statement (an `update` or `delete` may carry several); none for a command that reads no
 * documents by a filter (insert, createIndexes, getMore, hello...).
 */
export function commandShapes(commandName: string, command: Doc): QueryShape[] {
  const collection = String(command[commandName] ?? "");
  const shape = (filter: unknown, sort: unknown, limited: boolean): QueryShape => ({
    collection,
    op: commandName,
    filter: filterShape(filter),
    sort: sortFields(sort),
    limited,
  });
  switch (commandName) {
    case "find":
      return [shape(command.filter, command.sort, positive(command.limit))];
    case "findAndModify":
      return [shape(command.query, command.sort, true)];
    case "update":
      return (Array.isArray(command.updates) ? command.updates : []).filter(isPlainObject).map((u) => shape(u.q, u.sort, u.multi !== true));
    case "delete":
      return (Array.isArray(command.deletes) ? command.deletes : []).filter(isPlainObject).map((d) => shape(d.q, undefined, d.limit === 1));
    case "count":
      return [shape(command.query, undefined, positive(command.limit))];
    case "distinct":
      return [shape(command.query, undefined, false)];
    case "aggregate":
      // `aggregate: 1` is a database-level pipeline ($currentOp...): no collection to serve.
      if (typeof command.aggregate !== "string") return [];
      return [{ collection, op: commandName, ...pipelineShape(command.pipeline) }];
    default:
      return [];
  }
}

/** `users {email=, planUntil<>} sort {reconciledAt}`: a shape as a person reads it. */
export function describeShape(shape: Pick<QueryShape, "collection" | "filter" | "sort">): string {
  const sort = shape.sort.length ? ` sort {${shape.sort.join(", ")}}` : "";
  return `${shape.collection} ${describeFilter(shape.filter)}${sort}`;
}

function describeFilter(filter: FilterShape): string {
  const parts = Object.entries(filter.fields).map(([path, ops]) => `${path}${ops.length === 1 && ops[0] === "$eq" ? "" : ` ${ops.join(" ")}`}`);
  for (const group of filter.or ?? []) parts.push(`$or [${group.map(describeFilter).join(" | ")}]`);
  return `{${parts.join(", ")}}`;
}
