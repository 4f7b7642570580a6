import { randomBytes } from "node:crypto";
import {
  invalidInvitationToken,
  invalidSeatAssignmentRequest,
  memberEmailMismatch,
  memberNotFound,
  seatAlreadyAssigned,
  seatNotAvailable,
  seatNotPending,
} from "../polar-errors";
import {
  isoNow,
  newId,
  type CheckoutRecord,
  type CustomerRecord,
  type CustomerSessionRecord,
  type MemberRecord,
  type OrderRecord,
  type ProductRecord,
  type SeatRecord,
  type SubscriptionRecord,
} from "../store";
import type { Benefits } from "./benefits";
import type { Customers } from "./customers";
import { touch, type FlowContext } from "./emit";
import type { Members } from "./members";

/**
 * Seats of a seat-based subscription, as Polar's `SeatService` (server/polar/customer_seat/
 * service.py) runs them with the member model on:
 *
 * - a seat is for a member of the billing customer, found or created by email (or found by
 *   `member_id` or `external_member_id`); the seat stores the billing customer, the member and
 *   its email;
 * - assigned `pending` with an invitation token valid 24 hours (the email is listed at
 *   `/admin/emails.json`: the emulator sends no mail) and `customer_seat.assigned`; or, with
 *   `immediate_claim`, `claimed` at once: `customer_seat.claimed`, then the member's grants;
 * - claimed with the token: the token is spent, `customer_seat.claimed`, then the grants and a
 *   member session for the portal;
 * - revoked: the seat is emptied (customer, member, email cleared) and reused by the next
 *   assignment; `customer_seat.revoked`, then the member's grants revoked;
 * - all of a subscription's seats are revoked when it stops being active (canceled, past_due,
 *   paused: Polar's `enqueue_benefits_grants`, the organization having no grace period).
 *
 * Polar checks neither the subscription's status nor its product when assigning: a subscription
 * without seats has none available (400 SeatNotAvailable), a canceled one keeps its seat count.
 */

const INVITATION_TTL_MS = 24 * 60 * 60_000;

export type SeatContainer = { kind: "subscription"; subscription: SubscriptionRecord } | { kind: "order"; order: OrderRecord };

/** `POST /v1/customer-seats` once its body is valid (validation.ts `seatAssignBody`). */
export interface SeatAssignInput {
  email?: string | null;
  externalCustomerId?: string | null;
  customerId?: string | null;
  externalMemberId?: string | null;
  memberId?: string | null;
  metadata?: Record<string, unknown> | null;
  immediateClaim?: boolean;
}

const sameEmail = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** Python's `secrets.token_urlsafe(32)`: 32 random bytes, URL-safe base64 without padding. */
const invitationToken = (): string => randomBytes(32).toString("base64url");

export class Seats {
  constructor(
    private readonly fx: FlowContext,
    private readonly members: Members,
    private readonly benefits: Benefits,
    private readonly customers: Customers,
    private readonly baseUrl: () => string,
  ) {}

  private seatsOf(c: SeatContainer): SeatRecord[] {
    return this.fx.store.seatsOf(c.kind === "subscription" ? { subscriptionId: c.subscription.id } : { orderId: c.order.id });
  }

  /** The seats bought (Polar's `seats` column): a subscription's, or an order's (none emulated). */
  totalSeats(c: SeatContainer): number {
    return (c.kind === "subscription" ? c.subscription.seats : c.order.seats) ?? 0;
  }

  /** Pending and claimed seats count against the total (repository `get_available_seats_count`). */
  assigned(c: SeatContainer): number {
    return this.seatsOf(c).filter((s) => s.status !== "revoked").length;
  }

  available(c: SeatContainer): number {
    return Math.max(0, this.totalSeats(c) - this.assigned(c));
  }

  list(c: SeatContainer): SeatRecord[] {
    return this.seatsOf(c);
  }

  private containerId(c: SeatContainer): string {
    return c.kind === "subscription" ? c.subscription.id : c.order.id;
  }

