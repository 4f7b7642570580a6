import { validationError } from "../http";
import { isoNow, newId, secretToken, tick, type CheckoutRecord, type CustomerRecord, type CustomerSessionRecord, type MemberRecord } from "../store";
import type { CustomerSessionCreateBody } from "../validation";
import { touch, type FlowContext } from "./emit";
import type { Members } from "./members";

/**
 * Customers: who a checkout belongs to (Polar's customer linking, checked at creation and at
 * payment), the customer made or updated at payment, the emulator's decline switch for the
 * saved card, and customer sessions (the portal's access).
 */

const SESSION_TTL_MS = 60 * 60_000;

export class Customers {
  constructor(
    private readonly fx: FlowContext,
    private readonly members: Members,
  ) {}

  /**
   * Polar's customer linking, checked when the checkout is created: a customer with that
   * external id is the customer; otherwise one with that email; an external id or email that
   * belongs to a customer with another email or external id is a 422.
   */
  linked(externalId: string | null, email: string | null): CustomerRecord | null {
    if (externalId) {
      const byExternal = this.fx.store.customerByExternalId(externalId);
      if (byExternal) {
        if (email && byExternal.email.toLowerCase() !== email.toLowerCase()) {
          throw validationError({
            type: "value_error",
            loc: ["body", "customer_email"],
            msg: "A customer with this external ID already exists with a different email.",
            input: email,
          });
        }
        return byExternal;
      }
    }
    if (email) {
      const byEmail = this.fx.store.customerByEmail(email);
      if (byEmail && externalId && byEmail.externalId && byEmail.externalId !== externalId) {
        throw validationError({
          type: "value_error",
          loc: ["body", "external_customer_id"],
          msg: "A customer with this email already exists with a different external ID.",
          input: externalId,
        });
      }
    }
    return null;
  }

  /**
   * The checkout's customer at payment: linked, found by email (external id set), or new. A new
   * customer gets its owner member at once (Polar's `create_owner_member` inside the customer's
   * creation): `member.created`, then `customer.created` (a job Polar queues as the creation
   * ends).
   */
  forPayment(checkout: CheckoutRecord, email: string): CustomerRecord {
    const { store } = this.fx;
    const linked =
      (checkout.customerId ? store.customers.get(checkout.customerId) : undefined) ??
      (checkout.externalCustomerId ? store.customerByExternalId(checkout.externalCustomerId) : undefined);
    if (linked) return linked;
    const byEmail = store.customerByEmail(email);
    if (byEmail) {
      if (checkout.externalCustomerId && !byEmail.externalId) {
        byEmail.externalId = checkout.externalCustomerId;
        touch(byEmail);
        this.fx.emit.customer("customer.updated", byEmail);
      }
      return byEmail;
    }
    const customer: CustomerRecord = {
      id: newId(),
      type: "individual",
      email,
      externalId: checkout.externalCustomerId,
      name: checkout.customerName,
      metadata: { ...checkout.customerMetadata },
      createdAt: isoNow(),
      modifiedAt: null,
      balances: {},
      declineNextCharge: false,
    };
    store.customers.set(customer.id, customer);
    this.members.ensureOwner(customer);
    this.fx.emit.customer("customer.created", customer);
    return customer;
  }

  /**
   * Polar's `upgrade_to_team` at a seat-based purchase: an individual customer becomes a team for
   * good (`customer.updated`); a team stays one.
   */
  upgradeToTeam(customer: CustomerRecord): void {
    if (customer.type === "team") return;
    customer.type = "team";
    touch(customer);
    this.fx.emit.customer("customer.updated", customer);
  }

  /** A member session (Polar's MemberSession): `polar_mst_`, valid an hour, opening the portal. */
  memberSession(customer: CustomerRecord, member: MemberRecord, returnUrl: string | null): CustomerSessionRecord {
    const created = tick();
    const session: CustomerSessionRecord = {
      id: newId(),
      token: secretToken("polar_mst_"),
      customerId: customer.id,
      memberId: member.id,
      returnUrl,
      createdAt: created.toISOString(),
      expiresAt: new Date(created.getTime() + SESSION_TTL_MS).toISOString(),
    };
    this.fx.store.sessions.set(session.id, session);
    this.fx.changed();
    return session;
  }

  /** The saved card declines this charge when the customer's switch is on; the attempt uses it up. */
  cardDeclines(customer: CustomerRecord): boolean {
    if (!customer.declineNextCharge) return false;
    customer.declineNextCharge = false;
    return true;
  }

  /** The emulator's decline switch (admin and portal): the customer's next charge is declined. */
  setDeclineNextCharge(customer: CustomerRecord, decline: boolean): void {
    // The emulator's own state, not Polar's: the customer's `modified_at` stays.
    customer.declineNextCharge = decline;
    this.fx.log(`[polar-emulator] customer ${customer.id}: the next charge ${decline ? "will be declined" : "will go through"}`);
    this.fx.changed();
  }

  /**
   * `POST /v1/customer-sessions/`: with the member model on, Polar's `CustomerSessionService.
   * create` makes a member session: for `member_id` or `external_member_id` (a member of that
   * customer), else for the owner of an individual customer; a team customer must name the
   * member (422). Valid for an hour.
   */
  createSession(body: CustomerSessionCreateBody): CustomerSessionRecord {
    const { store } = this.fx;
    const customer = "customer_id" in body ? store.customers.get(body.customer_id) : store.customerByExternalId(body.external_customer_id);
    if (!customer) {
      const field = "customer_id" in body ? "customer_id" : "external_customer_id";
      const input = "customer_id" in body ? body.customer_id : body.external_customer_id;
      throw validationError({ type: "value_error", loc: ["body", field], msg: "Customer does not exist.", input });
    }
    const refuse = (field: string, msg: string, input: unknown) => validationError({ type: "value_error", loc: ["body", field], msg, input });
    let member: MemberRecord | undefined;
    if (body.member_id) {
      member = store.members.get(body.member_id);
      if (!member || member.customerId !== customer.id || member.deletedAt !== null) throw refuse("member_id", "Member does not exist for this customer.", body.member_id);
    } else if (body.external_member_id) {
      member = this.members.byExternalId(customer.id, body.external_member_id);
      if (!member) throw refuse("external_member_id", "Member does not exist for this customer.", body.external_member_id);
    } else if (customer.type === "team") {
      throw refuse("member_id", "member_id is required for team customers.", null);
    } else {
      member = this.members.ensureOwner(customer);
    }
    return this.memberSession(customer, member, body.return_url ?? null);
  }
}
