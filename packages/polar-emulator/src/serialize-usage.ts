import type { Benefit } from "@polar-sh/sdk/models/components/benefit";
import { Benefit$inboundSchema, Benefit$outboundSchema } from "@polar-sh/sdk/models/components/benefit";
import { BenefitGrant$inboundSchema } from "@polar-sh/sdk/models/components/benefitgrant";
import type { BenefitFeatureFlag } from "@polar-sh/sdk/models/components/benefitfeatureflag";
import type { BenefitMeterCredit } from "@polar-sh/sdk/models/components/benefitmetercredit";
import type { BenefitPublic } from "@polar-sh/sdk/models/components/benefitpublic";
import { BenefitGrantWebhook$outboundSchema, type BenefitGrantWebhook } from "@polar-sh/sdk/models/components/benefitgrantwebhook";
import { Customer$outboundSchema, type Customer } from "@polar-sh/sdk/models/components/customer";
import type { Member } from "@polar-sh/sdk/models/components/member";
import { CustomerMeter$inboundSchema } from "@polar-sh/sdk/models/components/customermeter";
import type { CustomerStateBenefitGrant } from "@polar-sh/sdk/models/components/customerstatebenefitgrant";
import type { CustomerStateMeter } from "@polar-sh/sdk/models/components/customerstatemeter";
import { EventsIngestResponse$inboundSchema } from "@polar-sh/sdk/models/components/eventsingestresponse";
import { Event$inboundSchema } from "@polar-sh/sdk/models/components/event";
import { ListResourceBenefit$inboundSchema } from "@polar-sh/sdk/models/components/listresourcebenefit";
import { ListResourceBenefitGrant$inboundSchema } from "@polar-sh/sdk/models/components/listresourcebenefitgrant";
import { ListResourceCustomerMeter$inboundSchema } from "@polar-sh/sdk/models/components/listresourcecustomermeter";
import { ListResourceEvent$inboundSchema } from "@polar-sh/sdk/models/components/listresourceevent";
import { ListResourceMeter$inboundSchema } from "@polar-sh/sdk/models/components/listresourcemeter";
import { Meter$inboundSchema, Meter$outboundSchema, type Meter } from "@polar-sh/sdk/models/components/meter";
import { MeterQuantities$inboundSchema } from "@polar-sh/sdk/models/components/meterquantities";
import type { Pagination } from "@polar-sh/sdk/models/components/pagination";
import type { ProductPriceMeteredUnit } from "@polar-sh/sdk/models/components/productpricemeteredunit";
import type { SubscriptionMeter } from "@polar-sh/sdk/models/components/subscriptionmeter";
import type { Balance } from "./meter-balance";
import { unitAmountText } from "./meter-billing";
import { isClause } from "./meter-filter";
import type { CustomerRecord, MemberRecord, ProductRecord, Store } from "./store";
import type { BenefitGrantRecord, BenefitRecord, CustomerMeterRecord, EventRecord, GrantProperties, MeteredPriceRecord, MeterFilter, MeterRecord, SubscriptionMeterRecord } from "./usage-records";

/**
 * Usage records -> the SDK's types -> Polar's JSON, like serialize.ts: meters, benefits and
 * their grants, events, customer meters, metered prices. Where the SDK has no outbound schema
 * (it only reads grants, events and customer meters), the snake_case is written here and the
 * round trip through the SDK's inbound schema checks it.
 */

export interface UsageContext {
  store: Store;
  toCustomer: (c: CustomerRecord) => Customer;
  toMember: (m: MemberRecord) => Member;
}

const date = (iso: string): Date => new Date(iso);
const dateOrNull = (iso: string | null): Date | null => (iso === null ? null : new Date(iso));

function filterWire(f: MeterFilter): Meter["filter"] {
  return {
    conjunction: f.conjunction,
    clauses: f.clauses.map((c) => (isClause(c) ? { property: c.property, operator: c.operator, value: c.value } : filterWire(c))),
  };
}