  /**
   * `POST /v1/customer-seats`: Polar's `assign_seat` with the member model. Every check comes
   * before any change (Polar's transaction rolls back on a refusal): the order paid, a seat
   * available, the recipient resolved, no seat of the subscription already for that email.
   */
  assign(c: SeatContainer, input: SeatAssignInput, opts: { sendState?: boolean } = {}): SeatRecord {
    const { store } = this.fx;
    const sourceId = this.containerId(c);
    if (c.kind === "order" && c.order.status === "pending") throw seatNotAvailable(sourceId, "Order must be paid before assigning seats");
    if (this.available(c) <= 0) throw seatNotAvailable(sourceId);
    const billingCustomerId = c.kind === "subscription" ? c.subscription.customerId : c.order.customerId;

    // `_resolve_member_model_target`: a customer given by id or external id lends its email.
    let email = input.email ?? null;
    if (input.customerId || input.externalCustomerId) {
      const customer = input.customerId ? store.customers.get(input.customerId) : store.customerByExternalId(input.externalCustomerId ?? "");
      if (!customer) throw invalidSeatAssignmentRequest("Customer not found for the provided customer_id or external_customer_id.");
      email ??= customer.email;
    }
    // `_resolve_member`, planned without creating anything yet.
    let member: MemberRecord | undefined;
    let linkExternalId: string | null = null;
    if (input.memberId) {
      member = store.members.get(input.memberId);
      if (!member || member.customerId !== billingCustomerId || member.deletedAt !== null) throw memberNotFound(input.memberId);
    } else if (input.externalMemberId) {
      member = this.members.byExternalId(billingCustomerId, input.externalMemberId);
      if (member) {
        if (email && !sameEmail(member.email, email)) throw memberEmailMismatch(input.externalMemberId, email);
      } else {
        if (!email) throw memberNotFound(input.externalMemberId);
        member = this.members.byEmail(billingCustomerId, email);
        if (member && member.externalId !== null && member.externalId !== input.externalMemberId) throw memberEmailMismatch(input.externalMemberId, email);
        linkExternalId = input.externalMemberId;
      }
    } else if (!email) {
      throw invalidSeatAssignmentRequest("At least one of email, external_member_id, or member_id must be provided when member_model_enabled is true.");
    } else {
      member = this.members.byEmail(billingCustomerId, email);
    }
    const seatEmail = (member?.email ?? email ?? "").trim();
    const taken = this.seatsOf(c).find((s) => s.status !== "revoked" && s.email !== null && sameEmail(s.email, seatEmail));
    if (taken) throw seatAlreadyAssigned(seatEmail);

    // Now the changes: the member (created silently, or its external id linked), then the seat.
    if (!member) member = this.members.getOrCreateByEmail(billingCustomerId, seatEmail, linkExternalId);
    else if (linkExternalId !== null && member.externalId === null) {
      member.externalId = linkExternalId;
      touch(member);
    }
    const now = isoNow();
    const immediate = input.immediateClaim === true;
    const fields = {
      status: immediate ? ("claimed" as const) : ("pending" as const),
      invitationToken: immediate ? null : invitationToken(),
      invitationTokenExpiresAt: immediate ? null : new Date(Date.parse(now) + INVITATION_TTL_MS).toISOString(),
      customerId: billingCustomerId,
      memberId: member.id,
      email: member.email,
      metadata: { ...(input.metadata ?? {}) },
      revokedAt: null,
      claimedAt: immediate ? now : null,
    };
    // A revoked seat of the container is reused (repository `get_revoked_seat_by_container`).
    const revoked = this.seatsOf(c).find((s) => s.status === "revoked");
    let seat: SeatRecord;
    if (revoked) {
      seat = Object.assign(revoked, fields);
      seat.modifiedAt = now;
    } else {
      seat = {
        id: newId(),
        subscriptionId: c.kind === "subscription" ? c.subscription.id : null,
        orderId: c.kind === "order" ? c.order.id : null,
        ...fields,
        createdAt: now,
        modifiedAt: null,
      };
      store.seats.set(seat.id, seat);
    }
    if (immediate) {
      this.fx.log(`[polar-emulator] seat ${seat.id} of ${sourceId} claimed at once by ${seat.email}`);
      this.fx.emit.seat("customer_seat.claimed", seat);
      this.grantAfterClaim(seat, opts.sendState ?? true);
    } else {
      this.sendInvitation(seat);
      this.fx.emit.seat("customer_seat.assigned", seat);
    }
    this.fx.changed();
    return seat;
  }

