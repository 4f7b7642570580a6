import { z } from "zod";
import type { ApiDeps, Route } from "./api";
import { namedValidationError, readJson, sendJson } from "./http";
import type { SeatContainer } from "./flows/seats";
import { badRequestWith, resourceNotFound } from "./polar-errors";
import { paginate, toCustomerSeat, toMember, wire } from "./serialize";
import type { CustomerRecord, MemberRecord } from "./store";
import { memberCreateBody, memberUpdateBody, pageParams, parseOr422Named, seatAssignBody, seatClaimBody, uuidPath } from "./validation";

/**
 * Polar's customer-seat and member endpoints (server/polar/customer_seat/endpoints.py,
 * server/polar/member/endpoints.py), in its JSON, statuses and error bodies. The flows are
 * flows/seats.ts and flows/members.ts.
 */

const ROLES = ["owner", "billing_manager", "member"] as const;

/** A query UUID as FastAPI reads a `UUID4` query parameter (422 otherwise). */
function queryUuid(query: URLSearchParams, name: string): string | null {
  const raw = query.get(name);
  if (raw === null || raw === "") return null;
  if (!z.uuid().safeParse(raw).success) {
    throw namedValidationError("RequestValidationError", [{ type: "uuid_parsing", loc: ["query", name], msg: "Input should be a valid UUID", input: raw }]);
  }
  return raw;
}

