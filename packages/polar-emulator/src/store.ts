import { randomBytes, randomUUID } from "node:crypto";
import type { ProrationLine } from "./proration";
import type { SeatTiers } from "./seat-pricing";
import type {
  BenefitGrantRecord,
  BenefitRecord,
  CustomerMeterRecord,
  EventRecord,
  MeteredPriceRecord,
  MeterRecord,
  SubscriptionMeterRecord,
} from "./usage-records";

/**
 * The emulator's state as plain records (ISO strings for dates) so a snapshot is plain JSON.
 * The SDK-typed objects Polar returns are built from these in serialize.ts, never stored.
 */

export type Metadata = Record<string, string | number | boolean>;
export type RecurringInterval = "day" | "week" | "month" | "year";
export type TrialInterval = "day" | "week" | "month" | "year";
export type CheckoutStatus = "open" | "expired" | "confirmed" | "succeeded" | "failed";
export type CustomerCancellationReason =
  | "customer_service"
  | "low_quality"
  | "missing_features"
  | "switched_service"
  | "too_complex"
  | "too_expensive"
  | "unused"
  | "other";

export interface ProductRecord {
  id: string;
  priceId: string;
  name: string;
  description: string | null;
  // The fixed price; 0 and unused for a seat-based product (its price is `seatTiers`).
  priceAmount: number;
  // A seat-based price (Polar's ProductPriceSeatUnit) instead of the fixed one; null otherwise.
  seatTiers: SeatTiers | null;
  priceCurrency: string;
  recurringInterval: RecurringInterval | null;
  // Both set or both null; only on a recurring product (Polar's product trial configuration).
  trialInterval: TrialInterval | null;
  trialIntervalCount: number | null;
  metadata: Metadata;
  visibility: "public" | "private" | "draft";
  isArchived: boolean;
  // The benefits it grants, in the product's order (Polar's ProductBenefit.order).
  benefitIds: string[];
  // Its `metered_unit` prices, beside the fixed price.
  meteredPrices: MeteredPriceRecord[];
  createdAt: string;
  modifiedAt: string | null;
}

export interface CustomerRecord {
  id: string;
  // Polar upgrades a customer to `team` for good at its first seat-based purchase.
  type: "individual" | "team";
  email: string;
  externalId: string | null;
  name: string | null;
  metadata: Metadata;
  createdAt: string;
  modifiedAt: string | null;
  // Polar's billing wallet, per currency (balance.ts): positive is credit the customer has
  // (a downgrade's credit order), negative a small charge carried over to the next order.
  balances: Record<string, number>;
  // The emulator's switch (admin and portal): the next charge of the saved card is declined.
  declineNextCharge: boolean;
}

export interface CheckoutRecord {
  id: string;
  clientSecret: string;
  status: CheckoutStatus;
  productIds: string[];
  productId: string; // the selected product (Polar selects the first one)
  customerId: string | null;
  externalCustomerId: string | null;
  customerEmail: string | null;
  customerName: string | null;
  successUrl: string | null; // as given, `{CHECKOUT_ID}` placeholder included
  returnUrl: string | null;
  metadata: Metadata;
  customerMetadata: Metadata;
  // Polar's `allow_trial` and the checkout's own trial, which overrides the product's (trial.ts).
  allowTrial: boolean;
  trialInterval: TrialInterval | null;
  trialIntervalCount: number | null;
  // When the trial would end if paid now; null without a trial. Recomputed at each change.
  trialEnd: string | null;
  // The seats bought (a seat-based product only), and the checkout's own bounds on them.
  seats: number | null;
  minSeats: number | null;
  maxSeats: number | null;
  createdAt: string;
  modifiedAt: string | null;
  expiresAt: string;
  orderId: string | null;
  subscriptionId: string | null;
}

/** One line of an itemized order (a plan change's prorations, a renewal carrying deferred ones). */
export interface OrderItemRecord {
  id: string;
  label: string;
  amount: number; // negative for a credit (Polar's "Remaining time on ..." line)
  proration: boolean;
  productPriceId: string | null;
}

