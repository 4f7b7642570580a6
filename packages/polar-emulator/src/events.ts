import type { $ZodType } from "zod/v4/core";
import {
  WebhookCheckoutCreatedPayload$inboundSchema,
  WebhookCheckoutCreatedPayload$outboundSchema,
  type WebhookCheckoutCreatedPayload,
} from "@polar-sh/sdk/models/components/webhookcheckoutcreatedpayload";
import {
  WebhookCheckoutUpdatedPayload$inboundSchema,
  WebhookCheckoutUpdatedPayload$outboundSchema,
  type WebhookCheckoutUpdatedPayload,
} from "@polar-sh/sdk/models/components/webhookcheckoutupdatedpayload";
import {
  WebhookCheckoutExpiredPayload$inboundSchema,
  WebhookCheckoutExpiredPayload$outboundSchema,
  type WebhookCheckoutExpiredPayload,
} from "@polar-sh/sdk/models/components/webhookcheckoutexpiredpayload";
import {
  WebhookCustomerCreatedPayload$inboundSchema,
  WebhookCustomerCreatedPayload$outboundSchema,
  type WebhookCustomerCreatedPayload,
} from "@polar-sh/sdk/models/components/webhookcustomercreatedpayload";
import {
  WebhookCustomerUpdatedPayload$inboundSchema,
  WebhookCustomerUpdatedPayload$outboundSchema,
  type WebhookCustomerUpdatedPayload,
} from "@polar-sh/sdk/models/components/webhookcustomerupdatedpayload";
import {
  WebhookOrderCreatedPayload$inboundSchema,
  WebhookOrderCreatedPayload$outboundSchema,
  type WebhookOrderCreatedPayload,
} from "@polar-sh/sdk/models/components/webhookordercreatedpayload";
import {
  WebhookOrderUpdatedPayload$inboundSchema,
  WebhookOrderUpdatedPayload$outboundSchema,
  type WebhookOrderUpdatedPayload,
} from "@polar-sh/sdk/models/components/webhookorderupdatedpayload";
import {
  WebhookOrderPaidPayload$inboundSchema,
  WebhookOrderPaidPayload$outboundSchema,
  type WebhookOrderPaidPayload,
} from "@polar-sh/sdk/models/components/webhookorderpaidpayload";
import {
  WebhookOrderRefundedPayload$inboundSchema,
  WebhookOrderRefundedPayload$outboundSchema,
  type WebhookOrderRefundedPayload,
} from "@polar-sh/sdk/models/components/webhookorderrefundedpayload";
import {
  WebhookProductCreatedPayload$inboundSchema,
  WebhookProductCreatedPayload$outboundSchema,
  type WebhookProductCreatedPayload,
} from "@polar-sh/sdk/models/components/webhookproductcreatedpayload";
import {
  WebhookProductUpdatedPayload$inboundSchema,
  WebhookProductUpdatedPayload$outboundSchema,
  type WebhookProductUpdatedPayload,
} from "@polar-sh/sdk/models/components/webhookproductupdatedpayload";
import {
  WebhookRefundCreatedPayload$inboundSchema,
  WebhookRefundCreatedPayload$outboundSchema,
  type WebhookRefundCreatedPayload,
} from "@polar-sh/sdk/models/components/webhookrefundcreatedpayload";
import {
  WebhookSubscriptionCreatedPayload$inboundSchema,
  WebhookSubscriptionCreatedPayload$outboundSchema,
  type WebhookSubscriptionCreatedPayload,
} from "@polar-sh/sdk/models/components/webhooksubscriptioncreatedpayload";
import {
  WebhookSubscriptionActivePayload$inboundSchema,
  WebhookSubscriptionActivePayload$outboundSchema,
  type WebhookSubscriptionActivePayload,
} from "@polar-sh/sdk/models/components/webhooksubscriptionactivepayload";
import {
  WebhookSubscriptionUpdatedPayload$inboundSchema,
  WebhookSubscriptionUpdatedPayload$outboundSchema,
  type WebhookSubscriptionUpdatedPayload,
} from "@polar-sh/sdk/models/components/webhooksubscriptionupdatedpayload";
import {
  WebhookSubscriptionCanceledPayload$inboundSchema,
  WebhookSubscriptionCanceledPayload$outboundSchema,
  type WebhookSubscriptionCanceledPayload,
} from "@polar-sh/sdk/models/components/webhooksubscriptioncanceledpayload";
import {
  WebhookSubscriptionRevokedPayload$inboundSchema,
  WebhookSubscriptionRevokedPayload$outboundSchema,
  type WebhookSubscriptionRevokedPayload,
} from "@polar-sh/sdk/models/components/webhooksubscriptionrevokedpayload";