  /** The invitation email (sender.py `send_seat_invitation_email`), kept in the outbox. */
  private sendInvitation(seat: SeatRecord): void {
    if (!seat.invitationToken || !seat.email) return;
    const product = this.productOf(seat);
    const claimUrl = `${this.baseUrl()}/${this.fx.store.organization.slug}/portal/claim?token=${seat.invitationToken}`;
    this.fx.store.emails.push({
      id: newId(),
      kind: "seat_invitation",
      to: seat.email,
      subject: `You've been invited to access ${product?.name ?? "a product"}`,
      seatId: seat.id,
      claimUrl,
      token: seat.invitationToken,
      sentAt: isoNow(),
    });
    this.fx.log(`[polar-emulator] seat invitation to ${seat.email}: ${claimUrl}`);
  }

  /** A seat's subscription, or its order (a one-time purchase's seats). */
  containerOf(seat: SeatRecord): SubscriptionRecord | OrderRecord | undefined {
    return seat.subscriptionId ? this.fx.store.subscriptions.get(seat.subscriptionId) : seat.orderId ? this.fx.store.orders.get(seat.orderId) : undefined;
  }

  /** The product a seat is a seat of (its subscription's or its order's). */
  productOf(seat: SeatRecord): ProductRecord | undefined {
    const container = this.containerOf(seat);
    return container ? this.fx.store.products.get(container.productId) : undefined;
  }

  /** The grants job of a claimed seat, then the customer's state (when a grant changed). */
  private grantAfterClaim(seat: SeatRecord, sendState = true): void {
    const container = this.containerOf(seat);
    if (!container || !seat.memberId) return;
    if (this.benefits.syncSeat(container, seat.memberId, true) && sendState) this.fx.emit.customerState(container.customerId);
  }

  /** A pending seat whose token is still valid (Polar's `get_seat_by_token`), or undefined. */
  pendingByToken(token: string): SeatRecord | undefined {
    const seat = this.fx.store.seatByToken(token);
    if (!seat || seat.status !== "pending") return undefined;
    if (seat.invitationTokenExpiresAt && Date.parse(seat.invitationTokenExpiresAt) < Date.now()) return undefined;
    return seat;
  }

  /**
   * `POST /v1/customer-seats/claim`: Polar's `claim_seat`. The token is single-use: a revoked,
   * expired or already claimed seat's token is refused (400 InvalidInvitationToken). Answers the
   * seat and a member session's token (`polar_mst_`) for the portal.
   */
  claim(token: string): { seat: SeatRecord; session: CustomerSessionRecord } {
    const { store } = this.fx;
    const seat = store.seatByToken(token);
    if (!seat || seat.status !== "pending") throw invalidInvitationToken();
    if (seat.invitationTokenExpiresAt && Date.parse(seat.invitationTokenExpiresAt) < Date.now()) throw invalidInvitationToken();
    const customer = seat.customerId ? store.customers.get(seat.customerId) : undefined;
    if (!customer) throw invalidInvitationToken();
    let member = seat.memberId ? store.members.get(seat.memberId) : undefined;
    if (!member) {
      if (!seat.email) throw invalidInvitationToken();
      member = this.members.getOrCreateByEmail(customer.id, seat.email);
      seat.memberId = member.id;
    }
    seat.status = "claimed";
    seat.claimedAt = isoNow();
    seat.invitationToken = null;
    touch(seat);
    const session = this.customers.memberSession(customer, member, null);
    this.fx.log(`[polar-emulator] seat ${seat.id} claimed by ${member.email}`);
    this.fx.emit.seat("customer_seat.claimed", seat);
    this.grantAfterClaim(seat);
    this.fx.changed();
    return { seat, session };
  }