export function seatRoutes(deps: ApiDeps): Route[] {
  const { store, flows, ctx } = deps;

  /** The seat container a body or query names (the endpoint's own lookups and 404s). */
  const container = (subscriptionId: string | null | undefined, orderId: string | null | undefined): SeatContainer => {
    if (subscriptionId) {
      const subscription = store.subscriptions.get(subscriptionId);
      if (!subscription) throw resourceNotFound("Subscription not found");
      return { kind: "subscription", subscription };
    }
    if (orderId) {
      const order = store.orders.get(orderId);
      if (!order) throw resourceNotFound("Order not found");
      return { kind: "order", order };
    }
    throw badRequestWith("Either subscription_id or order_id must be provided");
  };
  const seat = (raw: string) => {
    const s = store.seats.get(uuidPath("seat_id", raw));
    if (!s) throw resourceNotFound("Seat not found");
    return s;
  };
  const customerById = (raw: string): CustomerRecord => {
    const c = store.customers.get(uuidPath("id", raw));
    if (!c) throw resourceNotFound("Customer not found");
    return c;
  };
  const customerByExternal = (externalId: string): CustomerRecord => {
    const c = store.customerByExternalId(externalId);
    if (!c) throw resourceNotFound("Customer not found");
    return c;
  };
  /** `get_for_customer`: a member of the organization whose customer is `customerId`. */
  const memberById = (customerId: string, rawMemberId: string): MemberRecord => {
    const m = store.members.get(uuidPath("member_id", rawMemberId));
    if (!m || m.deletedAt !== null || m.customerId !== customerId) throw resourceNotFound("Member not found");
    return m;
  };
  /** `get_by_external_id` with `external_customer_id`: the customer's member with that external id. */
  const memberByExternal = (externalCustomerId: string, memberExternalId: string): MemberRecord => {
    const c = store.customerByExternalId(externalCustomerId);
    const m = c ? flows.members.byExternalId(c.id, memberExternalId) : undefined;
    if (!m) throw resourceNotFound("Member not found");
    return m;
  };
  const sendMember = (res: Parameters<Route["handler"]>[1], status: number, m: MemberRecord) => sendJson(res, status, wire.member(toMember(m)));

  return [
    {
      method: "POST",
      pattern: /^\/v1\/customer-seats\/?$/,
      handler: async (req, res) => {
        const body = parseOr422Named(seatAssignBody, await readJson(req));
        const c = container(body.subscription_id, body.order_id);
        const assigned = flows.seats.assign(c, {
          email: body.email,
          externalCustomerId: body.external_customer_id,
          customerId: body.customer_id,
          externalMemberId: body.external_member_id,
          memberId: body.member_id,
          metadata: body.metadata,
          immediateClaim: body.immediate_claim,
        });
        sendJson(res, 200, wire.seat(toCustomerSeat(assigned, ctx)));
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/customer-seats\/?$/,
      handler: (_req, res, _p, query) => {
        const c = container(queryUuid(query, "subscription_id"), queryUuid(query, "order_id"));
        sendJson(
          res,
          200,
          wire.seatsList({
            seats: flows.seats.list(c).map((s) => toCustomerSeat(s, ctx)),
            availableSeats: flows.seats.available(c),
            totalSeats: flows.seats.totalSeats(c),
          }),
        );
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/customer-seats\/claim\/([^/]+)\/?$/,
      public: true,
      handler: (_req, res, [token = ""]) => {
        const s = flows.seats.pendingByToken(token);
        const product = s ? flows.seats.productOf(s) : undefined;
        if (!s || !product) throw resourceNotFound("Invalid or expired invitation token");
        const member = s.memberId ? store.members.get(s.memberId) : undefined;
        const customer = s.customerId ? store.customers.get(s.customerId) : undefined;
        sendJson(
          res,
          200,
          wire.seatClaimInfo({
            productName: product.name,
            productId: product.id,
            organizationName: store.organization.name,
            organizationSlug: store.organization.slug,
            customerEmail: s.email ?? member?.email ?? customer?.email ?? "",
            canClaim: s.status === "pending",
          }),
        );
      },
    },
    {
      method: "POST",
      pattern: /^\/v1\/customer-seats\/claim\/?$/,
      public: true,
      handler: async (req, res) => {
        const body = parseOr422Named(seatClaimBody, await readJson(req));
        const { seat: claimed, session } = flows.seats.claim(body.invitation_token);
        sendJson(res, 200, wire.seatClaim({ seat: toCustomerSeat(claimed, ctx), customerSessionToken: session.token }));
      },
    },
    {
      method: "POST",
      pattern: /^\/v1\/customer-seats\/([^/]+)\/resend\/?$/,
      handler: (_req, res, [id = ""]) => {
        sendJson(res, 200, wire.seat(toCustomerSeat(flows.seats.resend(seat(id)), ctx)));
      },
    },
    {
      method: "DELETE",
      pattern: /^\/v1\/customer-seats\/([^/]+)\/?$/,
      handler: (_req, res, [id = ""]) => {
        sendJson(res, 200, wire.seat(toCustomerSeat(flows.seats.revoke(seat(id)), ctx)));
      },
    },
    {
      // Polar's `list_members`: newest first (`-created_at`, or `created_at`), deleted ones left out.
      method: "GET",
      pattern: /^\/v1\/members\/?$/,
      handler: (_req, res, _p, query) => {
        const { page, limit } = pageParams(query);
        const customerId = query.get("customer_id");
        if (customerId !== null && !z.uuid().safeParse(customerId).success) throw resourceNotFound("Invalid customer ID format");
        const externalId = query.get("external_customer_id");
        const role = query.get("role");
        if (role !== null && !(ROLES as readonly string[]).includes(role)) {
          throw namedValidationError("RequestValidationError", [
            { type: "enum", loc: ["query", "role"], msg: "Input should be 'owner', 'billing_manager' or 'member'", input: role, ctx: { expected: "'owner', 'billing_manager' or 'member'" } },
          ]);
        }
        const externalCustomer = externalId !== null ? store.customerByExternalId(externalId) : undefined;
        const ascending = query.getAll("sorting").includes("created_at");
        const all = [...store.members.values()]
          .filter((m) => m.deletedAt === null)
          .filter((m) => customerId === null || m.customerId === customerId)
          .filter((m) => externalId === null || m.customerId === externalCustomer?.id)
          .filter((m) => role === null || m.role === role)
          .sort((a, b) => (ascending ? a.createdAt.localeCompare(b.createdAt) : b.createdAt.localeCompare(a.createdAt)));
        const { items, pagination } = paginate(all, page, limit);
        sendJson(res, 200, wire.memberList({ items: items.map(toMember), pagination }));
      },
    },
    {
      method: "POST",
      pattern: /^\/v1\/customers\/external\/([^/]+)\/members\/?$/,
      handler: async (req, res, [externalId = ""]) => {
        const body = parseOr422Named(memberCreateBody, await readJson(req));
        const m = flows.members.create(customerByExternal(externalId), { email: body.email, name: body.name ?? null, externalId: body.external_id ?? null, role: body.role });
        sendMember(res, 201, m);
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/customers\/external\/([^/]+)\/members\/([^/]+)\/?$/,
      handler: (_req, res, [externalId = "", memberExternalId = ""]) => sendMember(res, 200, memberByExternal(externalId, memberExternalId)),
    },
    {
      method: "PATCH",
      pattern: /^\/v1\/customers\/external\/([^/]+)\/members\/([^/]+)\/?$/,
      handler: async (req, res, [externalId = "", memberExternalId = ""]) => {
        const body = parseOr422Named(memberUpdateBody, await readJson(req));
        sendMember(res, 200, flows.members.update(memberByExternal(externalId, memberExternalId), body));
      },
    },
    {
      method: "DELETE",
      pattern: /^\/v1\/customers\/external\/([^/]+)\/members\/([^/]+)\/?$/,
      handler: (_req, res, [externalId = "", memberExternalId = ""]) => {
        flows.members.delete(memberByExternal(externalId, memberExternalId));
        res.writeHead(204).end();
      },
    },
    {
      method: "POST",
      pattern: /^\/v1\/customers\/([^/]+)\/members\/?$/,
      handler: async (req, res, [id = ""]) => {
        uuidPath("id", id);
        const body = parseOr422Named(memberCreateBody, await readJson(req));
        const m = flows.members.create(customerById(id), { email: body.email, name: body.name ?? null, externalId: body.external_id ?? null, role: body.role });
        sendMember(res, 201, m);
      },
    },
    {
      method: "GET",
      pattern: /^\/v1\/customers\/([^/]+)\/members\/([^/]+)\/?$/,
      handler: (_req, res, [id = "", memberId = ""]) => sendMember(res, 200, memberById(uuidPath("id", id), memberId)),
    },
    {
      method: "PATCH",
      pattern: /^\/v1\/customers\/([^/]+)\/members\/([^/]+)\/?$/,
      handler: async (req, res, [id = "", memberId = ""]) => {
        const customerId = uuidPath("id", id);
        uuidPath("member_id", memberId);
        const body = parseOr422Named(memberUpdateBody, await readJson(req));
        sendMember(res, 200, flows.members.update(memberById(customerId, memberId), body));
      },
    },
    {
      method: "DELETE",
      pattern: /^\/v1\/customers\/([^/]+)\/members\/([^/]+)\/?$/,
      handler: (_req, res, [id = "", memberId = ""]) => {
        flows.members.delete(memberById(uuidPath("id", id), memberId));
        res.writeHead(204).end();
      },
    },
  ];
}
