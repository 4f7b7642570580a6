import { isoNow, newId, type CustomerRecord, type OrderRecord, type ProductRecord, type SubscriptionRecord } from "../store";
import type { BenefitGrantRecord, BenefitRecord, GrantProperties } from "../usage-records";
import { touch, type FlowContext } from "./emit";
import type { Members } from "./members";
import type { Meters } from "./meters";
import type { Seats } from "./seats";

/**
 * Benefit grants as Polar's server runs them (server/polar/benefit/grant/service.py and the
 * two strategies under benefit/strategies/{feature_flag,meter_credit}/service.py):
 *
 * - a grant is one benefit for one customer in one scope, a subscription or a one-time order;
 * - a subscription's product's benefits are granted while it is active or trialing and revoked
 *   otherwise (`SubscriptionService.enqueue_benefits_grants`); grants of benefits its product no
 *   longer has are revoked (`list_outdated_grants`); revocations go first, then grants, in the
 *   product's order;
 * - a one-time order grants its product's benefits once (`create_from_checkout_one_time`);
 * - a paid renewal cycles the subscription's grants (`_on_order_paid`, `cycle_benefit_grant`);
 * - a meter credit credits its units when granted; when cycled it resets the meter first,
 *   unless the renewal already did, carrying rollover credits, then credits again; when revoked
 *   it takes back what it last credited, unless another grant of the same benefit is in force;
 *   a feature flag does nothing but be listed.
 *
 * Each change sends its `benefit_grant.*` webhook; callers send the customer's state after
 * (Polar debounces the state webhook per customer, so one follows a burst of grants).
 *
 * Members (the emulated organization has Polar's member model on): every grant is for a member
 * of the customer. A product without seats grants to the customer's owner (benefit/grant/
 * scope.py `resolve_member`); a seat-based product grants nothing to the subscription itself
 * (`SubscriptionService.enqueue_benefits_grants` returns early) but to each seat's member when
 * the seat is claimed, and takes it back when the seat is revoked; when such a subscription
 * stops being active, all its seats are revoked (`revoke_all_seats_for_subscription`).
 */

/** Python's `datetime.isoformat()` of an aware UTC time, as Polar stores `last_credited_at`. */
const pythonIso = (iso: string): string => iso.replace(/\.(\d{3})Z$/, ".$1000+00:00");

type Scope = { subscriptionId: string; orderId: null } | { subscriptionId: null; orderId: string };

const GRANTING: ReadonlySet<SubscriptionRecord["status"]> = new Set(["active", "trialing"]);

export class Benefits {
  /** Bound after construction (the seats flow needs this one too). */
  seats: Seats | null = null;

  constructor(
    private readonly fx: FlowContext,
    private readonly meters: Meters,
    private readonly members: Members,
  ) {}

  /**
   * The grants of a scope, all members' or one member's. A grant from a state file written
   * before members has none and counts as the owner's.
   */
  private grantsOf(scope: Scope, memberId?: string, ownerId?: string): BenefitGrantRecord[] {
    return [...this.fx.store.grants.values()].filter(
      (g) =>
        g.subscriptionId === scope.subscriptionId &&
        g.orderId === scope.orderId &&
        (memberId === undefined || g.memberId === memberId || (g.memberId === null && memberId === ownerId)),
    );
  }

  private benefitsOf(product: ProductRecord): BenefitRecord[] {
    return product.benefitIds.map((id) => this.fx.store.benefits.get(id)).filter((b): b is BenefitRecord => b !== undefined);
  }

  /**
   * Polar's `enqueue_benefits_grants`: revoke what must go, then grant what is missing. True
   * when a grant changed.
   */
  private sync(customer: CustomerRecord, product: ProductRecord, scope: Scope, granting: boolean, memberId: string, ownerId?: string): boolean {
    const grants = this.grantsOf(scope, memberId, ownerId);
    const granted = new Set(grants.filter((g) => g.grantedAt !== null).map((g) => g.benefitId));
    const productBenefits = this.benefitsOf(product);
    const ids = new Set(productBenefits.map((b) => b.id));
    const revoke = grants.filter((g) => g.grantedAt !== null && (!granting || !ids.has(g.benefitId)));
    const grant = granting ? productBenefits.filter((b) => !granted.has(b.id)) : [];
    for (const g of revoke) this.revoke(g);
    for (const b of grant) this.grant(customer, b, scope, memberId, grants);
    return revoke.length + grant.length > 0;
  }

