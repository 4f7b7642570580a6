import { z } from "zod";
import type { ApiDeps, Route } from "./api";
import { namedValidationError, notFound, readJson, sendJson, type ValidationIssue } from "./http";
import { customerMeterBalance } from "./meter-balance";
import { filterMatches, meterSelects } from "./meter-filter";
import { meterQuantities, underLimits, type AggregationFunction, type TimeInterval } from "./meter-quantities";
import { anyOf, bool } from "./query";
import { paginate, toProduct, usageContext, wire } from "./serialize";
import { benefitGrantJson, customerMeterJson, eventJson, toBenefit, toMeter, usageWire } from "./serialize-usage";
import type { CustomerRecord } from "./store";
import type { EventRecord, MeterFilter } from "./usage-records";
import { meterFilter } from "./usage-seed";
import { pageParams, parseOr422, uuidPath } from "./validation";

/**
 * Polar's usage endpoints (server/polar/{event,meter,benefit,benefit/grant,customer_meter}/
 * endpoints.py, product/endpoints.py `update_benefits`), in its JSON and its default order:
 * meters by name, events newest first, benefits and grants newest first, customer meters by
 * last change. Sorting parameters are accepted and ignored.
 */

const newestFirst = <T extends { createdAt: string }>(a: T, b: T): number => b.createdAt.localeCompare(a.createdAt);

/** `{"benefits": [uuid, ...]}` (Polar's ProductBenefitsUpdate). */
const productBenefitsBody = z.object({ benefits: z.array(z.uuid()) });

const INTERVALS = ["year", "month", "week", "day", "hour"] as const;
const FUNCTIONS = ["count", "sum", "max", "min", "avg", "unique"] as const;
const MIN_DATETIME = Date.UTC(2023, 0, 1);

/** A query timestamp as FastAPI reads an `AwareDatetime`. */
function queryDate(query: URLSearchParams, name: string, required: boolean): Date | null {
  const raw = query.get(name);
  if (raw === null) {
    if (!required) return null;
    throw namedValidationError("RequestValidationError", [{ type: "missing", loc: ["query", name], msg: "Field required", input: null }]);
  }
  const at = new Date(raw);
  if (Number.isNaN(at.getTime())) {
    throw namedValidationError("RequestValidationError", [{ type: "datetime_from_date_parsing", loc: ["query", name], msg: "Input should be a valid datetime or date, invalid datetime", input: raw }]);
  }
  if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(raw)) {
    throw namedValidationError("RequestValidationError", [{ type: "timezone_aware", loc: ["query", name], msg: "Input should have timezone info", input: raw }]);
  }
  return at;
}

function queryEnum<T extends string>(query: URLSearchParams, name: string, values: readonly T[], required: boolean): T | null {
  const raw = query.get(name);
  if (raw === null) {
    if (!required) return null;
    throw namedValidationError("RequestValidationError", [{ type: "missing", loc: ["query", name], msg: "Field required", input: null }]);
  }
  if (!(values as readonly string[]).includes(raw)) {
    const expected = values.map((v) => `'${v}'`).join(", ").replace(/, ([^,]*)$/, " or $1");
    throw namedValidationError("RequestValidationError", [{ type: "enum", loc: ["query", name], msg: `Input should be ${expected}`, input: raw, ctx: { expected } }]);
  }
  return raw as T;
}

/** The events list's `filter`: a meter filter as JSON text (Polar's `Filter.model_validate_json`). */
function eventsFilter(raw: string | null): MeterFilter | null {
  if (raw === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw namedValidationError("RequestValidationError", [{ type: "json_invalid", loc: [], msg: "Invalid JSON", input: raw }]);
  }
  return parseOr422(meterFilter, json, "query");
}

