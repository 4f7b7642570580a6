import { createHash } from "node:crypto";
import { Checkout$inboundSchema, Checkout$outboundSchema, type Checkout } from "@polar-sh/sdk/models/components/checkout";
import type { CheckoutProduct } from "@polar-sh/sdk/models/components/checkoutproduct";
import { Customer$inboundSchema, Customer$outboundSchema, type Customer } from "@polar-sh/sdk/models/components/customer";
import { CustomerSeat$inboundSchema, CustomerSeat$outboundSchema, type CustomerSeat } from "@polar-sh/sdk/models/components/customerseat";
import { CustomerSeatClaimResponse$inboundSchema, type CustomerSeatClaimResponse } from "@polar-sh/sdk/models/components/customerseatclaimresponse";
import { CustomerSession$inboundSchema, type CustomerSession } from "@polar-sh/sdk/models/components/customersession";
import { CustomerState$inboundSchema, CustomerState$outboundSchema, type CustomerState } from "@polar-sh/sdk/models/components/customerstate";
import type { CustomerStateSubscription } from "@polar-sh/sdk/models/components/customerstatesubscription";
import { ListResourceCustomer$inboundSchema } from "@polar-sh/sdk/models/components/listresourcecustomer";
import { ListResourceMember$inboundSchema } from "@polar-sh/sdk/models/components/listresourcemember";
import { Member$inboundSchema, Member$outboundSchema, type Member } from "@polar-sh/sdk/models/components/member";
import { ListResourceOrder$inboundSchema } from "@polar-sh/sdk/models/components/listresourceorder";
import { ListResourceOrganization$inboundSchema } from "@polar-sh/sdk/models/components/listresourceorganization";
import { ListResourceProduct$inboundSchema } from "@polar-sh/sdk/models/components/listresourceproduct";
import { ListResourceSubscription$inboundSchema } from "@polar-sh/sdk/models/components/listresourcesubscription";
import { ListResourceWebhookEndpoint$inboundSchema } from "@polar-sh/sdk/models/components/listresourcewebhookendpoint";
import { Order$inboundSchema, Order$outboundSchema, type Order } from "@polar-sh/sdk/models/components/order";
import type { OrderCustomer } from "@polar-sh/sdk/models/components/ordercustomer";
import type { OrderProduct } from "@polar-sh/sdk/models/components/orderproduct";
import type { OrderSubscription } from "@polar-sh/sdk/models/components/ordersubscription";
import { Organization$inboundSchema, Organization$outboundSchema, type Organization } from "@polar-sh/sdk/models/components/organization";
import type { Pagination } from "@polar-sh/sdk/models/components/pagination";
import { Product$inboundSchema, Product$outboundSchema, type Product } from "@polar-sh/sdk/models/components/product";
import type { ProductPriceFixed } from "@polar-sh/sdk/models/components/productpricefixed";
import type { ProductPriceMeteredUnit } from "@polar-sh/sdk/models/components/productpricemeteredunit";
import type { ProductPriceSeatBased } from "@polar-sh/sdk/models/components/productpriceseatbased";
import { SeatClaimInfo$inboundSchema, type SeatClaimInfo } from "@polar-sh/sdk/models/components/seatclaiminfo";
import { SeatsList$inboundSchema, type SeatsList } from "@polar-sh/sdk/models/components/seatslist";
import { Refund$inboundSchema, Refund$outboundSchema, type Refund } from "@polar-sh/sdk/models/components/refund";
import { Subscription$inboundSchema, Subscription$outboundSchema, type Subscription } from "@polar-sh/sdk/models/components/subscription";
import type { SubscriptionCustomer } from "@polar-sh/sdk/models/components/subscriptioncustomer";
import { WebhookEndpoint$inboundSchema, type WebhookEndpoint } from "@polar-sh/sdk/models/components/webhookendpoint";
import type { PendingSubscriptionUpdate } from "@polar-sh/sdk/models/components/pendingsubscriptionupdate";
import type { EndpointState } from "./delivery";
import { refundable } from "./balance";
import { customerMeterBalance, pendingUsage } from "./meter-balance";
import { meteredCharge } from "./meter-billing";
import {
  restoreGrantProperties,
  toBenefit,
  toBenefitPublic,
  toCustomerStateGrant,
  toCustomerStateMeter,
  toMeteredPrice,
  toSubscriptionMeter,
  type StateGrant,
  type UsageContext,
} from "./serialize-usage";
import { ORGANIZATION_POLICY } from "./organization-policy";
import { maximumSeats, minimumSeats, periodAmount, priceLabel } from "./seat-pricing";
import { activeTrial, trialItemLabel } from "./trial";
import type {
  CheckoutRecord,
  CustomerRecord,
  CustomerSessionRecord,
  MemberRecord,
  OrderRecord,
  ProductRecord,
  RefundRecord,
  SeatRecord,
  Store,
  SubscriptionRecord,
} from "./store";