  /**
   * A subscription's grants follow its status and its product: the owner's for a product without
   * seats; for a seat-based one nothing while it is active (the seats' members get theirs when
   * they claim), every seat revoked once it is not.
   */
  syncSubscription(sub: SubscriptionRecord): boolean {
    const customer = this.fx.store.customers.get(sub.customerId);
    const product = this.fx.store.products.get(sub.productId);
    if (!customer || !product) return false;
    if (product.seatTiers) return GRANTING.has(sub.status) ? false : (this.seats?.revokeAllForSubscription(sub) ?? false);
    const owner = this.members.ensureOwner(customer);
    return this.sync(customer, product, { subscriptionId: sub.id, orderId: null }, GRANTING.has(sub.status), owner.id, owner.id);
  }

  /**
   * A seat's member gets its container's product's benefits (the seat is claimed), or loses them
   * (revoked): a subscription's seat in the subscription's scope, an order's seat in the order's.
   */
  syncSeat(container: SubscriptionRecord | OrderRecord, memberId: string, granting: boolean): boolean {
    const customer = this.fx.store.customers.get(container.customerId);
    const product = this.fx.store.products.get(container.productId);
    if (!customer || !product) return false;
    const scope: Scope = "billingReason" in container ? { subscriptionId: null, orderId: container.id } : { subscriptionId: container.id, orderId: null };
    return this.sync(customer, product, scope, granting, memberId);
  }

  /**
   * A deleted member's grants (Polar's `enqueue_member_grant_deletions`, `delete_benefit_grant`):
   * each revoked, the strategy's revoke run whatever other grants exist (a meter credit is taken
   * back). True when one changed.
   */
  revokeMemberGrants(memberId: string): boolean {
    const grants = [...this.fx.store.grants.values()].filter((g) => g.memberId === memberId && g.grantedAt !== null);
    for (const g of grants) this.revoke(g, { always: true });
    return grants.length > 0;
  }

  /** A paid one-time order grants its product's benefits (and keeps them: Polar revokes them only on request). */
  syncOrder(order: OrderRecord): boolean {
    const customer = this.fx.store.customers.get(order.customerId);
    const product = this.fx.store.products.get(order.productId);
    if (!customer || !product || order.subscriptionId !== null) return false;
    const owner = this.members.ensureOwner(customer);
    return this.sync(customer, product, { subscriptionId: null, orderId: order.id }, true, owner.id, owner.id);
  }

  /** A paid renewal: every grant in force of the subscription is cycled (`benefit_grant.cycled`). */
  cycleSubscription(sub: SubscriptionRecord): boolean {
    const grants = this.grantsOf({ subscriptionId: sub.id, orderId: null }).filter((g) => g.grantedAt !== null);
    for (const g of grants) this.cycle(g);
    return grants.length > 0;
  }

  /**
   * `POST /v1/products/{id}/benefits`: the product's benefits replaced, `product.updated`, then
   * every subscription and one-time order of the product brought in line (Polar's
   * `update_product_benefits_grants` jobs), then each customer's state. Returns the product.
   */
  setProductBenefits(product: ProductRecord, benefitIds: string[]): ProductRecord {
    const { store } = this.fx;
    const changed = product.benefitIds.length !== benefitIds.length || product.benefitIds.some((id) => !benefitIds.includes(id));
    product.benefitIds = [...benefitIds];
    touch(product);
    store.upsertProduct(product);
    this.fx.emit.product("product.updated", product);
    if (changed) {
      const customers = new Set<string>();
      for (const sub of store.subscriptionsWhere((s) => s.productId === product.id)) {
        if (this.syncSubscription(sub)) customers.add(sub.customerId);
        // A seat-based product's claimed seats follow too (seat service `update_product_benefits_grants`).
        if (product.seatTiers && GRANTING.has(sub.status)) {
          for (const seat of store.seatsOf({ subscriptionId: sub.id })) {
            if (seat.status === "claimed" && seat.memberId && this.syncSeat(sub, seat.memberId, true)) customers.add(sub.customerId);
          }
        }
      }
      for (const order of store.ordersWhere((o) => o.productId === product.id && o.subscriptionId === null)) if (this.syncOrder(order)) customers.add(order.customerId);
      for (const id of customers) this.fx.emit.customerState(id);
    }
    this.fx.changed();
    return product;
  }