export function toMeter(m: MeterRecord, organizationId: string): Meter {
  return {
    metadata: { ...m.metadata },
    createdAt: date(m.createdAt),
    modifiedAt: dateOrNull(m.modifiedAt),
    id: m.id,
    name: m.name,
    unit: "scalar",
    customLabel: null,
    customMultiplier: null,
    filter: filterWire(m.filter),
    aggregation: m.aggregation as Meter["aggregation"],
    organizationId,
    archivedAt: dateOrNull(m.archivedAt),
  };
}

/** A product's `metered_unit` price, its meter embedded (ProductPriceMeter). */
export function toMeteredPrice(p: ProductRecord, price: MeteredPriceRecord, store: Store): ProductPriceMeteredUnit {
  const meter = store.meters.get(price.meterId);
  return {
    createdAt: date(p.createdAt),
    modifiedAt: null,
    id: price.id,
    source: "catalog",
    amountType: "metered_unit",
    priceCurrency: p.priceCurrency,
    taxBehavior: null,
    isArchived: p.isArchived,
    productId: p.id,
    unitAmount: unitAmountText(price.unitAmount),
    capAmount: price.capAmount,
    meterId: price.meterId,
    meter: { id: price.meterId, name: meter?.name ?? "", unit: "scalar", customLabel: null, customMultiplier: null },
  };
}

function benefitCommon(b: BenefitRecord, organizationId: string) {
  return {
    id: b.id,
    createdAt: date(b.createdAt),
    modifiedAt: dateOrNull(b.modifiedAt),
    description: b.description,
    selectable: true,
    deletable: true,
    isDeleted: false,
    organizationId,
  };
}

export function toBenefit(b: BenefitRecord, organizationId: string): BenefitFeatureFlag | BenefitMeterCredit {
  const common = { ...benefitCommon(b, organizationId), metadata: { ...b.metadata }, visibility: b.visibility, visibilityConfigurable: true };
  return b.type === "feature_flag"
    ? { ...common, type: "feature_flag", properties: {} }
    : { ...common, type: "meter_credit", properties: { ...b.properties } };
}

/** What a checkout shows of a benefit. */
export function toBenefitPublic(b: BenefitRecord, organizationId: string): BenefitPublic {
  return { ...benefitCommon(b, organizationId), type: b.type };
}

const grantPropertiesCamel = (p: GrantProperties) => ({
  ...(p.last_credited_meter_id !== undefined ? { lastCreditedMeterId: p.last_credited_meter_id } : {}),
  ...(p.last_credited_units !== undefined ? { lastCreditedUnits: p.last_credited_units } : {}),
  ...(p.last_credited_at !== undefined ? { lastCreditedAt: p.last_credited_at } : {}),
});

/** The grant as Polar's `benefit_grant.*` webhooks carry it, `previous_properties` included. */
export function toBenefitGrantWebhook(g: BenefitGrantRecord, previous: GrantProperties, ctx: UsageContext): BenefitGrantWebhook {
  const benefit = ctx.store.benefits.get(g.benefitId);
  const customer = ctx.store.customers.get(g.customerId);
  if (!benefit || !customer) throw new Error(`Polar emulator: grant ${g.id} lost its benefit or customer`);
  const member = g.memberId ? ctx.store.members.get(g.memberId) : undefined;
  const common = {
    createdAt: date(g.createdAt),
    modifiedAt: dateOrNull(g.modifiedAt),
    id: g.id,
    grantedAt: dateOrNull(g.grantedAt),
    isGranted: g.grantedAt !== null,
    revokedAt: dateOrNull(g.revokedAt),
    isRevoked: g.revokedAt !== null,
    subscriptionId: g.subscriptionId,
    orderId: g.orderId,
    customerId: g.customerId,
    memberId: g.memberId,
    benefitId: g.benefitId,
    error: null,
    customer: ctx.toCustomer(customer),
    member: member ? ctx.toMember(member) : null,
  };
  const wire = toBenefit(benefit, ctx.store.organizationId);
  return wire.type === "feature_flag"
    ? { ...common, benefit: wire, properties: {}, previousProperties: {} }
    : { ...common, benefit: wire, properties: grantPropertiesCamel(g.properties), previousProperties: grantPropertiesCamel(previous) };
}

