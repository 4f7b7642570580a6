import { validationError } from "../http";
import { isoNow, newId, secretToken, tick, type CheckoutRecord, type CustomerRecord, type CustomerSessionRecord } from "../store";
import type { CustomerSessionCreateBody } from "../validation";
import { touch, type FlowContext } from "./emit";

/**
 * Customers: who a checkout belongs to (Polar's customer linking, checked at creation and at
 * payment), the customer made or updated at payment, the emulator's decline switch for the
 * saved card, and customer sessions (the portal's access).
 */

const SESSION_TTL_MS = 60 * 60_000;

export class Customers {
  constructor(private readonly fx: FlowContext) {}

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

  /** The checkout's customer at payment: linked, found by email (external id set), or new. */
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
    this.fx.emit.customer("customer.created", customer);
    return customer;
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

  /** `POST /v1/customer-sessions/`: a session for the portal, valid for an hour. */
  createSession(body: CustomerSessionCreateBody): CustomerSessionRecord {
    const { store } = this.fx;
    const customer = "customer_id" in body ? store.customers.get(body.customer_id) : store.customerByExternalId(body.external_customer_id);
    if (!customer) {
      const field = "customer_id" in body ? "customer_id" : "external_customer_id";
      const input = "customer_id" in body ? body.customer_id : body.external_customer_id;
      throw validationError({ type: "value_error", loc: ["body", field], msg: "Customer does not exist.", input });
    }
    const created = tick();
    const session: CustomerSessionRecord = {
      id: newId(),
      token: secretToken("polar_cst_"),
      customerId: customer.id,
      returnUrl: body.return_url ?? null,
      createdAt: created.toISOString(),
      expiresAt: new Date(created.getTime() + SESSION_TTL_MS).toISOString(),
    };
    store.sessions.set(session.id, session);
    this.fx.changed();
    return session;
  }
}
