import type { EventRecord, FilterClause, MeterAggregation, MeterFilter } from "./usage-records";

/**
 * Which events a meter selects and what it adds up to, as Polar computes balances and
 * quantities: the SQL side of server/polar/meter/filter.py (`FilterClause.get_sql_clause`) and
 * server/polar/meter/aggregation.py (`get_sql_clause`, `get_sql_column`), which customer meters
 * (customer_meter/service.py) and `GET /v1/meters/{id}/quantities` (meter/service.py) run.
 * Polar's Python `matches` differs in corners (a string property compared with a number), and
 * only decides which events get billing entries; the SQL is what customers see.
 */

type Event = Pick<EventRecord, "name" | "source" | "timestamp" | "metadata">;

/** `metadata.a.b` and `a.b` both read `metadata["a"]["b"]` (Polar strips the prefix when parsing). */
export const stripMetadataPrefix = (property: string): string => property.replace(/^metadata\./, "");

/** Polar's `get_nested_metadata_attr`: a dot path into the metadata; undefined when absent. */
export function metadataValue(metadata: Record<string, unknown>, path: string): unknown {
  let value: unknown = metadata;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Postgres' `extract(epoch ...)` cast to bigint: rounded, not truncated. */
const epochSeconds = (iso: string): number => Math.round(Date.parse(iso) / 1000);

// `_get_str_value`: a boolean becomes Postgres' text form of a boolean.
const strValue = (v: string | number | boolean): string => (typeof v === "boolean" ? (v ? "t" : "f") : String(v));

/** `->>` on a jsonb value: its text (a string unquoted, numbers and booleans as JSON writes them). */
function jsonText(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  return typeof v === "string" ? v : JSON.stringify(v);
}

function compare(op: FilterClause["operator"], actual: string | number | boolean, expected: string | number | boolean): boolean {
  const a = typeof actual === "boolean" ? Number(actual) : actual;
  const e = typeof expected === "boolean" ? Number(expected) : expected;
  switch (op) {
    case "eq":
      return a === e;
    case "ne":
      return a !== e;
    case "gt":
      return a > e;
    case "gte":
      return a >= e;
    case "lt":
      return a < e;
    case "lte":
      return a <= e;
    case "like":
      return String(actual).includes(String(expected));
    case "not_like":
      return !String(actual).includes(String(expected));
  }
}

const FILTERABLE: Record<string, "string" | "number"> = { name: "string", source: "string", timestamp: "number" };

export function clauseMatches(clause: FilterClause, event: Event): boolean {
  const like = clause.operator === "like" || clause.operator === "not_like";
  const property = stripMetadataPrefix(clause.property);
  const column = FILTERABLE[property];
  if (column) {
    // A value of another type than the column's never matches (Polar answers `false()`).
    if (typeof clause.value !== column) return false;
    const actual = property === "timestamp" ? epochSeconds(event.timestamp) : property === "name" ? event.name : event.source;
    return like ? compare(clause.operator, String(actual), strValue(clause.value)) : compare(clause.operator, actual, clause.value);
  }
  const attr = metadataValue(event.metadata, property);
  if (like) {
    // NULL LIKE ... is NULL: an absent property matches neither `like` nor `not_like`.
    const text = jsonText(attr);
    return text !== null && compare(clause.operator, text, strValue(clause.value));
  }
  // Polar's CASE on jsonb_typeof: strings compare as text, numbers with a number (or a boolean
  // as 1/0), booleans with a boolean; anything else (absent, null, an object) is NULL: no match.
  if (typeof attr === "string") return compare(clause.operator, attr, strValue(clause.value));
  if (typeof attr === "number") return typeof clause.value !== "string" && compare(clause.operator, attr, Number(clause.value));
  if (typeof attr === "boolean") return typeof clause.value === "boolean" && compare(clause.operator, attr, clause.value);
  return false;
}

export function isClause(c: FilterClause | MeterFilter): c is FilterClause {
  return "operator" in c;
}

/** `and` needs every clause, `or` any; an empty filter selects everything. */
export function filterMatches(filter: MeterFilter, event: Event): boolean {
  if (!filter.clauses.length) return true;
  const results = filter.clauses.map((c) => (isClause(c) ? clauseMatches(c, event) : filterMatches(c, event)));
  return filter.conjunction === "and" ? results.every(Boolean) : results.some(Boolean);
}

/** The numeric value a property aggregation reads, or undefined when the event has none. */
function numericValue(aggregation: Extract<MeterAggregation, { property: string }>, event: Event): number | undefined {
  const property = stripMetadataPrefix(aggregation.property);
  if (FILTERABLE[property]) return property === "timestamp" ? epochSeconds(event.timestamp) : undefined;
  const v = metadataValue(event.metadata, property);
  return typeof v === "number" ? v : undefined;
}

/**
 * The aggregation's own clause: `sum`, `max`, `min` and `avg` only take events whose property is
 * a number (`jsonb_typeof = 'number'`); `count` and `unique` take every event.
 */
export function aggregationAccepts(aggregation: MeterAggregation, event: Event): boolean {
  if (aggregation.func === "count" || aggregation.func === "unique") return true;
  return numericValue(aggregation, event) !== undefined;
}

/** An event the meter selects: its filter and its aggregation's clause (`get_meter_clause`). */
export const meterSelects = (meter: { filter: MeterFilter; aggregation: MeterAggregation }, event: Event): boolean =>
  filterMatches(meter.filter, event) && aggregationAccepts(meter.aggregation, event);

// jsonb equality ignores key order: a canonical text for `count(distinct ...)`.
function canonical(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(",")}}`;
}

/**
 * The meter's quantity over events it selects: `count(id)`, `count(distinct property)`, or
 * `sum`/`max`/`min`/`avg` of the property as a float; no events (or no values) gives 0, as
 * Polar's `coalesce(..., 0)`.
 */
export function aggregate(aggregation: MeterAggregation, events: readonly Event[]): number {
  switch (aggregation.func) {
    case "count":
      return events.length;
    case "unique": {
      const seen = new Set<string>();
      for (const e of events) {
        const v = metadataValue(e.metadata, stripMetadataPrefix(aggregation.property));
        if (v !== undefined && v !== null) seen.add(canonical(v));
      }
      return seen.size;
    }
    default: {
      const values = events.map((e) => numericValue(aggregation, e)).filter((v): v is number => v !== undefined);
      if (!values.length) return 0;
      if (aggregation.func === "sum") return values.reduce((a, b) => a + b, 0);
      // A reduce, not Math.max(...values): a meter may count more events than a call has arguments.
      if (aggregation.func === "max") return values.reduce((a, b) => (b > a ? b : a));
      if (aggregation.func === "min") return values.reduce((a, b) => (b < a ? b : a));
      return values.reduce((a, b) => a + b, 0) / values.length;
    }
  }
}

/** Whether the quantity of a union of event sets is the sum of each set's (`is_summable`). */
export const isSummable = (aggregation: MeterAggregation): boolean => aggregation.func === "count" || aggregation.func === "sum";