import {
  WebhookSubscriptionPastDuePayload$inboundSchema,
  WebhookSubscriptionPastDuePayload$outboundSchema,
  type WebhookSubscriptionPastDuePayload,
} from "@polar-sh/sdk/models/components/webhooksubscriptionpastduepayload";
import {
  WebhookSubscriptionUncanceledPayload$inboundSchema,
  WebhookSubscriptionUncanceledPayload$outboundSchema,
  type WebhookSubscriptionUncanceledPayload,
} from "@polar-sh/sdk/models/components/webhooksubscriptionuncanceledpayload";
import {
  WebhookCustomerStateChangedPayload$inboundSchema,
  WebhookCustomerStateChangedPayload$outboundSchema,
  type WebhookCustomerStateChangedPayload,
} from "@polar-sh/sdk/models/components/webhookcustomerstatechangedpayload";
import {
  WebhookSubscriptionPausedPayload$inboundSchema,
  WebhookSubscriptionPausedPayload$outboundSchema,
  type WebhookSubscriptionPausedPayload,
} from "@polar-sh/sdk/models/components/webhooksubscriptionpausedpayload";
import {
  WebhookSubscriptionResumedPayload$inboundSchema,
  WebhookSubscriptionResumedPayload$outboundSchema,
  type WebhookSubscriptionResumedPayload,
} from "@polar-sh/sdk/models/components/webhooksubscriptionresumedpayload";
import { Subscription$inboundSchema, Subscription$outboundSchema, type Subscription } from "@polar-sh/sdk/models/components/subscription";
import {
  WebhookBenefitGrantCreatedPayload$inboundSchema,
  WebhookBenefitGrantCreatedPayload$outboundSchema,
  type WebhookBenefitGrantCreatedPayload,
} from "@polar-sh/sdk/models/components/webhookbenefitgrantcreatedpayload";
import {
  WebhookBenefitGrantUpdatedPayload$inboundSchema,
  WebhookBenefitGrantUpdatedPayload$outboundSchema,
  type WebhookBenefitGrantUpdatedPayload,
} from "@polar-sh/sdk/models/components/webhookbenefitgrantupdatedpayload";
import {
  WebhookBenefitGrantCycledPayload$inboundSchema,
  WebhookBenefitGrantCycledPayload$outboundSchema,
  type WebhookBenefitGrantCycledPayload,
} from "@polar-sh/sdk/models/components/webhookbenefitgrantcycledpayload";
import {
  WebhookBenefitGrantRevokedPayload$inboundSchema,
  WebhookBenefitGrantRevokedPayload$outboundSchema,
  type WebhookBenefitGrantRevokedPayload,
} from "@polar-sh/sdk/models/components/webhookbenefitgrantrevokedpayload";
import {
  WebhookMemberCreatedPayload$inboundSchema,
  WebhookMemberCreatedPayload$outboundSchema,
  type WebhookMemberCreatedPayload,
} from "@polar-sh/sdk/models/components/webhookmembercreatedpayload";
import {
  WebhookMemberUpdatedPayload$inboundSchema,
  WebhookMemberUpdatedPayload$outboundSchema,
  type WebhookMemberUpdatedPayload,
} from "@polar-sh/sdk/models/components/webhookmemberupdatedpayload";
import {
  WebhookMemberDeletedPayload$inboundSchema,
  WebhookMemberDeletedPayload$outboundSchema,
  type WebhookMemberDeletedPayload,
} from "@polar-sh/sdk/models/components/webhookmemberdeletedpayload";
import {
  WebhookCustomerSeatAssignedPayload$inboundSchema,
  WebhookCustomerSeatAssignedPayload$outboundSchema,
  type WebhookCustomerSeatAssignedPayload,
} from "@polar-sh/sdk/models/components/webhookcustomerseatassignedpayload";
import {
  WebhookCustomerSeatClaimedPayload$inboundSchema,
  WebhookCustomerSeatClaimedPayload$outboundSchema,
  type WebhookCustomerSeatClaimedPayload,
} from "@polar-sh/sdk/models/components/webhookcustomerseatclaimedpayload";
import {
  WebhookCustomerSeatRevokedPayload$inboundSchema,
  WebhookCustomerSeatRevokedPayload$outboundSchema,
  type WebhookCustomerSeatRevokedPayload,
} from "@polar-sh/sdk/models/components/webhookcustomerseatrevokedpayload";
import { restoreGrantProperties, type StateGrant } from "./serialize-usage";