export interface OrderRecord {
  id: string;
  status: "pending" | "paid" | "refunded" | "partially_refunded";
  customerId: string;
  productId: string;
  checkoutId: string | null;
  subscriptionId: string | null;
  billingReason: "purchase" | "subscription_create" | "subscription_cycle" | "subscription_update";
  amount: number;
  currency: string;
  refundedAmount: number;
  invoiceNumber: string;
  itemId: string;
  // Set on the $0 order a trial starts with: its one item is the trial period, not the price.
  trialPeriod: { start: string; end: string } | null;
  // The order's lines when it has several (amount is their sum); null: one line for the
  // product's price, or for the trial period (serialize.ts derives it).
  items: OrderItemRecord[] | null;
  // Polar's applied_balance_amount: the customer's credit used (negative), or a carried-over
  // charge added (positive); the card is charged amount + appliedBalanceAmount.
  appliedBalanceAmount: number;
  // The seats a checkout's order bought (Polar's Order.seats); null on other orders.
  seats: number | null;
  // Dunning of a declined renewal (dunning.ts): failed payments so far, and Polar's next try.
  failedPayments: number;
  nextPaymentAttemptAt: string | null;
  metadata: Metadata;
  createdAt: string;
  modifiedAt: string | null;
}

/**
 * A change scheduled for the next renewal (Polar's `next_period` proration behavior): a product,
 * a seat count, or both (Polar merges them into one pending update).
 */
export interface PendingUpdateRecord {
  id: string;
  createdAt: string;
  modifiedAt: string | null;
  appliesAt: string;
  productId: string | null;
  seats: number | null;
}

export interface SubscriptionRecord {
  id: string;
  status: "incomplete" | "trialing" | "active" | "past_due" | "canceled" | "unpaid" | "paused";
  customerId: string;
  productId: string;
  checkoutId: string | null;
  amount: number;
  currency: string;
  // A seat-based subscription's seats (what `amount` is the price of); null otherwise.
  seats: number | null;
  recurringInterval: RecurringInterval;
  currentPeriodStart: string;
  currentPeriodEnd: string;
  // Kept after the trial converts, as on Polar.
  trialStart: string | null;
  trialEnd: string | null;
  // Set when a renewal is first declined, cleared on recovery: the dunning deadline counts from it.
  pastDueAt: string | null;
  // The day of the month it renews on (Polar's anchor_day): the start day, moved by a trial's
  // end, an interval change and a resume.
  anchorDay: number;
  cancelAtPeriodEnd: boolean;
  canceledAt: string | null;
  customerCancellationReason: CustomerCancellationReason | null;
  customerCancellationComment: string | null;
  // Pause at period end (set by the API), paused since, and when it resumes by itself.
  pauseAtPeriodEnd: boolean;
  pausedAt: string | null;
  resumesAt: string | null;
  pendingUpdate: PendingUpdateRecord | null;
  // A `prorate` change's lines, billed with the next renewal order (Polar's pending billing entries).
  pendingProrations: ProrationLine[];
  // One per metered price of its product (Polar's SubscriptionMeter), with the unbilled usage's start.
  meters: SubscriptionMeterRecord[];
  startedAt: string | null;
  endsAt: string | null;
  endedAt: string | null;
  metadata: Metadata;
  createdAt: string;
  modifiedAt: string | null;
}

export interface RefundRecord {
  id: string;
  status: "pending" | "succeeded" | "failed" | "canceled";
  reason: "customer_request";
  orderId: string;
  subscriptionId: string | null;
  customerId: string;
  amount: number;
  currency: string;
  metadata: Metadata;
  createdAt: string;
  modifiedAt: string | null;
}

export interface CustomerSessionRecord {
  id: string;
  token: string;
  customerId: string;
  // A member session (Polar's MemberSession, `polar_mst_`): the member it is for.
  memberId: string | null;
  returnUrl: string | null;
  createdAt: string;
  expiresAt: string;
}

/** A person under a customer (Polar's Member): the owner is the buyer, others hold seats. */
export interface MemberRecord {
  id: string;
  customerId: string;
  email: string;
  name: string | null;
  externalId: string | null;
  role: "owner" | "billing_manager" | "member";
  createdAt: string;
  modifiedAt: string | null;
  deletedAt: string | null;
}

/** A seat of a seat-based subscription (Polar's CustomerSeat), for one member. */
export interface SeatRecord {
  id: string;
  subscriptionId: string | null;
  orderId: string | null;
  status: "pending" | "claimed" | "revoked";
  // The billing customer (Polar's member model); cleared with the member when revoked.
  customerId: string | null;
  memberId: string | null;
  email: string | null;
  invitationToken: string | null;
  invitationTokenExpiresAt: string | null;
  claimedAt: string | null;
  revokedAt: string | null;
  metadata: Record<string, unknown>;
  createdAt: string;
  modifiedAt: string | null;
}