/**
 * Records -> the SDK's own camelCase types -> the SDK's generated `$outboundSchema`s -> Polar's
 * snake_case JSON. The types make the compiler demand every required field; the schemas do the
 * renaming and date formatting exactly as the SDK's inbound parsers expect them back.
 */

export interface WireContext {
  store: Store;
  baseUrl: string;
}

const date = (iso: string): Date => new Date(iso);
const dateOrNull = (iso: string | null): Date | null => (iso === null ? null : new Date(iso));

/** Polar's platform fee: 4% + 40 cents of each paid order. */
export const platformFee = (amount: number): number => (amount === 0 ? 0 : Math.round(amount * 0.04) + 40);

function avatarUrl(email: string): string {
  const hash = createHash("sha256").update(email.trim().toLowerCase()).digest("hex");
  return `https://www.gravatar.com/avatar/${hash}?d=404`;
}

/** A product's own price: its fixed price, or its seat-based one (Polar's ProductPriceSeatBased). */
export function productPrice(p: ProductRecord): ProductPriceFixed | ProductPriceSeatBased {
  if (p.seatTiers) {
    const t = p.seatTiers;
    return {
      createdAt: date(p.createdAt),
      modifiedAt: null,
      id: p.priceId,
      source: "catalog",
      amountType: "seat_based",
      priceCurrency: p.priceCurrency,
      taxBehavior: null,
      isArchived: p.isArchived,
      productId: p.id,
      // Polar's `seat_tiers` (tiers_to_seat_tiers), with the bounds it derives from them.
      seatTiers: {
        seatTierType: t.type,
        tiers: t.tiers.map((tier) => ({ minSeats: tier.minSeats, maxSeats: tier.maxSeats, pricePerSeat: tier.pricePerSeat })),
        minimumSeats: minimumSeats(t),
        maximumSeats: maximumSeats(t),
      },
    };
  }
  return {
    createdAt: date(p.createdAt),
    modifiedAt: null,
    id: p.priceId,
    source: "catalog",
    amountType: "fixed",
    priceCurrency: p.priceCurrency,
    taxBehavior: null,
    isArchived: p.isArchived,
    productId: p.id,
    priceAmount: p.priceAmount,
  };
}

function productBase(p: ProductRecord, ctx: WireContext) {
  return {
    id: p.id,
    createdAt: date(p.createdAt),
    modifiedAt: dateOrNull(p.modifiedAt),
    trialInterval: p.trialInterval,
    trialIntervalCount: p.trialIntervalCount,
    name: p.name,
    description: p.description,
    visibility: p.visibility,
    recurringInterval: p.recurringInterval,
    recurringIntervalCount: p.recurringInterval ? 1 : null,
    // Metered concerns follow the billing interval (Polar's default: no meter cycle of its own).
    meterInterval: null,
    meterIntervalCount: null,
    isRecurring: p.recurringInterval !== null,
    isArchived: p.isArchived,
    organizationId: ctx.store.organizationId,
  };
}

/** The fixed price, then the metered ones (Polar lists a product's prices in that order of creation). */
export function productPrices(p: ProductRecord, ctx: WireContext): Array<ProductPriceFixed | ProductPriceSeatBased | ProductPriceMeteredUnit> {
  return [productPrice(p), ...p.meteredPrices.map((m) => toMeteredPrice(p, m, ctx.store))];
}

const productBenefits = (p: ProductRecord, ctx: WireContext) =>
  p.benefitIds.map((id) => ctx.store.benefits.get(id)).filter((b): b is NonNullable<typeof b> => b !== undefined);

export function toProduct(p: ProductRecord, ctx: WireContext): Product {
  return {
    ...productBase(p, ctx),
    metadata: { ...p.metadata },
    prices: productPrices(p, ctx),
    benefits: productBenefits(p, ctx).map((b) => toBenefit(b, ctx.store.organizationId)),
    medias: [],
    attachedCustomFields: [],
  };
}

function toCheckoutProduct(p: ProductRecord, ctx: WireContext): CheckoutProduct {
  return { ...productBase(p, ctx), prices: productPrices(p, ctx), benefits: productBenefits(p, ctx).map((b) => toBenefitPublic(b, ctx.store.organizationId)), medias: [] };
}