/**
 * `subscription.cycled`: Polar sends it (the subscription object as `data`, like every other
 * subscription.* event), but the SDK (0.47 to 0.49) has no payload type for it and its
 * `validateEvent` throws on it. Written here with the SDK's own Subscription schemas, so its `data` is exactly
 * what Polar sends and what `Subscription$inboundSchema` parses.
 */
export interface SubscriptionCycledPayload {
  type: "subscription.cycled";
  timestamp: Date;
  data: Subscription;
}
const cycledEncode = {
  parse: (v: unknown) => {
    const e = v as SubscriptionCycledPayload;
    return { type: e.type, timestamp: e.timestamp.toISOString(), data: Subscription$outboundSchema.parse(e.data) };
  },
};
const cycledDecode = {
  parse: (v: unknown): SubscriptionCycledPayload => {
    const raw = v as { type: unknown; timestamp: unknown; data: unknown };
    if (raw.type !== "subscription.cycled" || typeof raw.timestamp !== "string") throw new Error("not a subscription.cycled body");
    return { type: "subscription.cycled", timestamp: new Date(raw.timestamp), data: Subscription$inboundSchema.parse(raw.data) };
  },
};

/**
 * `customer.state_changed` through the SDK's encoding, each granted benefit's properties
 * written back (the SDK's union for them has no meter-credit member: serialize-usage.ts).
 */
const stateChangedEncode = {
  parse: (v: WebhookCustomerStateChangedPayload): unknown => {
    const json = WebhookCustomerStateChangedPayload$outboundSchema.parse(v);
    restoreGrantProperties(json.data, v.data.grantedBenefits as Array<Partial<StateGrant>>);
    return json;
  },
};

/**
 * Types Polar sends that the pinned SDK's `validateEvent` refuses ("Unknown event type"); their
 * `data` is a Subscription, which `Subscription$inboundSchema` parses. The SDK 0.49 has payload
 * types for `subscription.paused` and `subscription.resumed` (used below to encode them) and
 * lists them in `WebhookEventType`, but its `validateEvent` has no case for them.
 */
export const TYPES_THE_SDK_CANNOT_PARSE: ReadonlySet<string> = new Set(["subscription.cycled", "subscription.paused", "subscription.resumed"]);

/**
 * Every event the emulator emits, as the SDK's own webhook payload types. Serializing through
 * the matching generated `$outboundSchema` gives exactly the body `validateEvent` parses back.
 */