  private grant(customer: CustomerRecord, benefit: BenefitRecord, scope: Scope, memberId: string, existing: BenefitGrantRecord[]): void {
    let grant = existing.find((g) => g.benefitId === benefit.id);
    const now = isoNow();
    if (!grant) {
      grant = { id: newId(), benefitId: benefit.id, customerId: customer.id, memberId, ...scope, grantedAt: null, revokedAt: null, properties: {}, createdAt: now, modifiedAt: null };
      this.fx.store.grants.set(grant.id, grant);
    } else {
      grant.modifiedAt = now;
      grant.memberId = memberId;
    }
    const previous = grant.properties;
    grant.properties = benefit.type === "meter_credit" ? this.creditNow(customer, benefit, benefit.properties.units) : {};
    grant.grantedAt = isoNow();
    grant.revokedAt = null;
    this.record("benefit.granted", customer, grant, benefit);
    this.fx.emit.benefitGrant("benefit_grant.created", grant, previous);
  }

  private revoke(grant: BenefitGrantRecord, opts: { always?: boolean } = {}): void {
    const { store } = this.fx;
    const benefit = store.benefits.get(grant.benefitId);
    const customer = store.customers.get(grant.customerId);
    if (!benefit || !customer || grant.grantedAt === null) return;
    const previous = grant.properties;
    // The credits go only with the customer's last grant of this benefit (another purchase may still give it).
    const inForce = [...store.grants.values()].filter((g) => g.benefitId === benefit.id && g.customerId === customer.id && g.grantedAt !== null);
    const meterId = grant.properties.last_credited_meter_id;
    if (benefit.type === "meter_credit" && (opts.always || inForce.length < 2) && meterId !== undefined) {
      grant.properties = this.creditNow(customer, benefit, -(grant.properties.last_credited_units ?? benefit.properties.units), meterId);
    }
    grant.grantedAt = null;
    grant.revokedAt = isoNow();
    touch(grant);
    this.record("benefit.revoked", customer, grant, benefit);
    this.fx.emit.benefitGrant("benefit_grant.revoked", grant, previous);
  }

  private cycle(grant: BenefitGrantRecord): void {
    const { store } = this.fx;
    const benefit = store.benefits.get(grant.benefitId);
    const customer = store.customers.get(grant.customerId);
    if (!benefit || !customer) return;
    const previous = grant.properties;
    if (benefit.type === "meter_credit") {
      const { meterId, units } = benefit.properties;
      // The renewal resets a meter it bills; a credit's meter it does not bill is reset here.
      const resetAt = this.meters.lastResetAt(customer.id, meterId);
      const creditedAt = grant.properties.last_credited_at;
      if (resetAt === null || (creditedAt !== undefined && Date.parse(resetAt) < Date.parse(creditedAt))) this.meters.reset(customer, meterId);
      grant.properties = this.creditNow(customer, benefit, units);
    }
    touch(grant);
    this.record("benefit.cycled", customer, grant, benefit);
    this.fx.emit.benefitGrant("benefit_grant.cycled", grant, previous);
  }

  /** The credit strategy's `_create_event`: a `meter.credited` event and what the grant remembers of it. */
  private creditNow(customer: CustomerRecord, benefit: Extract<BenefitRecord, { type: "meter_credit" }>, units: number, meterId = benefit.properties.meterId): GrantProperties {
    this.meters.credit(customer, meterId, units, benefit.properties.rollover);
    return { last_credited_meter_id: meterId, last_credited_units: units, last_credited_at: pythonIso(isoNow()) };
  }

  private record(name: "benefit.granted" | "benefit.cycled" | "benefit.revoked", customer: CustomerRecord, grant: BenefitGrantRecord, benefit: BenefitRecord): void {
    // Polar's `_build_benefit_grant_metadata`: the member's id too, when the grant has one.
    this.meters.systemEvent(name, customer, {
      benefit_id: benefit.id,
      benefit_grant_id: grant.id,
      benefit_type: benefit.type,
      ...(grant.memberId ? { member_id: grant.memberId } : {}),
    });
  }
}
