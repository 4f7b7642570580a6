/**
 * Usage-based billing as plain records (ISO strings for dates), like store.ts: meters, benefits
 * and their grants, events, customer meters. The SDK-typed objects are built from these in
 * serialize-usage.ts. Shapes follow Polar's models (server/polar/models/{meter,benefit,
 * benefit_grant,event,customer_meter}.py).
 */

export type FilterOperator = "eq" | "ne" | "gt" | "gte" | "lt" | "lte" | "like" | "not_like";

/** Polar's FilterClause (server/polar/meter/filter.py); a `metadata.` prefix is already stripped. */
export interface FilterClause {
  property: string;
  operator: FilterOperator;
  value: string | number | boolean;
}

export interface MeterFilter {
  conjunction: "and" | "or";
  clauses: Array<FilterClause | MeterFilter>;
}

/** Polar's aggregations (server/polar/meter/aggregation.py). */
export type MeterAggregation =
  | { func: "count" }
  | { func: "sum" | "max" | "min" | "avg"; property: string }
  | { func: "unique"; property: string };

export interface MeterRecord {
  id: string;
  name: string;
  filter: MeterFilter;
  aggregation: MeterAggregation;
  metadata: Record<string, string | number | boolean>;
  createdAt: string;
  modifiedAt: string | null;
  archivedAt: string | null;
}

export interface MeterCreditProperties {
  meterId: string;
  units: number;
  rollover: boolean;
}

interface BenefitBase {
  id: string;
  description: string;
  metadata: Record<string, string | number | boolean>;
  /** Polar's default: private for a feature flag, public otherwise (models/benefit.py). */
  visibility: "public" | "private";
  createdAt: string;
  modifiedAt: string | null;
}

/** The two benefit types the emulator grants; the others (Discord, GitHub, files, keys) are not emulated. */
export type BenefitRecord =
  | (BenefitBase & { type: "feature_flag"; properties: Record<string, never> })
  | (BenefitBase & { type: "meter_credit"; properties: MeterCreditProperties });

/** A product's `metered_unit` price: `unitAmount` in cents as a decimal string, `capAmount` in cents. */
export interface MeteredPriceRecord {
  id: string;
  meterId: string;
  unitAmount: string;
  capAmount: number | null;
}

/** What a meter-credit grant remembers (BenefitGrantMeterCreditProperties); a feature flag's is empty. */
export interface GrantProperties {
  last_credited_meter_id?: string;
  last_credited_units?: number;
  last_credited_at?: string;
}

/** One benefit granted to one customer by one subscription or one order (Polar's grant scope). */
export interface BenefitGrantRecord {
  id: string;
  benefitId: string;
  customerId: string;
  // The member it is for (Polar's member model): the owner, or a seat's member.
  memberId: string | null;
  subscriptionId: string | null;
  orderId: string | null;
  grantedAt: string | null;
  revokedAt: string | null;
  properties: GrantProperties;
  createdAt: string;
  modifiedAt: string | null;
}

export type EventMetadata = Record<string, unknown>;

/**
 * An event: `user` ones come from `POST /v1/events/ingest`, `system` ones are Polar's own
 * (meter.credited, meter.reset, benefit.*). `ingestedAt` is the emulator's strictly increasing
 * clock (store.ts `tick`), so windows ("since the last reset") never tie; `timestamp` is the
 * client's, which may be in the past.
 */
export interface EventRecord {
  id: string;
  name: string;
  source: "user" | "system";
  timestamp: string;
  ingestedAt: string;
  customerId: string | null;
  externalCustomerId: string | null;
  externalId: string | null;
  metadata: EventMetadata;
  // A `user` event's member, as ingested (optional: state files from before members lack them).
  memberId?: string | null;
  externalMemberId?: string | null;
}

/** A customer's balance on a meter: the values are computed from events when read (flows/meters.ts). */
export interface CustomerMeterRecord {
  id: string;
  customerId: string;
  meterId: string;
  createdAt: string;
  modifiedAt: string | null;
}

/**
 * A subscription's meter (Polar's SubscriptionMeter), one per metered price of its product.
 * `billedUntil` is when the usage not yet on an order starts: events ingested after it are
 * billed by the next renewal order (Polar's pending billing entries).
 */
export interface SubscriptionMeterRecord {
  id: string;
  meterId: string;
  // The metered price billing it: usage recorded under another price is not billed (see flows/meters.ts).
  priceId: string;
  createdAt: string;
  billedUntil: string;
}