  /**
   * `POST /v1/customer-seats/{id}/resend`: the same invitation sent again (Polar keeps the token
   * and its expiry); a seat not pending is a 400 SeatNotPending. No webhook.
   */
  resend(seat: SeatRecord): SeatRecord {
    if (seat.status !== "pending") throw seatNotPending();
    if (!seat.invitationToken || !seat.email) throw invalidInvitationToken();
    this.sendInvitation(seat);
    this.fx.changed();
    return seat;
  }

  /** Empties a seat (Polar's `revoke_seat` without its jobs); the member it was for. */
  private empty(seat: SeatRecord): string | null {
    const memberId = seat.memberId;
    seat.status = "revoked";
    seat.revokedAt = isoNow();
    seat.invitationToken = null;
    seat.customerId = null;
    seat.memberId = null;
    seat.email = null;
    touch(seat);
    this.fx.emit.seat("customer_seat.revoked", seat);
    return memberId;
  }

  /**
   * `DELETE /v1/customer-seats/{id}`: Polar's `revoke_seat`. A revoked seat is answered as it is,
   * nothing sent; otherwise `customer_seat.revoked`, then the member's grants revoked, then the
   * customer's state.
   */
  revoke(seat: SeatRecord): SeatRecord {
    if (seat.status === "revoked") return seat;
    const container = this.containerOf(seat);
    const memberId = this.empty(seat);
    if (container && memberId && this.benefits.syncSeat(container, memberId, false)) this.fx.emit.customerState(container.customerId);
    this.fx.changed();
    return seat;
  }

  /**
   * Every seat of a subscription that stopped being active (`revoke_all_seats_for_subscription`):
   * each seat's `customer_seat.revoked` as Polar revokes them one by one, then the grants jobs
   * they queued. True when a grant changed; the caller sends the state.
   */
  revokeAllForSubscription(sub: SubscriptionRecord): boolean {
    const active = this.fx.store.seatsOf({ subscriptionId: sub.id }).filter((s) => s.status !== "revoked");
    if (!active.length) return false;
    const members = active.map((seat) => this.empty(seat));
    let changed = false;
    for (const memberId of members) if (memberId && this.benefits.syncSeat(sub, memberId, false)) changed = true;
    this.fx.log(`[polar-emulator] subscription ${sub.id} ${sub.status}: ${active.length} seats revoked`);
    this.fx.changed();
    return changed;
  }

  /**
   * After `member.deleted` (members.ts): Polar's `customer_seat.revoke_seats_for_member` job
   * (`customer_seat.revoked` for each of the member's seats), then its grant deletions, then the
   * customer's state.
   */
  afterMemberDeleted(member: MemberRecord): void {
    const seats = [...this.fx.store.seats.values()].filter((s) => s.memberId === member.id && s.status !== "revoked");
    for (const seat of seats) this.empty(seat);
    const changed = this.benefits.revokeMemberGrants(member.id);
    if (seats.length || changed) this.fx.emit.customerState(member.customerId);
  }

  /**
   * Polar's `_maybe_auto_claim_buyer_seat` after a paid checkout: with Polar's own confirmation
   * page (no `success_url`) the buyer gets one of the seats, claimed at once; with a merchant's
   * `success_url` nothing happens (the merchant assigns the seats). Errors are swallowed, as
   * Polar only reports them.
   */
  autoClaimBuyer(checkout: CheckoutRecord, sub: SubscriptionRecord, customer: CustomerRecord): void {
    if (checkout.seats === null || checkout.seats < 1 || checkout.successUrl !== null) return;
    try {
      // The purchase's own state (Polar debounces it: one for the burst) follows: none here.
      this.assign({ kind: "subscription", subscription: sub }, { email: customer.email, immediateClaim: true }, { sendState: false });
    } catch (error) {
      this.fx.log(`[polar-emulator] the buyer's seat could not be claimed: ${(error as Error).message}`);
    }
  }
}
