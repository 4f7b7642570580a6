import { z } from "zod";
import { stripMetadataPrefix } from "./meter-filter";
import type { BenefitRecord, FilterClause, MeteredPriceRecord, MeterFilter, MeterRecord } from "./usage-records";

/**
 * The seed's meters and benefits, and a product's benefits and metered prices, as the products
 * file writes them (camelCase, like the products). Their rules are Polar's: a filter clause's
 * value is a string of at most 1,000 characters, an integer or a boolean (meter/filter.py); a
 * property aggregation names a property (meter/aggregation.py); a benefit's description is 3
 * to 42 characters (benefit/strategies/base/schemas.py); a meter credit grants a positive
 * number of units on an existing meter (strategies/meter_credit).
 */

const metadataValue = z.union([z.string().max(500), z.number(), z.boolean()]);
const metadata = z.record(z.string().min(1).max(40), metadataValue).default({});

const clause: z.ZodType<FilterClause> = z.object({
  property: z.string().min(1).transform(stripMetadataPrefix),
  operator: z.enum(["eq", "ne", "gt", "gte", "lt", "lte", "like", "not_like"]),
  value: z.union([z.string().max(1000), z.int().min(-(2 ** 31)).max(2 ** 31 - 1), z.boolean()]),
});

export const meterFilter: z.ZodType<MeterFilter> = z.lazy(() =>
  z.object({
    conjunction: z.enum(["and", "or"]),
    clauses: z.array(z.union([clause, meterFilter])),
  }),
);

export const meterAggregation = z.union([
  z.object({ func: z.literal("count") }),
  z.object({ func: z.enum(["sum", "max", "min", "avg"]), property: z.string().min(1).transform(stripMetadataPrefix) }),
  z.object({ func: z.literal("unique"), property: z.string().min(1).transform(stripMetadataPrefix) }),
]);

const createdAt = z.iso.datetime().default("2026-01-01T00:00:00.000Z");

export const meterSeed = z.object({
  id: z.uuid(),
  name: z.string().min(3),
  filter: meterFilter,
  aggregation: meterAggregation,
  metadata,
  createdAt,
});

const benefitCommon = {
  id: z.uuid(),
  description: z.string().min(3).max(42),
  metadata,
  visibility: z.enum(["public", "private"]).optional(),
  createdAt,
};

export const benefitSeed = z.discriminatedUnion("type", [
  z.object({ ...benefitCommon, type: z.literal("feature_flag"), properties: z.object({}).strict().default({}) }),
  z.object({
    ...benefitCommon,
    type: z.literal("meter_credit"),
    properties: z.object({ meterId: z.uuid(), units: z.int().min(1).max(2 ** 31 - 1), rollover: z.boolean().default(false) }),
  }),
]);

/** A `metered_unit` price: cents per unit as a decimal (e.g. "5" or "0.5"), an optional cap in cents. */
export const meteredPriceSeed = z.object({
  id: z.uuid().optional(),
  meterId: z.uuid(),
  unitAmount: z.union([z.string().regex(/^\d{1,5}(\.\d{1,12})?$/), z.number().nonnegative()]).transform(String),
  capAmount: z.int().min(0).nullable().default(null),
});

export function meterRecord(m: z.output<typeof meterSeed>): MeterRecord {
  return { id: m.id, name: m.name, filter: m.filter, aggregation: m.aggregation, metadata: m.metadata, createdAt: m.createdAt, modifiedAt: null, archivedAt: null };
}

export function benefitRecord(b: z.output<typeof benefitSeed>): BenefitRecord {
  const base = { id: b.id, description: b.description, metadata: b.metadata, createdAt: b.createdAt, modifiedAt: null };
  // Polar's default visibility: a feature flag is private, the rest public (models/benefit.py).
  return b.type === "feature_flag"
    ? { ...base, type: "feature_flag", properties: {}, visibility: b.visibility ?? "private" }
    : { ...base, type: "meter_credit", properties: b.properties, visibility: b.visibility ?? "public" };
}

/** A product's metered prices; an id left out follows the fixed price's (…-000000000002, -3, ...). */
export function meteredPriceRecords(productId: string, prices: ReadonlyArray<z.output<typeof meteredPriceSeed>>): MeteredPriceRecord[] {
  return prices.map((p, i) => ({
    id: p.id ?? `${productId.slice(0, 8)}-0000-4000-8000-${String(i + 2).padStart(12, "0")}`,
    meterId: p.meterId,
    unitAmount: p.unitAmount,
    capAmount: p.capAmount,
  }));
}

/** The references a catalogue must resolve: a benefit's meter, a product's benefits and metered meters. */
export function usageProblems(
  meters: ReadonlyMap<string, unknown> | ReadonlySet<string>,
  benefits: ReadonlyMap<string, BenefitRecord>,
  products: ReadonlyArray<{ id: string; benefitIds: string[]; meteredPrices: MeteredPriceRecord[] }>,
): string[] {
  const problems: string[] = [];
  for (const b of benefits.values()) {
    if (b.type === "meter_credit" && !meters.has(b.properties.meterId)) problems.push(`benefit ${b.id} credits meter ${b.properties.meterId}, which does not exist`);
  }
  for (const p of products) {
    for (const id of p.benefitIds) if (!benefits.has(id)) problems.push(`product ${p.id} grants benefit ${id}, which does not exist`);
    if (new Set(p.benefitIds).size !== p.benefitIds.length) problems.push(`product ${p.id} lists a benefit twice`);
    for (const m of p.meteredPrices) if (!meters.has(m.meterId)) problems.push(`product ${p.id} has a metered price on meter ${m.meterId}, which does not exist`);
  }
  return problems;
}