/** What serialize-usage.ts needs from here, passed in rather than imported (no module cycle). */
export const usageContext = (ctx: WireContext): UsageContext => ({ store: ctx.store, toCustomer: (c) => toCustomer(c, ctx), toMember });

function toOrderProduct(p: ProductRecord, ctx: WireContext): OrderProduct {
  return { ...productBase(p, ctx), metadata: { ...p.metadata } };
}

function product(ctx: WireContext, id: string): ProductRecord {
  const p = ctx.store.products.get(id);
  if (!p) throw new Error(`Polar emulator: product ${id} is referenced but not in the catalogue`);
  return p;
}

function customer(ctx: WireContext, id: string): CustomerRecord {
  const c = ctx.store.customers.get(id);
  if (!c) throw new Error(`Polar emulator: customer ${id} is referenced but missing`);
  return c;
}

/** A customer: `individual`, or `team` once it bought seats (Polar's CustomerIndividual, CustomerTeam). */
export function toCustomer(c: CustomerRecord, ctx: WireContext): Customer {
  return {
    id: c.id,
    createdAt: date(c.createdAt),
    modifiedAt: dateOrNull(c.modifiedAt),
    metadata: { ...c.metadata },
    externalId: c.externalId,
    email: c.email,
    emailVerified: false,
    type: c.type,
    name: c.name,
    // Falls back to the name when not set (Polar's Customer.billing_name).
    billingName: c.name,
    billingAddress: null,
    taxId: null,
    locale: null,
    organizationId: ctx.store.organizationId,
    deletedAt: null,
    avatarUrl: avatarUrl(c.email),
  };
}

// OrderCustomer and SubscriptionCustomer are the same shape with a looser `type`.
const embeddedCustomer = (c: CustomerRecord, ctx: WireContext): OrderCustomer & SubscriptionCustomer => toCustomer(c, ctx);

export function checkoutUrl(c: CheckoutRecord, baseUrl: string): string {
  return `${baseUrl}/checkout/${c.clientSecret}`;
}

/** Where Polar sends the customer after paying when the merchant gave no success URL. */
export function defaultSuccessUrl(c: CheckoutRecord, baseUrl: string): string {
  return `${baseUrl}/checkout/${c.clientSecret}/confirmation`;
}

export function toCheckout(c: CheckoutRecord, ctx: WireContext): Checkout {
  const selected = product(ctx, c.productId);
  const products = c.productIds.map((id) => product(ctx, id));
  // A seat-based product costs its tier's rate times the seats (Polar's calculate_upfront_amount).
  const amount = periodAmount(selected, c.seats);
  const recurring = selected.recurringInterval !== null;
  const trial = activeTrial(c, selected);
  // During a trial the amounts stay the recurring price (what will be charged) while nothing
  // is charged now: Polar's `is_payment_required` is false once `trial_end` is set.
  const trialing = c.trialEnd !== null;
  return {
    id: c.id,
    createdAt: date(c.createdAt),
    modifiedAt: dateOrNull(c.modifiedAt),
    customFieldData: {},
    paymentProcessor: "stripe",
    status: c.status,
    clientSecret: c.clientSecret,
    url: checkoutUrl(c, ctx.baseUrl),
    expiresAt: date(c.expiresAt),
    successUrl: c.successUrl ?? defaultSuccessUrl(c, ctx.baseUrl),
    returnUrl: c.returnUrl,
    embedOrigin: null,
    amount,
    seats: c.seats,
    minSeats: c.minSeats,
    maxSeats: c.maxSeats,
    discountAmount: 0,
    netAmount: amount,
    taxAmount: 0,
    taxBehavior: null,
    totalAmount: amount,
    currency: selected.priceCurrency,
    allowTrial: c.allowTrial,
    activeTrialInterval: trial?.interval ?? null,
    activeTrialIntervalCount: trial?.count ?? null,
    trialEnd: dateOrNull(c.trialEnd),
    organizationId: ctx.store.organizationId,
    productId: selected.id,
    productPriceId: selected.priceId,
    discountId: null,
    allowDiscountCodes: true,
    requireBillingAddress: false,
    isDiscountApplicable: true,
    isFreeProductPrice: amount === 0,
    isPaymentRequired: amount > 0 && !trialing,
    isPaymentSetupRequired: recurring,
    isPaymentFormRequired: (amount > 0 && !trialing) || recurring,
    customerId: c.customerId,
    isBusinessCustomer: false,
    customerName: c.customerName,
    customerEmail: c.customerEmail,
    customerIpAddress: null,
    customerBillingName: null,
    customerBillingAddress: null,
    customerTaxId: null,
    locale: null,
    paymentProcessorMetadata: {},
    billingAddressFields: { country: "required", state: "disabled", city: "disabled", postalCode: "disabled", line1: "disabled", line2: "disabled" },
    trialInterval: c.trialInterval,
    trialIntervalCount: c.trialIntervalCount,
    metadata: { ...c.metadata },
    externalCustomerId: c.externalCustomerId,
    products: products.map((p) => toCheckoutProduct(p, ctx)),
    product: toCheckoutProduct(selected, ctx),
    productPrice: productPrice(selected),
    prices: Object.fromEntries(products.map((p) => [p.id, productPrices(p, ctx)])),
    discount: null,
    subscriptionId: null,
    attachedCustomFields: [],
    customerMetadata: { ...c.customerMetadata },
  };
}