/**
 * A grant in the customer's state. The SDK's union for `properties` has no meter-credit member
 * (its parsers keep none of those keys), so the snake_case properties ride along in a field of
 * their own and are written back into the JSON (`restoreGrantProperties`).
 */
export type StateGrant = CustomerStateBenefitGrant & { rawProperties: GrantProperties };

export function toCustomerStateGrant(g: BenefitGrantRecord, store: Store): StateGrant | null {
  const benefit = store.benefits.get(g.benefitId);
  if (!benefit || g.grantedAt === null) return null;
  return {
    id: g.id,
    createdAt: date(g.createdAt),
    modifiedAt: dateOrNull(g.modifiedAt),
    grantedAt: date(g.grantedAt),
    benefitId: g.benefitId,
    benefitType: benefit.type,
    benefitMetadata: { ...benefit.metadata },
    properties: {},
    rawProperties: { ...g.properties },
  };
}

/** Puts each granted benefit's own properties back into encoded state JSON (see StateGrant). */
export function restoreGrantProperties(json: unknown, grants: ReadonlyArray<{ rawProperties?: GrantProperties }>): unknown {
  const encoded = (json as { granted_benefits?: Array<Record<string, unknown>> }).granted_benefits ?? [];
  encoded.forEach((g, i) => {
    g.properties = { ...(grants[i]?.rawProperties ?? {}) };
  });
  return json;
}

export function toCustomerStateMeter(cm: CustomerMeterRecord, balance: Balance): CustomerStateMeter {
  return {
    id: cm.id,
    createdAt: date(cm.createdAt),
    modifiedAt: dateOrNull(cm.modifiedAt),
    meterId: cm.meterId,
    consumedUnits: balance.consumed,
    creditedUnits: balance.credited,
    balance: balance.balance,
  };
}

export function toSubscriptionMeter(sm: SubscriptionMeterRecord, meter: MeterRecord, organizationId: string, usage: Balance & { amount: number }): SubscriptionMeter {
  return {
    createdAt: date(sm.createdAt),
    modifiedAt: null,
    id: sm.id,
    consumedUnits: usage.consumed,
    creditedUnits: usage.credited,
    amount: usage.amount,
    meterId: sm.meterId,
    meter: toMeter(meter, organizationId),
  };
}

// --- JSON for what the SDK only reads ---------------------------------------------------

function roundTrip(json: unknown, decode: { parse(v: unknown): unknown }): unknown {
  const copy: unknown = JSON.parse(JSON.stringify(json));
  decode.parse(copy);
  return copy;
}

const iso = (s: string | null): string | null => (s === null ? null : new Date(s).toISOString());

export function customerMeterJson(cm: CustomerMeterRecord, balance: Balance, ctx: UsageContext): unknown {
  const customer = ctx.store.customers.get(cm.customerId);
  const meter = ctx.store.meters.get(cm.meterId);
  if (!customer || !meter) throw new Error(`Polar emulator: customer meter ${cm.id} lost its customer or meter`);
  return {
    id: cm.id,
    created_at: iso(cm.createdAt),
    modified_at: iso(cm.modifiedAt),
    customer_id: cm.customerId,
    meter_id: cm.meterId,
    consumed_units: balance.consumed,
    credited_units: balance.credited,
    balance: balance.balance,
    customer: Customer$outboundSchema.parse(ctx.toCustomer(customer)),
    meter: Meter$outboundSchema.parse(toMeter(meter, ctx.store.organizationId)),
  };
}

