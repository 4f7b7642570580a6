import { namedValidationError } from "../http";
import { notPermitted, resourceNotFound } from "../polar-errors";
import { isoNow, newId, type CustomerRecord, type MemberRecord } from "../store";
import { touch, type FlowContext } from "./emit";
import type { Seats } from "./seats";

/**
 * Members (Polar's member model, server/polar/member/service.py), which the emulated
 * organization has on, as Polar turns it on for every new organization
 * (organization/service.py `create`: `member_model_enabled` and `seat_based_pricing_enabled`):
 *
 * - every customer has one owner, created with the customer (`create_owner_member`, which
 *   sends `member.created`), or when first needed for a customer that has none;
 * - a seat's member is found or created by email under the billing customer
 *   (`get_or_create_by_email`, which sends nothing);
 * - the API creates (`member.created`), updates (`member.updated`) and deletes
 *   (`member.deleted`, the member's seats revoked and grants revoked after it) members.
 */

export type MemberRole = MemberRecord["role"];

export interface MemberCreateInput {
  email: string;
  name: string | null;
  externalId: string | null;
  role: Exclude<MemberRole, "owner">;
}

export interface MemberUpdateInput {
  name?: string | null;
  email?: string | null;
  role?: MemberRole | null;
}

const sameEmail = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

export class Members {
  /** Bound after construction (the seats flow needs the members flow too). */
  seats: Seats | null = null;

  constructor(private readonly fx: FlowContext) {}

  byEmail(customerId: string, email: string): MemberRecord | undefined {
    return this.fx.store.membersOf(customerId).find((m) => sameEmail(m.email, email.trim()));
  }

  byExternalId(customerId: string, externalId: string): MemberRecord | undefined {
    return this.fx.store.membersOf(customerId).find((m) => m.externalId === externalId);
  }

  /**
   * Polar's `create_owner_member`: the customer's one owner, from its email, name and external
   * id, dated as the customer; `member.created` when it is new. Polar also creates it the first
   * time one is needed for a customer without one (a state file from before members).
   */
  ensureOwner(customer: CustomerRecord): MemberRecord {
    const existing = this.fx.store.ownerOf(customer.id);
    if (existing) return existing;
    const owner: MemberRecord = {
      id: newId(),
      customerId: customer.id,
      email: customer.email.trim(),
      name: customer.name,
      externalId: customer.externalId,
      role: "owner",
      createdAt: customer.createdAt,
      modifiedAt: null,
      deletedAt: null,
    };
    this.fx.store.members.set(owner.id, owner);
    this.fx.emit.member("member.created", owner);
    this.fx.changed();
    return owner;
  }

  /** Polar's `get_or_create_by_email`: a `member` under the customer, created silently (no webhook). */
  getOrCreateByEmail(customerId: string, email: string, externalId: string | null = null): MemberRecord {
    const existing = this.byEmail(customerId, email);
    if (existing) return existing;
    const member: MemberRecord = {
      id: newId(),
      customerId,
      email: email.trim(),
      name: null,
      externalId,
      role: "member",
      createdAt: isoNow(),
      modifiedAt: null,
      deletedAt: null,
    };
    this.fx.store.members.set(member.id, member);
    this.fx.changed();
    return member;
  }

  /**
   * `POST /v1/customers/{id}/members`: Polar's `MemberService.create`. An individual customer
   * has its owner only (403 NotPermitted); an email the customer already has answers that member
   * as it is, with nothing sent; otherwise `member.created`.
   */
  create(customer: CustomerRecord, input: MemberCreateInput): MemberRecord {
    if (customer.type === "individual" && this.fx.store.membersOf(customer.id).length >= 1) {
      throw notPermitted("Individual customers can only have one member (the owner). Upgrade to a team customer to add more members.");
    }
    const existing = this.byEmail(customer.id, input.email);
    if (existing) return existing;
    const member: MemberRecord = {
      id: newId(),
      customerId: customer.id,
      email: input.email.trim(),
      name: input.name,
      externalId: input.externalId,
      role: input.role,
      createdAt: isoNow(),
      modifiedAt: null,
      deletedAt: null,
    };
    this.fx.store.members.set(member.id, member);
    this.fx.emit.member("member.created", member);
    this.fx.changed();
    return member;
  }