function subscriptionCore(s: SubscriptionRecord) {
  return {
    createdAt: date(s.createdAt),
    modifiedAt: dateOrNull(s.modifiedAt),
    id: s.id,
    amount: s.amount,
    currency: s.currency,
    recurringInterval: s.recurringInterval,
    recurringIntervalCount: 1,
    status: s.status,
    currentPeriodStart: date(s.currentPeriodStart),
    currentPeriodEnd: date(s.currentPeriodEnd),
    currentMeterPeriodStart: null,
    currentMeterPeriodEnd: null,
    trialStart: dateOrNull(s.trialStart),
    trialEnd: dateOrNull(s.trialEnd),
    cancelAtPeriodEnd: s.cancelAtPeriodEnd,
    canceledAt: dateOrNull(s.canceledAt),
    startedAt: dateOrNull(s.startedAt),
    endsAt: dateOrNull(s.endsAt),
    endedAt: dateOrNull(s.endedAt),
    pauseAtPeriodEnd: s.pauseAtPeriodEnd,
    pausedAt: dateOrNull(s.pausedAt),
    resumesAt: dateOrNull(s.resumesAt),
    customerId: s.customerId,
    productId: s.productId,
    discountId: null,
    checkoutId: s.checkoutId,
    seats: s.seats,
    customerCancellationReason: s.customerCancellationReason,
    customerCancellationComment: s.customerCancellationComment,
    metadata: { ...s.metadata },
  };
}

/** Polar's PendingSubscriptionUpdate: a product change, a seat count, or both. */
function toPendingUpdate(s: SubscriptionRecord): PendingSubscriptionUpdate | null {
  const p = s.pendingUpdate;
  if (!p) return null;
  return { id: p.id, createdAt: date(p.createdAt), modifiedAt: dateOrNull(p.modifiedAt), appliesAt: date(p.appliesAt), productId: p.productId, seats: p.seats };
}

function toOrderSubscription(s: SubscriptionRecord): OrderSubscription {
  return subscriptionCore(s);
}

/**
 * The subscription's meters with the usage not yet billed and what it would cost now (Polar's
 * SubscriptionMeter, which its billing job refreshes every few minutes; computed here on read).
 */
function subscriptionMeters(s: SubscriptionRecord, ctx: WireContext) {
  const p = product(ctx, s.productId);
  const c = customer(ctx, s.customerId);
  return s.meters.flatMap((sm) => {
    const meter = ctx.store.meters.get(sm.meterId);
    const price = p.meteredPrices.find((m) => m.meterId === sm.meterId);
    if (!meter) return [];
    const usage = pendingUsage(ctx.store, c, meter, sm.billedUntil);
    const amount = price ? meteredCharge({ ...price, currency: s.currency }, usage.consumed, usage.credited).amount : 0;
    return [{ sm, meter, usage: { ...usage, amount } }];
  });
}

export function toSubscription(s: SubscriptionRecord, ctx: WireContext): Subscription {
  const p = product(ctx, s.productId);
  return {
    ...subscriptionCore(s),
    customFieldData: {},
    customer: embeddedCustomer(customer(ctx, s.customerId), ctx),
    product: toProduct(p, ctx),
    discount: null,
    prices: productPrices(p, ctx),
    meters: subscriptionMeters(s, ctx).map(({ sm, meter, usage }) => toSubscriptionMeter(sm, meter, ctx.store.organizationId, usage)),
    pendingUpdate: toPendingUpdate(s),
  };
}