/** Polar's Event JSON: a `user` event with its metadata, or one of Polar's `system` events. */
export function eventJson(e: EventRecord, ctx: UsageContext): unknown {
  const customer = e.customerId
    ? ctx.store.customers.get(e.customerId)
    : e.externalCustomerId !== null
      ? ctx.store.customerByExternalId(e.externalCustomerId)
      : undefined;
  return {
    id: e.id,
    timestamp: iso(e.timestamp),
    organization_id: ctx.store.organizationId,
    customer_id: e.customerId,
    customer: customer ? Customer$outboundSchema.parse(ctx.toCustomer(customer)) : null,
    external_customer_id: e.externalCustomerId,
    member_id: e.memberId ?? null,
    external_member_id: e.externalMemberId ?? null,
    child_count: 0,
    parent_id: null,
    label: e.source === "system" ? (SYSTEM_LABELS[e.name] ?? e.name) : e.name,
    name: e.name,
    source: e.source,
    metadata: e.metadata,
  };
}

// server/polar/event/system.py, SYSTEM_EVENT_LABELS, for the system events the emulator records.
const SYSTEM_LABELS: Record<string, string> = {
  "meter.credited": "Meter Credited",
  "meter.reset": "Meter Reset",
  "benefit.granted": "Benefit Granted",
  "benefit.cycled": "Benefit Cycled",
  "benefit.revoked": "Benefit Revoked",
};

/** A grant as `GET /v1/benefit-grants/` lists it: the webhook's shape without `previous_properties`. */
export function benefitGrantJson(g: BenefitGrantRecord, ctx: UsageContext): unknown {
  const encoded = BenefitGrantWebhook$outboundSchema.parse(toBenefitGrantWebhook(g, {}, ctx)) as unknown as Record<string, unknown>;
  delete encoded.previous_properties;
  return { ...encoded, properties: { ...g.properties } };
}

export const encodeBenefit = (b: Benefit): unknown => Benefit$outboundSchema.parse(b);
export const encodeMeter = (m: Meter): unknown => Meter$outboundSchema.parse(m);

const list = (items: unknown[], pagination: Pagination) => ({ items, pagination: { total_count: pagination.totalCount, max_page: pagination.maxPage } });

/** JSON bodies of the usage endpoints, each checked by the SDK's inbound schema. */
export const usageWire = {
  meter: (m: Meter) => roundTrip(encodeMeter(m), Meter$inboundSchema),
  meterList: (items: Meter[], p: Pagination) => roundTrip(list(items.map(encodeMeter), p), ListResourceMeter$inboundSchema),
  benefit: (b: Benefit) => roundTrip(encodeBenefit(b), Benefit$inboundSchema),
  benefitList: (items: Benefit[], p: Pagination) => roundTrip(list(items.map(encodeBenefit), p), ListResourceBenefit$inboundSchema),
  benefitGrant: (json: unknown) => roundTrip(json, BenefitGrant$inboundSchema),
  benefitGrantList: (items: unknown[], p: Pagination) => roundTrip(list(items, p), ListResourceBenefitGrant$inboundSchema),
  customerMeter: (json: unknown) => roundTrip(json, CustomerMeter$inboundSchema),
  customerMeterList: (items: unknown[], p: Pagination) => roundTrip(list(items, p), ListResourceCustomerMeter$inboundSchema),
  event: (json: unknown) => roundTrip(json, Event$inboundSchema),
  eventList: (items: unknown[], p: Pagination) => roundTrip(list(items, p), ListResourceEvent$inboundSchema),
  ingestResponse: (inserted: number, duplicates: number) => roundTrip({ inserted, duplicates }, EventsIngestResponse$inboundSchema),
  meterQuantities: (quantities: Array<{ timestamp: string; quantity: number }>, total: number) =>
    roundTrip({ quantities, total }, MeterQuantities$inboundSchema),
};