/** An email Polar would send (the emulator sends none: they are listed at /admin/emails.json). */
export interface EmailRecord {
  id: string;
  kind: "seat_invitation";
  to: string;
  subject: string;
  seatId: string;
  // The link in the email (Polar's `{frontend}/{slug}/portal/claim?token=...`) and its token.
  claimUrl: string;
  token: string;
  sentAt: string;
}

/** The one organization an emulator serves (an Organization Access Token sees only its own). */
export interface OrganizationRecord {
  id: string;
  name: string;
  slug: string;
  createdAt: string;
}

/** The usage catalogue a seed brings: meters and benefits (products name the benefits they grant). */
export interface UsageSeed {
  meters: MeterRecord[];
  benefits: BenefitRecord[];
}

export interface StoreSnapshot {
  /** Products created or changed through the admin API, applied over the seed on restore. */
  changedProducts?: ProductRecord[];
  /** Benefits created or changed through the API, applied over the seed on restore. */
  changedBenefits?: BenefitRecord[];
  events?: EventRecord[];
  grants?: BenefitGrantRecord[];
  customerMeters?: CustomerMeterRecord[];
  members?: MemberRecord[];
  seats?: SeatRecord[];
  emails?: EmailRecord[];
  customers: CustomerRecord[];
  checkouts: CheckoutRecord[];
  orders: OrderRecord[];
  subscriptions: SubscriptionRecord[];
  refunds: RefundRecord[];
  sessions: CustomerSessionRecord[];
  invoiceCounter: number;
}

let lastTick = 0;
/**
 * Strictly increasing timestamps: the events of one Pay click are emitted within a millisecond,
 * and consumers order them by `modified_at` ("newer wins"), so two must never tie.
 */
export function tick(): Date {
  lastTick = Math.max(Date.now(), lastTick + 1);
  return new Date(lastTick);
}
export const isoNow = (): string => tick().toISOString();

/** Polar's secrets are a prefix plus random alphanumerics. */
export function secretToken(prefix: string, length = 48): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  const bytes = randomBytes(length);
  let out = prefix;
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

export const newId = (): string => randomUUID();

const byCreatedDesc = <T extends { createdAt: string }>(a: T, b: T): number => b.createdAt.localeCompare(a.createdAt);

export class Store {
  private readonly catalogue = new Map<string, ProductRecord>();
  private readonly changedProductIds = new Set<string>();
  readonly customers = new Map<string, CustomerRecord>();
  readonly checkouts = new Map<string, CheckoutRecord>();
  readonly orders = new Map<string, OrderRecord>();
  readonly subscriptions = new Map<string, SubscriptionRecord>();
  readonly refunds = new Map<string, RefundRecord>();
  readonly sessions = new Map<string, CustomerSessionRecord>();
  readonly meters = new Map<string, MeterRecord>();
  readonly benefits = new Map<string, BenefitRecord>();
  private readonly changedBenefitIds = new Set<string>();
  // Insertion order is ingestion order, which the meter windows rely on.
  readonly events = new Map<string, EventRecord>();
  // Polar's unique index on (organization_id, external_id): the dedupe of ingestion.
  private readonly eventsByExternalId = new Map<string, string>();
  readonly grants = new Map<string, BenefitGrantRecord>();
  readonly customerMeters = new Map<string, CustomerMeterRecord>();
  readonly members = new Map<string, MemberRecord>();
  // Insertion order is creation order: Polar lists a subscription's seats in that order.
  readonly seats = new Map<string, SeatRecord>();
  readonly emails: EmailRecord[] = [];
  private invoiceCounter = 0;

  constructor(
    readonly organization: OrganizationRecord,
    private readonly seedProducts: ProductRecord[],
    private readonly seedUsage: UsageSeed = { meters: [], benefits: [] },
  ) {
    this.restoreSeedProducts();
    this.restoreSeedUsage();
  }

  get organizationId(): string {
    return this.organization.id;
  }

  get products(): ReadonlyMap<string, ProductRecord> {
    return this.catalogue;
  }

  productList(): ProductRecord[] {
    return [...this.catalogue.values()];
  }

  /** A product created or replaced outside the seed (the admin API); "created" when the id is new. */
  upsertProduct(product: ProductRecord): "created" | "updated" {
    const existed = this.catalogue.has(product.id);
    this.catalogue.set(product.id, product);
    this.changedProductIds.add(product.id);
    return existed ? "updated" : "created";
  }