export function toOrder(o: OrderRecord, ctx: WireContext): Order {
  const p = product(ctx, o.productId);
  const sub = o.subscriptionId ? ctx.store.subscriptions.get(o.subscriptionId) : undefined;
  const paid = o.status !== "pending";
  // A trial's $0 order bills the trial period, with no price behind it (Polar's OrderItem.from_trial).
  const item = o.trialPeriod
    ? { label: trialItemLabel(p.name, date(o.trialPeriod.start), date(o.trialPeriod.end)), productPriceId: null }
    : { label: priceLabel(p, o.seats), productPriceId: p.priceId };
  const items = o.items ?? [{ id: o.itemId, label: item.label, amount: o.amount, proration: false, productPriceId: item.productPriceId }];
  // What the card was charged: the total less the customer's credit used (nothing for a credit order).
  const charged = Math.max(0, o.amount + o.appliedBalanceAmount);
  return {
    id: o.id,
    createdAt: date(o.createdAt),
    modifiedAt: dateOrNull(o.modifiedAt),
    status: o.status,
    paid,
    subtotalAmount: o.amount,
    discountAmount: 0,
    netAmount: o.amount,
    taxAmount: 0,
    totalAmount: o.amount,
    appliedBalanceAmount: o.appliedBalanceAmount,
    dueAmount: paid ? 0 : charged,
    refundedAmount: o.refundedAmount,
    refundedTaxAmount: 0,
    // What is paid and not yet refunded (Polar's Order.refundable_amount; no tax here).
    refundableAmount: paid ? refundable(o) : 0,
    refundableTaxAmount: 0,
    currency: o.currency,
    billingReason: o.billingReason,
    billingName: null,
    billingAddress: null,
    invoiceNumber: o.invoiceNumber,
    // Receipts are an organization setting the emulator leaves off.
    receiptNumber: null,
    isInvoiceGenerated: false,
    seats: o.seats,
    customerId: o.customerId,
    productId: o.productId,
    discountId: null,
    subscriptionId: o.subscriptionId,
    checkoutId: o.checkoutId,
    metadata: { ...o.metadata },
    customFieldData: {},
    platformFeeAmount: paid ? platformFee(charged) : 0,
    platformFeeCurrency: paid ? o.currency : null,
    customer: embeddedCustomer(customer(ctx, o.customerId), ctx),
    product: toOrderProduct(p, ctx),
    discount: null,
    subscription: sub ? toOrderSubscription(sub) : null,
    items: items.map((i) => ({
      createdAt: date(o.createdAt),
      modifiedAt: null,
      id: i.id,
      label: i.label,
      amount: i.amount,
      taxAmount: 0,
      proration: i.proration,
      productPriceId: i.productPriceId,
    })),
    description: p.name,
  };
}

export function toRefund(r: RefundRecord, ctx: WireContext): Refund {
  return {
    createdAt: date(r.createdAt),
    modifiedAt: dateOrNull(r.modifiedAt),
    id: r.id,
    metadata: { ...r.metadata },
    status: r.status,
    reason: r.reason,
    amount: r.amount,
    taxAmount: 0,
    currency: r.currency,
    organizationId: ctx.store.organizationId,
    orderId: r.orderId,
    subscriptionId: r.subscriptionId,
    customerId: r.customerId,
    revokeBenefits: false,
    dispute: null,
  };
}

const GRANTING = new Set(["active", "trialing"]);

/**
 * Polar's customer state (customer/service.py get_state): CustomerStateIndividual, or
 * CustomerStateTeam for a team, whose granted benefits are every grant of the billing customer,
 * its members' seats included (grants are the billing customer's, `member_id` tells whose).
 */