export function usageRoutes(deps: ApiDeps): Route[] {
  const { store, flows, ctx } = deps;
  const uctx = usageContext(ctx);
  const found = <T>(value: T | undefined): T => {
    if (value === undefined) throw notFound();
    return value;
  };

  /** `customer_id` and `external_customer_id` filters as Polar resolves them: to ids and external ids. */
  const customerFilter = (query: URLSearchParams): ((e: EventRecord) => boolean) | null => {
    const ids = query.getAll("customer_id");
    const externals = query.getAll("external_customer_id");
    if (!ids.length && !externals.length) return null;
    const customerIds = new Set<string>();
    const externalIds = new Set<string>();
    for (const id of ids) {
      customerIds.add(id);
      const c = store.customers.get(id);
      if (c?.externalId) externalIds.add(c.externalId);
    }
    for (const external of externals) {
      externalIds.add(external);
      const c = store.customerByExternalId(external);
      if (c) customerIds.add(c.id);
    }
    return (e) => (e.customerId !== null && customerIds.has(e.customerId)) || (e.externalCustomerId !== null && externalIds.has(e.externalCustomerId));
  };

  const customersMatching = (query: URLSearchParams): ((c: CustomerRecord) => boolean) | null => {
    const byId = anyOf(query, "customer_id");
    const byExternal = anyOf(query, "external_customer_id");
    if (!byId && !byExternal) return null;
    return (c) => (byId?.(c.id) ?? true) && (byExternal?.(c.externalId) ?? true);
  };

  return [
    {
      method: "POST",
      pattern: /^\/v1\/events\/ingest\/?$/,
      handler: async (req, res) => {
        const { inserted, duplicates } = flows.events.ingest(await readJson(req));
        sendJson(res, 200, usageWire.ingestResponse(inserted, duplicates));
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/events\/?$/,
      handler: (_req, res, _p, query) => {
        const { page, limit } = pageParams(query);
        const byCustomer = customerFilter(query);
        const byName = anyOf(query, "name");
        const bySource = anyOf(query, "source");
        const meterId = query.get("meter_id");
        const meter = meterId === null ? null : store.meters.get(uuidPath("meter_id", meterId));
        const start = queryDate(query, "start_timestamp", false);
        const end = queryDate(query, "end_timestamp", false);
        const filter = eventsFilter(query.get("filter"));
        const all = [...store.events.values()]
          .filter((e) => {
            if (filter && !filterMatches(filter, e)) return false;
            if (byCustomer && !byCustomer(e)) return false;
            if (byName && !byName(e.name)) return false;
            if (bySource && !bySource(e.source)) return false;
            if (meterId !== null && (!meter || !meterSelects(meter, e))) return false;
            if (start && Date.parse(e.timestamp) < start.getTime()) return false;
            if (end && Date.parse(e.timestamp) > end.getTime()) return false;
            return true;
          })
          .sort((a, b) => b.timestamp.localeCompare(a.timestamp) || b.ingestedAt.localeCompare(a.ingestedAt));
        const { items, pagination } = paginate(all, page, limit);
        sendJson(res, 200, usageWire.eventList(items.map((e) => eventJson(e, uctx)), pagination));
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/events\/([^/]+)\/?$/,
      handler: (_req, res, [id = ""]) => {
        sendJson(res, 200, usageWire.event(eventJson(found(store.events.get(uuidPath("id", id))), uctx)));
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/meters\/?$/,
      handler: (_req, res, _p, query) => {
        const { page, limit } = pageParams(query);
        const text = query.get("query")?.toLowerCase() ?? null;
        const archived = bool(query, "is_archived");
        const all = [...store.meters.values()]
          .filter((m) => (text === null || m.name.toLowerCase().includes(text)) && (archived === null || (m.archivedAt !== null) === archived))
          .sort((a, b) => a.name.localeCompare(b.name));
        const { items, pagination } = paginate(all, page, limit);
        sendJson(res, 200, usageWire.meterList(items.map((m) => toMeter(m, store.organizationId)), pagination));
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/meters\/([^/]+)\/quantities\/?$/,
      handler: (_req, res, [id = ""], query) => {
        const meter = found(store.meters.get(uuidPath("id", id)));
        const start = queryDate(query, "start_timestamp", true) as Date;
        const end = queryDate(query, "end_timestamp", true) as Date;
        const interval = queryEnum<TimeInterval>(query, "interval", INTERVALS, true) as TimeInterval;
        const customerAggregation = queryEnum<AggregationFunction>(query, "customer_aggregation_function", FUNCTIONS, false);
        const problems: ValidationIssue[] = [];
        if (start.getTime() < MIN_DATETIME) {
          problems.push({ type: "greater_than_equal", loc: ["query", "start_timestamp"], msg: "Input should be greater than or equal to 2023-01-01T00:00:00Z", input: query.get("start_timestamp") });
        }
        const timezone = query.get("timezone") ?? "UTC";
        if (timezone !== "UTC") problems.push({ type: "value_error", loc: ["query", "timezone"], msg: "The Polar emulator computes quantities in UTC only.", input: timezone });
        if (problems.length) throw namedValidationError("RequestValidationError", problems);
        if (!underLimits(start, end, interval)) {
          throw namedValidationError("PolarRequestValidationError", [
            { type: "value_error", loc: ["query"], msg: "The interval is too small for the given date range. Use a larger interval or reduce the date range.", input: [start.toISOString(), end.toISOString(), interval] },
          ]);
        }
        const byCustomer = customerFilter(query);
        const events = [...store.events.values()].filter((e) => !byCustomer || byCustomer(e));
        const { quantities, total } = meterQuantities(meter, events, { start, end, interval, customerAggregation });
        sendJson(res, 200, usageWire.meterQuantities(quantities, total));
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/meters\/([^/]+)\/?$/,
      handler: (_req, res, [id = ""]) => {
        sendJson(res, 200, usageWire.meter(toMeter(found(store.meters.get(uuidPath("id", id))), store.organizationId)));
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/benefits\/?$/,
      handler: (_req, res, _p, query) => {
        const { page, limit } = pageParams(query);
        const byType = anyOf(query, "type");
        const byId = anyOf(query, "id");
        const excluded = new Set(query.getAll("exclude_id"));
        const text = query.get("query")?.toLowerCase() ?? null;
        const all = [...store.benefits.values()]
          .filter((b) => (!byType || byType(b.type)) && (!byId || byId(b.id)) && !excluded.has(b.id) && (text === null || b.description.toLowerCase().includes(text)))
          .sort(newestFirst);
        const { items, pagination } = paginate(all, page, limit);
        sendJson(res, 200, usageWire.benefitList(items.map((b) => toBenefit(b, store.organizationId)), pagination));
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/benefits\/([^/]+)\/grants\/?$/,
      handler: (_req, res, [id = ""], query) => {
        const benefit = found(store.benefits.get(uuidPath("id", id)));
        const { page, limit } = pageParams(query);
        const granted = bool(query, "is_granted");
        const byCustomer = anyOf(query, "customer_id");
        const all = [...store.grants.values()]
          .filter((g) => g.benefitId === benefit.id && (granted === null || (g.grantedAt !== null) === granted) && (!byCustomer || byCustomer(g.customerId)))
          .sort(newestFirst);
        const { items, pagination } = paginate(all, page, limit);
        sendJson(res, 200, usageWire.benefitGrantList(items.map((g) => benefitGrantJson(g, uctx)), pagination));
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/benefits\/([^/]+)\/?$/,
      handler: (_req, res, [id = ""]) => {
        sendJson(res, 200, usageWire.benefit(toBenefit(found(store.benefits.get(uuidPath("id", id))), store.organizationId)));
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/benefit-grants\/?$/,
      handler: (_req, res, _p, query) => {
        const { page, limit } = pageParams(query);
        const granted = bool(query, "is_granted");
        const byCustomer = customersMatching(query);
        const all = [...store.grants.values()]
          .filter((g) => {
            if (granted !== null && (g.grantedAt !== null) !== granted) return false;
            const customer = store.customers.get(g.customerId);
            return !byCustomer || (customer !== undefined && byCustomer(customer));
          })
          .sort(newestFirst);
        const { items, pagination } = paginate(all, page, limit);
        sendJson(res, 200, usageWire.benefitGrantList(items.map((g) => benefitGrantJson(g, uctx)), pagination));
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/customer-meters\/?$/,
      handler: (_req, res, _p, query) => {
        const { page, limit } = pageParams(query);
        const byCustomer = customersMatching(query);
        const byMeter = anyOf(query, "meter_id");
        const all = [...store.customerMeters.values()]
          .filter((cm) => {
            const customer = store.customers.get(cm.customerId);
            const meter = store.meters.get(cm.meterId);
            if (!customer || !meter) return false;
            // Archived meters are left out unless asked for by id.
            if (byMeter ? !byMeter(cm.meterId) : meter.archivedAt !== null) return false;
            return !byCustomer || byCustomer(customer);
          })
          .sort((a, b) => (b.modifiedAt ?? b.createdAt).localeCompare(a.modifiedAt ?? a.createdAt));
        const { items, pagination } = paginate(all, page, limit);
        const json = items.map((cm) => customerMeterJson(cm, balanceOf(cm.customerId, cm.meterId), uctx));
        sendJson(res, 200, usageWire.customerMeterList(json, pagination));
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/customer-meters\/([^/]+)\/?$/,
      handler: (_req, res, [id = ""]) => {
        const cm = found(store.customerMeters.get(uuidPath("id", id)));
        sendJson(res, 200, usageWire.customerMeter(customerMeterJson(cm, balanceOf(cm.customerId, cm.meterId), uctx)));
      },
    },
    {
      method: "POST",
      pattern: /^\/v1\/products\/([^/]+)\/benefits\/?$/,
      handler: async (req, res, [id = ""]) => {
        const productId = uuidPath("id", id);
        const body = parseOr422(productBenefitsBody, await readJson(req));
        const product = found(store.products.get(productId));
        const unknown = body.benefits.flatMap((benefitId, i): ValidationIssue[] =>
          store.benefits.has(benefitId) ? [] : [{ type: "value_error", loc: ["body", "benefits", i], msg: "Benefit does not exist.", input: benefitId }],
        );
        if (unknown.length) throw namedValidationError("PolarRequestValidationError", unknown.slice(0, 1));
        sendJson(res, 200, wire.product(toProduct(flows.benefits.setProductBenefits(product, body.benefits), ctx)));
      },
    },
  ];

  function balanceOf(customerId: string, meterId: string) {
    const customer = store.customers.get(customerId);
    const meter = store.meters.get(meterId);
    if (!customer || !meter) throw notFound();
    return customerMeterBalance(store, customer, meter);
  }
}