export type PolarEvent =
  | WebhookCheckoutCreatedPayload
  | WebhookCheckoutUpdatedPayload
  | WebhookCheckoutExpiredPayload
  | WebhookCustomerCreatedPayload
  | WebhookCustomerUpdatedPayload
  | WebhookOrderCreatedPayload
  | WebhookOrderUpdatedPayload
  | WebhookOrderPaidPayload
  | WebhookOrderRefundedPayload
  | WebhookProductCreatedPayload
  | WebhookProductUpdatedPayload
  | WebhookRefundCreatedPayload
  | WebhookSubscriptionCreatedPayload
  | WebhookSubscriptionActivePayload
  | WebhookSubscriptionUpdatedPayload
  | WebhookSubscriptionCanceledPayload
  | WebhookSubscriptionRevokedPayload
  | WebhookSubscriptionPastDuePayload
  | WebhookSubscriptionUncanceledPayload
  | WebhookCustomerStateChangedPayload
  | WebhookSubscriptionPausedPayload
  | WebhookSubscriptionResumedPayload
  | SubscriptionCycledPayload
  | WebhookBenefitGrantCreatedPayload
  | WebhookBenefitGrantUpdatedPayload
  | WebhookBenefitGrantCycledPayload
  | WebhookBenefitGrantRevokedPayload
  | WebhookMemberCreatedPayload
  | WebhookMemberUpdatedPayload
  | WebhookMemberDeletedPayload
  | WebhookCustomerSeatAssignedPayload
  | WebhookCustomerSeatClaimedPayload
  | WebhookCustomerSeatRevokedPayload
;

export type PolarEventType = PolarEvent["type"];

interface Codec<E> {
  encode: $ZodType<unknown, E> | { parse(v: E): unknown }; // takes exactly this payload type
  decode: $ZodType<E, unknown> | { parse(v: unknown): E }; // gives exactly this payload type back
}