export function toCustomerState(c: CustomerRecord, ctx: WireContext): CustomerState {
  const active = ctx.store.subscriptionsWhere((s) => s.customerId === c.id && GRANTING.has(s.status));
  const activeSubscriptions: CustomerStateSubscription[] = active.map((s) => ({
    id: s.id,
    createdAt: date(s.createdAt),
    modifiedAt: dateOrNull(s.modifiedAt),
    customFieldData: {},
    metadata: { ...s.metadata },
    status: s.status === "trialing" ? "trialing" : "active",
    amount: s.amount,
    currency: s.currency,
    recurringInterval: s.recurringInterval,
    currentPeriodStart: date(s.currentPeriodStart),
    currentPeriodEnd: date(s.currentPeriodEnd),
    currentMeterPeriodStart: null,
    currentMeterPeriodEnd: null,
    trialStart: dateOrNull(s.trialStart),
    trialEnd: dateOrNull(s.trialEnd),
    cancelAtPeriodEnd: s.cancelAtPeriodEnd,
    canceledAt: dateOrNull(s.canceledAt),
    startedAt: dateOrNull(s.startedAt),
    endsAt: dateOrNull(s.endsAt),
    productId: s.productId,
    discountId: null,
    meters: subscriptionMeters(s, ctx).map(({ sm, usage }) => ({
      createdAt: date(sm.createdAt),
      modifiedAt: null,
      id: sm.id,
      consumedUnits: usage.consumed,
      creditedUnits: usage.credited,
      amount: usage.amount,
      meterId: sm.meterId,
    })),
  }));
  // Polar's state lists every grant in force and every customer meter (customer/service.py get_state).
  const grantedBenefits = [...ctx.store.grants.values()]
    .filter((g) => g.customerId === c.id)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .map((g) => toCustomerStateGrant(g, ctx.store))
    .filter((g): g is StateGrant => g !== null);
  const activeMeters = [...ctx.store.customerMeters.values()]
    .filter((cm) => cm.customerId === c.id)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .flatMap((cm) => {
      const meter = ctx.store.meters.get(cm.meterId);
      return meter ? [toCustomerStateMeter(cm, customerMeterBalance(ctx.store, c, meter))] : [];
    });
  const { avatarUrl: avatar, ...base } = toCustomer(c, ctx);
  return { ...base, activeSubscriptions, grantedBenefits, activeMeters, avatarUrl: avatar };
}

/**
 * The state's JSON: the SDK's encoding, each grant's properties written back (the SDK's
 * schemas have no member for a meter credit's; see serialize-usage.ts StateGrant).
 */
export function encodeCustomerState(v: CustomerState): unknown {
  return restoreGrantProperties(CustomerState$outboundSchema.parse(v), v.grantedBenefits as Array<Partial<StateGrant>>);
}

/** Polar's Member. */
export function toMember(m: MemberRecord): Member {
  return {
    id: m.id,
    createdAt: date(m.createdAt),
    modifiedAt: dateOrNull(m.modifiedAt),
    customerId: m.customerId,
    email: m.email,
    name: m.name,
    externalId: m.externalId,
    role: m.role,
  };
}

/**
 * Polar's CustomerSeat: `customer_email` is the seat's email, else its member's, else its
 * customer's (models/customer_seat.py); the invitation token itself is never shown.
 */
export function toCustomerSeat(s: SeatRecord, ctx: WireContext): CustomerSeat {
  const member = s.memberId ? ctx.store.members.get(s.memberId) : undefined;
  const customer = s.customerId ? ctx.store.customers.get(s.customerId) : undefined;
  return {
    createdAt: date(s.createdAt),
    modifiedAt: dateOrNull(s.modifiedAt),
    id: s.id,
    subscriptionId: s.subscriptionId,
    orderId: s.orderId,
    status: s.status,
    customerId: s.customerId,
    memberId: s.memberId,
    member: member ? toMember(member) : null,
    email: s.email,
    customerEmail: s.email ?? member?.email ?? customer?.email ?? null,
    invitationTokenExpiresAt: dateOrNull(s.invitationTokenExpiresAt),
    claimedAt: dateOrNull(s.claimedAt),
    revokedAt: dateOrNull(s.revokedAt),
    seatMetadata: { ...s.metadata },
  };
}

export function portalUrl(token: string, baseUrl: string): string {
  return `${baseUrl}/portal?customer_session_token=${encodeURIComponent(token)}`;
}

export function toCustomerSession(s: CustomerSessionRecord, ctx: WireContext): CustomerSession {
  return {
    createdAt: date(s.createdAt),
    modifiedAt: null,
    id: s.id,
    token: s.token,
    expiresAt: date(s.expiresAt),
    returnUrl: s.returnUrl,
    customerPortalUrl: portalUrl(s.token, ctx.baseUrl),
    customerId: s.customerId,
    customer: toCustomer(customer(ctx, s.customerId), ctx),
  };
}

/**
 * The organization an Organization Access Token belongs to. Settings are Polar's defaults for a
 * new organization that may sell (status active, every capability on).
 */