  private restoreSeedProducts(): void {
    this.catalogue.clear();
    this.changedProductIds.clear();
    // Copies: a change through the admin API must not alter the seed a reset goes back to.
    for (const p of this.seedProducts) {
      this.catalogue.set(p.id, structuredClone(p));
    }
  }

  private restoreSeedUsage(): void {
    this.meters.clear();
    this.benefits.clear();
    this.changedBenefitIds.clear();
    for (const m of this.seedUsage.meters) this.meters.set(m.id, structuredClone(m));
    for (const b of this.seedUsage.benefits) this.benefits.set(b.id, structuredClone(b));
  }

  /** A benefit created or changed outside the seed (the API), kept across restarts. */
  upsertBenefit(benefit: BenefitRecord): void {
    this.benefits.set(benefit.id, benefit);
    this.changedBenefitIds.add(benefit.id);
  }

  /** Stores an event unless its `external_id` is taken; false for a duplicate. */
  addEvent(event: EventRecord): boolean {
    if (event.externalId !== null) {
      if (this.eventsByExternalId.has(event.externalId)) return false;
      this.eventsByExternalId.set(event.externalId, event.id);
    }
    this.events.set(event.id, event);
    return true;
  }

  customerByExternalId(externalId: string): CustomerRecord | undefined {
    for (const c of this.customers.values()) if (c.externalId === externalId) return c;
    return undefined;
  }

  /** Polar's customer emails are unique per organization, compared case-insensitively. */
  customerByEmail(email: string): CustomerRecord | undefined {
    const wanted = email.toLowerCase();
    for (const c of this.customers.values()) if (c.email.toLowerCase() === wanted) return c;
    return undefined;
  }

  checkoutByClientSecret(secret: string): CheckoutRecord | undefined {
    for (const c of this.checkouts.values()) if (c.clientSecret === secret) return c;
    return undefined;
  }