// One codec per type, looked up by the event's discriminant; the mapped type makes the compiler
// check that each entry's schemas belong to the payload of its type.
const codecs: { [K in PolarEventType]: Codec<Extract<PolarEvent, { type: K }>> } = {
  "checkout.created": { encode: WebhookCheckoutCreatedPayload$outboundSchema, decode: WebhookCheckoutCreatedPayload$inboundSchema },
  "checkout.updated": { encode: WebhookCheckoutUpdatedPayload$outboundSchema, decode: WebhookCheckoutUpdatedPayload$inboundSchema },
  "checkout.expired": { encode: WebhookCheckoutExpiredPayload$outboundSchema, decode: WebhookCheckoutExpiredPayload$inboundSchema },
  "customer.created": { encode: WebhookCustomerCreatedPayload$outboundSchema, decode: WebhookCustomerCreatedPayload$inboundSchema },
  "customer.updated": { encode: WebhookCustomerUpdatedPayload$outboundSchema, decode: WebhookCustomerUpdatedPayload$inboundSchema },
  "order.created": { encode: WebhookOrderCreatedPayload$outboundSchema, decode: WebhookOrderCreatedPayload$inboundSchema },
  "order.updated": { encode: WebhookOrderUpdatedPayload$outboundSchema, decode: WebhookOrderUpdatedPayload$inboundSchema },
  "order.paid": { encode: WebhookOrderPaidPayload$outboundSchema, decode: WebhookOrderPaidPayload$inboundSchema },
  "order.refunded": { encode: WebhookOrderRefundedPayload$outboundSchema, decode: WebhookOrderRefundedPayload$inboundSchema },
  "product.created": { encode: WebhookProductCreatedPayload$outboundSchema, decode: WebhookProductCreatedPayload$inboundSchema },
  "product.updated": { encode: WebhookProductUpdatedPayload$outboundSchema, decode: WebhookProductUpdatedPayload$inboundSchema },
  "refund.created": { encode: WebhookRefundCreatedPayload$outboundSchema, decode: WebhookRefundCreatedPayload$inboundSchema },
  "subscription.created": { encode: WebhookSubscriptionCreatedPayload$outboundSchema, decode: WebhookSubscriptionCreatedPayload$inboundSchema },
  "subscription.active": { encode: WebhookSubscriptionActivePayload$outboundSchema, decode: WebhookSubscriptionActivePayload$inboundSchema },
  "subscription.updated": { encode: WebhookSubscriptionUpdatedPayload$outboundSchema, decode: WebhookSubscriptionUpdatedPayload$inboundSchema },
  "subscription.canceled": { encode: WebhookSubscriptionCanceledPayload$outboundSchema, decode: WebhookSubscriptionCanceledPayload$inboundSchema },
  "subscription.revoked": { encode: WebhookSubscriptionRevokedPayload$outboundSchema, decode: WebhookSubscriptionRevokedPayload$inboundSchema },
  "subscription.past_due": { encode: WebhookSubscriptionPastDuePayload$outboundSchema, decode: WebhookSubscriptionPastDuePayload$inboundSchema },
  "subscription.uncanceled": { encode: WebhookSubscriptionUncanceledPayload$outboundSchema, decode: WebhookSubscriptionUncanceledPayload$inboundSchema },
  "customer.state_changed": { encode: stateChangedEncode, decode: WebhookCustomerStateChangedPayload$inboundSchema },
  "subscription.cycled": { encode: cycledEncode, decode: cycledDecode },
  "subscription.paused": { encode: WebhookSubscriptionPausedPayload$outboundSchema, decode: WebhookSubscriptionPausedPayload$inboundSchema },
  "subscription.resumed": { encode: WebhookSubscriptionResumedPayload$outboundSchema, decode: WebhookSubscriptionResumedPayload$inboundSchema },
  "benefit_grant.created": { encode: WebhookBenefitGrantCreatedPayload$outboundSchema, decode: WebhookBenefitGrantCreatedPayload$inboundSchema },
  // Polar never sends `updated` for the two benefit types the emulated (their strategies'
  // `requires_update` is false); the codec is here so the type list stays complete.
  "benefit_grant.updated": { encode: WebhookBenefitGrantUpdatedPayload$outboundSchema, decode: WebhookBenefitGrantUpdatedPayload$inboundSchema },
  "benefit_grant.cycled": { encode: WebhookBenefitGrantCycledPayload$outboundSchema, decode: WebhookBenefitGrantCycledPayload$inboundSchema },
  "benefit_grant.revoked": { encode: WebhookBenefitGrantRevokedPayload$outboundSchema, decode: WebhookBenefitGrantRevokedPayload$inboundSchema },
  "member.created": { encode: WebhookMemberCreatedPayload$outboundSchema, decode: WebhookMemberCreatedPayload$inboundSchema },
  "member.updated": { encode: WebhookMemberUpdatedPayload$outboundSchema, decode: WebhookMemberUpdatedPayload$inboundSchema },
  "member.deleted": { encode: WebhookMemberDeletedPayload$outboundSchema, decode: WebhookMemberDeletedPayload$inboundSchema },
  "customer_seat.assigned": { encode: WebhookCustomerSeatAssignedPayload$outboundSchema, decode: WebhookCustomerSeatAssignedPayload$inboundSchema },
  "customer_seat.claimed": { encode: WebhookCustomerSeatClaimedPayload$outboundSchema, decode: WebhookCustomerSeatClaimedPayload$inboundSchema },
  "customer_seat.revoked": { encode: WebhookCustomerSeatRevokedPayload$outboundSchema, decode: WebhookCustomerSeatRevokedPayload$inboundSchema },
};

export const EMITTED_EVENT_TYPES = Object.keys(codecs) as PolarEventType[];

type Parser = { parse(v: unknown): unknown };

/**
 * The webhook body, `{"type", "timestamp", "data"}` in Polar's snake_case, checked against the
 * SDK's inbound parser before it is queued: a body the SDK would reject is an emulator bug.
 */
export function eventBody(event: PolarEvent): string {
  // The map pairs each schema with its own payload type; indexing it by a union loses the
  // pairing, so the schemas are used through the one method they all have.
  const codec = codecs[event.type] as unknown as { encode: Parser; decode: Parser };
  const body = JSON.stringify(codec.encode.parse(event));
  codec.decode.parse(JSON.parse(body));
  return body;
}