export function toOrganization(ctx: WireContext): Organization {
  const o = ctx.store.organization;
  return {
    createdAt: date(o.createdAt),
    modifiedAt: null,
    id: o.id,
    name: o.name,
    slug: o.slug,
    avatarUrl: null,
    prorationBehavior: ORGANIZATION_POLICY.prorationBehavior,
    allowCustomerUpdates: true,
    email: null,
    website: null,
    socials: [],
    status: "active",
    detailsSubmittedAt: date(o.createdAt),
    ssoEnforced: false,
    defaultPresentmentCurrency: "usd",
    defaultTaxBehavior: "location",
    featureSettings: {
      issueFundingEnabled: false,
      // What Polar gives every new organization (organization/service.py create): seats are
      // sold through the member model.
      seatBasedPricingEnabled: true,
      walletsEnabled: false,
      memberModelEnabled: true,
      checkoutLocalizationEnabled: false,
      overviewMetrics: null,
      resetProrationBehaviorEnabled: false,
    },
    subscriptionSettings: {
      allowMultipleSubscriptions: ORGANIZATION_POLICY.allowMultipleSubscriptions,
      prorationBehavior: ORGANIZATION_POLICY.prorationBehavior,
      benefitRevocationGracePeriod: 0,
      preventTrialAbuse: false,
      allowCustomerUpdates: true,
    },
    customerEmailSettings: {
      orderConfirmation: true,
      subscriptionCancellation: true,
      subscriptionConfirmation: true,
      subscriptionCycled: true,
      subscriptionCycledAfterTrial: true,
      subscriptionPastDue: true,
      subscriptionRenewalReminder: true,
      subscriptionRevoked: true,
      subscriptionTrialConversionReminder: true,
      subscriptionUncanceled: true,
      subscriptionPaused: true,
      subscriptionResumed: true,
      subscriptionUpdated: true,
    },
    customerPortalSettings: { usage: { show: true }, subscription: { updateSeats: true, updatePlan: true } },
    country: "US",
    accountId: null,
    payoutAccountId: null,
    capabilities: { checkoutPayments: true, subscriptionRenewals: true, payouts: true, refunds: true, apiAccess: true, dashboardAccess: true },
  };
}

// The SDK's event type is an open enum, as Polar's list grows: a type this SDK version lacks
// (subscription.cycled) is carried as it is. The endpoint's events were checked when they were set.
const asEventType = (type: string) => type as WebhookEndpoint["events"][number];

/** The emulator's one endpoint as Polar's API shows it, secret included (Polar shows it too). */
export function toWebhookEndpoint(e: EndpointState, secret: string, ctx: WireContext): WebhookEndpoint {
  return {
    createdAt: date(e.createdAt),
    modifiedAt: dateOrNull(e.modifiedAt),
    id: e.id,
    url: e.url,
    name: null,
    format: "raw",
    secret,
    organizationId: ctx.store.organizationId,
    events: e.events.map(asEventType),
    enabled: e.enabled,
  };
}

/** Polar's pagination: `max_page` is the number of pages (0 when there is nothing). */
export function paginate<T>(all: T[], page: number, limit: number): { items: T[]; pagination: Pagination } {
  return {
    items: all.slice((page - 1) * limit, page * limit),
    pagination: { totalCount: all.length, maxPage: Math.ceil(all.length / limit) },
  };
}

/**
 * Encodes with the SDK's outbound schema, then parses the result back with its inbound schema:
 * a body the SDK would reject is an emulator bug, and it fails here, loudly, not in the app.
 */
function roundTrip<T>(encode: (v: T) => unknown, decode: { parse(v: unknown): unknown }, value: T): unknown {
  const json: unknown = JSON.parse(JSON.stringify(encode(value)));
  decode.parse(json);
  return json;
}

type Encoder<T> = (v: T) => unknown;

/**
 * Speakeasy generates outbound schemas only for types that can be sent, so the list envelopes
 * and CustomerSession have none: their few own fields are written here, everything inside them
 * still goes through the item's outbound schema, and the round trip checks the whole.
 */
function listOf<T>(item: Encoder<T>, decode: { parse(v: unknown): unknown }) {
  return (v: { items: T[]; pagination: Pagination }) =>
    roundTrip(
      (x: typeof v) => ({ items: x.items.map(item), pagination: { total_count: x.pagination.totalCount, max_page: x.pagination.maxPage } }),
      decode,
      v,
    );
}

const encodeProduct: Encoder<Product> = (v) => Product$outboundSchema.parse(v);
const encodeOrder: Encoder<Order> = (v) => Order$outboundSchema.parse(v);
const encodeSubscription: Encoder<Subscription> = (v) => Subscription$outboundSchema.parse(v);
const encodeCustomer: Encoder<Customer> = (v) => Customer$outboundSchema.parse(v);
const encodeMember: Encoder<Member> = (v) => Member$outboundSchema.parse(v);
const encodeSeat: Encoder<CustomerSeat> = (v) => CustomerSeat$outboundSchema.parse(v);