  /**
   * `PATCH /v1/customers/{id}/members/{member_id}`: Polar's `MemberService.update` as the API
   * calls it (`allow_ownership_transfer=True`): making a member the owner demotes the owner to
   * `billing_manager`; the last owner cannot stop being one; an individual customer's owner's
   * email follows the customer's and cannot be set; an email another member has is refused.
   * Nothing changed: no webhook. Otherwise `member.updated` (the member edited only).
   */
  update(member: MemberRecord, input: MemberUpdateInput): MemberRecord {
    const { store } = this.fx;
    const members = store.membersOf(member.customerId);
    const owners = members.filter((m) => m.role === "owner");
    let transferredFrom: MemberRecord | null = null;
    if (input.role && input.role !== member.role) {
      if (input.role === "owner" && owners.length >= 1) transferredFrom = owners.find((o) => o.id !== member.id) ?? null;
      if (member.role === "owner" && owners.length <= 1) {
        throw namedValidationError("PolarRequestValidationError", [
          { type: "value_error", loc: ["body", "role"], msg: "Cannot change role. Customer must have exactly one owner.", input: input.role },
        ]);
      }
    }
    const newEmail = input.email != null && input.email.trim() !== member.email ? input.email.trim() : null;
    if (newEmail !== null) {
      const customer = store.customers.get(member.customerId);
      if (customer?.type === "individual") {
        throw namedValidationError("PolarRequestValidationError", [
          {
            type: "value_error",
            loc: ["body", "email"],
            msg: "Cannot change the email of an individual customer's owner. Update the customer's email instead.",
            input: newEmail,
          },
        ]);
      }
      const taken = this.byEmail(member.customerId, newEmail);
      if (taken && taken.id !== member.id) {
        throw namedValidationError("PolarRequestValidationError", [
          { type: "value_error", loc: ["body", "email"], msg: "A member with this email already exists for this customer.", input: newEmail },
        ]);
      }
    }
    let changed = false;
    if (transferredFrom) {
      transferredFrom.role = "billing_manager";
      touch(transferredFrom);
      member.role = "owner";
      changed = true;
    } else if (input.role && input.role !== member.role) {
      member.role = input.role;
      changed = true;
    }
    if (input.name != null && input.name !== member.name) {
      member.name = input.name;
      changed = true;
    }
    if (newEmail !== null) {
      member.email = newEmail;
      changed = true;
      // The seats' email snapshot follows (seat repository `update_email_by_member_id`).
      for (const seat of store.seats.values()) if (seat.memberId === member.id && seat.status !== "revoked") seat.email = newEmail;
    }
    if (!changed) return member;
    touch(member);
    this.fx.emit.member("member.updated", member);
    this.fx.changed();
    return member;
  }

  /**
   * `DELETE /v1/customers/{id}/members/{member_id}`: Polar's `MemberService.delete`. The only
   * owner cannot go (422); otherwise the member is soft-deleted and `member.deleted` sent, then
   * Polar's jobs revoke the member's seats (`customer_seat.revoked` each) and its grants
   * (`benefit_grant.revoked` each, the grant deletion that always takes a meter credit back),
   * then the customer's state.
   */
  delete(member: MemberRecord): void {
    if (member.role === "owner" && this.fx.store.membersOf(member.customerId).filter((m) => m.role === "owner").length <= 1) {
      throw namedValidationError("PolarRequestValidationError", [
        { type: "value_error", loc: ["body"], msg: "Cannot delete the only owner. Transfer ownership first.", input: member.id },
      ]);
    }
    member.deletedAt = isoNow();
    touch(member);
    this.fx.emit.member("member.deleted", member);
    this.seats?.afterMemberDeleted(member);
    this.fx.changed();
  }
}

/** A member of `customer`, or Polar's 404 "Member not found". */
export function memberOf(members: Iterable<MemberRecord>, customerId: string, find: (m: MemberRecord) => boolean): MemberRecord {
  for (const m of members) if (m.customerId === customerId && m.deletedAt === null && find(m)) return m;
  throw resourceNotFound("Member not found");
}