  /** A customer's members not deleted, oldest first. */
  membersOf(customerId: string): MemberRecord[] {
    return [...this.members.values()].filter((m) => m.customerId === customerId && m.deletedAt === null).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  ownerOf(customerId: string): MemberRecord | undefined {
    return this.membersOf(customerId).find((m) => m.role === "owner");
  }

  /** A subscription's (or an order's) seats, in creation order. */
  seatsOf(container: { subscriptionId: string } | { orderId: string }): SeatRecord[] {
    return [...this.seats.values()].filter((s) => ("subscriptionId" in container ? s.subscriptionId === container.subscriptionId : s.orderId === container.orderId));
  }

  seatByToken(token: string): SeatRecord | undefined {
    for (const s of this.seats.values()) if (s.invitationToken === token) return s;
    return undefined;
  }

  sessionByToken(token: string): CustomerSessionRecord | undefined {
    for (const s of this.sessions.values()) if (s.token === token) return s;
    return undefined;
  }

  ordersWhere(filter: (o: OrderRecord) => boolean): OrderRecord[] {
    return [...this.orders.values()].filter(filter).sort(byCreatedDesc);
  }

  subscriptionsWhere(filter: (s: SubscriptionRecord) => boolean): SubscriptionRecord[] {
    return [...this.subscriptions.values()].filter(filter).sort(byCreatedDesc);
  }

  /** Invoice numbers are sequential per organization, as on Polar. */
  nextInvoiceNumber(): string {
    this.invoiceCounter += 1;
    return `ACME-${String(this.invoiceCounter).padStart(4, "0")}`;
  }

  /** Forgets everything that happened; the catalogue goes back to the seed. */
  reset(): void {
    for (const m of [this.customers, this.checkouts, this.orders, this.subscriptions, this.refunds, this.sessions]) m.clear();
    for (const m of [this.events, this.eventsByExternalId, this.grants, this.customerMeters]) m.clear();
    this.members.clear();
    this.seats.clear();
    this.emails.length = 0;
    this.invoiceCounter = 0;
    this.restoreSeedProducts();
    this.restoreSeedUsage();
  }

  snapshot(): StoreSnapshot {
    return {
      changedProducts: [...this.changedProductIds].map((id) => this.catalogue.get(id)).filter((p): p is ProductRecord => p !== undefined),
      customers: [...this.customers.values()],
      checkouts: [...this.checkouts.values()],
      orders: [...this.orders.values()],
      subscriptions: [...this.subscriptions.values()],
      refunds: [...this.refunds.values()],
      sessions: [...this.sessions.values()],
      changedBenefits: [...this.changedBenefitIds].map((id) => this.benefits.get(id)).filter((b): b is BenefitRecord => b !== undefined),
      events: [...this.events.values()],
      grants: [...this.grants.values()],
      customerMeters: [...this.customerMeters.values()],
      members: [...this.members.values()],
      seats: [...this.seats.values()],
      emails: [...this.emails],
      invoiceCounter: this.invoiceCounter,
    };
  }

  restore(s: StoreSnapshot): void {
    this.reset();
    const fill = <T extends { id: string }>(map: Map<string, T>, items: T[] | undefined) => {
      for (const item of items ?? []) map.set(item.id, item);
    };
    // A state file written before trials (or plan changes) existed lacks their fields (typed as
    // present): no trial, no credit, no pause, nothing pending.
    fill(this.customers, s.customers?.map((c) => ({ ...c, type: c.type ?? "individual", balances: c.balances ?? {}, declineNextCharge: c.declineNextCharge ?? false })));
    fill(
      this.checkouts,
      s.checkouts?.map((c) => ({
        ...c,
        allowTrial: c.allowTrial ?? true,
        trialInterval: c.trialInterval ?? null,
        trialIntervalCount: c.trialIntervalCount ?? null,
        trialEnd: c.trialEnd ?? null,
        seats: c.seats ?? null,
        minSeats: c.minSeats ?? null,
        maxSeats: c.maxSeats ?? null,
      })),
    );
    fill(
      this.orders,
      s.orders?.map((o) => ({
        ...o,
        trialPeriod: o.trialPeriod ?? null,
        failedPayments: o.failedPayments ?? 0,
        nextPaymentAttemptAt: o.nextPaymentAttemptAt ?? null,
        items: o.items ?? null,
        appliedBalanceAmount: o.appliedBalanceAmount ?? 0,
        seats: o.seats ?? null,
      })),
    );
    fill(
      this.subscriptions,
      s.subscriptions?.map((x) => ({
        ...x,
        trialStart: x.trialStart ?? null,
        trialEnd: x.trialEnd ?? null,
        pastDueAt: x.pastDueAt ?? null,
        // What the renewal used before the anchor was stored: the trial's end, else the start.
        anchorDay: x.anchorDay ?? new Date(x.trialEnd ?? x.startedAt ?? x.createdAt).getUTCDate(),
        customerCancellationReason: x.customerCancellationReason ?? null,
        customerCancellationComment: x.customerCancellationComment ?? null,
        pauseAtPeriodEnd: x.pauseAtPeriodEnd ?? false,
        pausedAt: x.pausedAt ?? null,
        resumesAt: x.resumesAt ?? null,
        seats: x.seats ?? null,
        pendingUpdate: x.pendingUpdate ? { ...x.pendingUpdate, seats: x.pendingUpdate.seats ?? null } : null,
        pendingProrations: x.pendingProrations ?? [],
        // Saved before meters existed: its product's metered prices, billed from this period.
        meters:
          x.meters ??
          (this.catalogue.get(x.productId)?.meteredPrices ?? []).map((m) => ({
            id: newId(),
            meterId: m.meterId,
            priceId: m.id,
            createdAt: x.currentPeriodStart,
            billedUntil: x.currentPeriodStart,
          })),
      })),
    );
    fill(this.refunds, s.refunds);
    fill(this.sessions, s.sessions?.map((x) => ({ ...x, memberId: x.memberId ?? null })));
    fill(this.grants, s.grants?.map((g) => ({ ...g, memberId: g.memberId ?? null })));
    fill(this.members, s.members);
    fill(this.seats, s.seats);
    this.emails.push(...(s.emails ?? []));
    fill(this.customerMeters, s.customerMeters);
    for (const e of s.events ?? []) this.addEvent(e);
    for (const b of s.changedBenefits ?? []) this.upsertBenefit(b);
    // A product saved before benefits existed keeps what the seed gives it, if anything.
    for (const p of s.changedProducts ?? []) {
      const seeded = this.catalogue.get(p.id);
      this.upsertProduct({
        ...p,
        trialInterval: p.trialInterval ?? null,
        trialIntervalCount: p.trialIntervalCount ?? null,
        seatTiers: p.seatTiers ?? seeded?.seatTiers ?? null,
        benefitIds: p.benefitIds ?? seeded?.benefitIds ?? [],
        meteredPrices: p.meteredPrices ?? seeded?.meteredPrices ?? [],
      });
    }
    this.invoiceCounter = s.invoiceCounter ?? this.orders.size;
  }
}