const encodeOrganization: Encoder<Organization> = (v) => Organization$outboundSchema.parse(v);

// The SDK only reads endpoints (it sends WebhookEndpointCreate/Update), so it has no outbound
// schema for them: the fields are written here and the round trip checks them.
const encodeWebhookEndpoint: Encoder<WebhookEndpoint> = (v) => ({
  created_at: v.createdAt.toISOString(),
  modified_at: v.modifiedAt?.toISOString() ?? null,
  id: v.id,
  url: v.url,
  name: v.name ?? null,
  format: v.format,
  secret: v.secret,
  organization_id: v.organizationId,
  events: v.events,
  enabled: v.enabled,
});

const encodeCustomerSession: Encoder<CustomerSession> = (v) => ({
  created_at: v.createdAt.toISOString(),
  modified_at: v.modifiedAt?.toISOString() ?? null,
  id: v.id,
  token: v.token,
  expires_at: v.expiresAt.toISOString(),
  return_url: v.returnUrl,
  customer_portal_url: v.customerPortalUrl,
  customer_id: v.customerId,
  customer: Customer$outboundSchema.parse(v.customer),
});

// Response-only types (no outbound schema in the SDK): their own fields written here.
const encodeSeatsList: Encoder<SeatsList> = (v) => ({ seats: v.seats.map(encodeSeat), available_seats: v.availableSeats, total_seats: v.totalSeats });
const encodeSeatClaimInfo: Encoder<SeatClaimInfo> = (v) => ({
  product_name: v.productName,
  product_id: v.productId,
  organization_name: v.organizationName,
  organization_slug: v.organizationSlug,
  customer_email: v.customerEmail,
  can_claim: v.canClaim,
});
const encodeSeatClaim: Encoder<CustomerSeatClaimResponse> = (v) => ({ seat: encodeSeat(v.seat), customer_session_token: v.customerSessionToken });

/** JSON bodies of REST responses, each through the SDK's own schemas. */
export const wire = {
  product: (v: Product) => roundTrip(encodeProduct, Product$inboundSchema, v),
  checkout: (v: Checkout) => roundTrip((x: Checkout) => Checkout$outboundSchema.parse(x), Checkout$inboundSchema, v),
  customer: (v: Customer) => roundTrip(encodeCustomer, Customer$inboundSchema, v),
  customerState: (v: CustomerState) => roundTrip(encodeCustomerState, CustomerState$inboundSchema, v),
  customerSession: (v: CustomerSession) => roundTrip(encodeCustomerSession, CustomerSession$inboundSchema, v),
  order: (v: Order) => roundTrip(encodeOrder, Order$inboundSchema, v),
  subscription: (v: Subscription) => roundTrip(encodeSubscription, Subscription$inboundSchema, v),
  refund: (v: Refund) => roundTrip((x: Refund) => Refund$outboundSchema.parse(x), Refund$inboundSchema, v),
  productList: listOf(encodeProduct, ListResourceProduct$inboundSchema),
  orderList: listOf(encodeOrder, ListResourceOrder$inboundSchema),
  subscriptionList: listOf(encodeSubscription, ListResourceSubscription$inboundSchema),
  customerList: listOf(encodeCustomer, ListResourceCustomer$inboundSchema),
  organization: (v: Organization) => roundTrip(encodeOrganization, Organization$inboundSchema, v),
  organizationList: listOf(encodeOrganization, ListResourceOrganization$inboundSchema),
  webhookEndpoint: (v: WebhookEndpoint) => roundTrip(encodeWebhookEndpoint, WebhookEndpoint$inboundSchema, v),
  webhookEndpointList: listOf(encodeWebhookEndpoint, ListResourceWebhookEndpoint$inboundSchema),
  member: (v: Member) => roundTrip(encodeMember, Member$inboundSchema, v),
  memberList: listOf(encodeMember, ListResourceMember$inboundSchema),
  seat: (v: CustomerSeat) => roundTrip(encodeSeat, CustomerSeat$inboundSchema, v),
  seatsList: (v: SeatsList) => roundTrip(encodeSeatsList, SeatsList$inboundSchema, v),
  seatClaimInfo: (v: SeatClaimInfo) => roundTrip(encodeSeatClaimInfo, SeatClaimInfo$inboundSchema, v),
  seatClaim: (v: CustomerSeatClaimResponse) => roundTrip(encodeSeatClaim, CustomerSeatClaimResponse$inboundSchema, v),
};
