import { z } from "zod";
import { ApiError, namedValidationError, validationError, type ValidationIssue } from "./http";
import type { CustomerCancellationReason } from "./store";

/**
 * Request bodies as Polar's API (FastAPI + pydantic) accepts them, and zod's complaints turned
 * into FastAPI's 422 `detail` items so the SDK raises `HTTPValidationError` with a useful `loc`.
 */

const metadata = z
  .record(z.string().min(1).max(40), z.union([z.string().max(500), z.int(), z.number(), z.boolean()]))
  .refine((m) => Object.keys(m).length <= 50, "Metadata can have at most 50 keys");

const httpUrl = z.url({ protocol: /^https?$/ });

export const checkoutCreateBody = z.object({
  products: z.array(z.uuid()).min(1),
  external_customer_id: z.string().min(1).nullish(),
  customer_id: z.uuid().nullish(),
  customer_email: z.email().nullish(),
  customer_name: z.string().nullish(),
  success_url: httpUrl.nullish(),
  return_url: httpUrl.nullish(),
  metadata: metadata.optional(),
  customer_metadata: metadata.optional(),
  // Polar's trial fields: `allow_trial` false disables any trial; an interval and count given
  // here override the product's (both or neither, as Polar's TrialConfigurationInputMixin).
  allow_trial: z.boolean().optional(),
  trial_interval: z.enum(["day", "week", "month", "year"]).nullish(),
  trial_interval_count: z.int().min(1).max(1000).nullish(),
  // Polar's seat fields (Int32, 1 to 10000), checked against the product's tiers by the flow.
  seats: z.int().min(1).max(10000).nullish(),
  min_seats: z.int().min(1).max(10000).nullish(),
  max_seats: z.int().min(1).max(10000).nullish(),
}).superRefine((body, ctx) => {
  if ((body.trial_interval == null) !== (body.trial_interval_count == null)) {
    const missing = body.trial_interval == null ? "trial_interval" : "trial_interval_count";
    ctx.addIssue({ code: "custom", path: [missing], message: "Both trial_interval and trial_interval_count must be set together." });
  }
  // CheckoutCreateBase._validate_seat_constraints: a model validator, so its `loc` is the body.
  const seatsProblem =
    body.min_seats != null && body.max_seats != null && body.min_seats > body.max_seats
      ? "min_seats must be less than or equal to max_seats"
      : body.seats != null && body.min_seats != null && body.seats < body.min_seats
        ? "seats must be greater than or equal to min_seats"
        : body.seats != null && body.max_seats != null && body.seats > body.max_seats
          ? "seats must be less than or equal to max_seats"
          : null;
  if (seatsProblem) ctx.addIssue({ code: "custom", path: [], message: `Value error, ${seatsProblem}` });
});
export type CheckoutCreateBody = z.infer<typeof checkoutCreateBody>;

/**
 * `PATCH /v1/checkouts/{id}` (Polar's CheckoutUpdate), the part the emulator applies: the product
 * among the checkout's, the customer's name and email, metadata and the URLs. Other fields of
 * Polar's schema are accepted and ignored.
 */
export const checkoutUpdateBody = z.object({
  product_id: z.uuid().nullish(),
  customer_name: z.string().nullish(),
  customer_email: z.email().nullish(),
  metadata: metadata.optional(),
  customer_metadata: metadata.nullish(),
  success_url: httpUrl.nullish(),
  return_url: httpUrl.nullish(),
  seats: z.int().min(1).max(10000).nullish(),
});
export type CheckoutUpdateBody = z.infer<typeof checkoutUpdateBody>;

const cancellationReason = z.enum([
  "customer_service",
  "low_quality",
  "missing_features",
  "switched_service",
  "too_complex",
  "too_expensive",
  "unused",
  "other",
] as const satisfies readonly CustomerCancellationReason[]);
const cancellation = {
  customer_cancellation_reason: cancellationReason.nullish(),
  customer_cancellation_comment: z.string().nullish(),
};
const prorationBehavior = z.enum(["invoice", "prorate", "next_period", "reset"]);

/**
 * `PATCH /v1/subscriptions/{id}`: Polar's `SubscriptionUpdate`, a union of bodies that each
 * forbid other fields (server/polar/subscription/schemas.py), so one call makes one kind of
 * change. The kind is recognized by its key; a body mixing kinds is a 422 naming the extra field.
 */
export const subscriptionUpdateBodies = {
  cancel: z.strictObject({ cancel_at_period_end: z.boolean(), ...cancellation }),
  revoke: z.strictObject({ revoke: z.literal(true), ...cancellation }),
  pause: z.strictObject({ pause_at_period_end: z.boolean(), resumes_at: z.iso.datetime({ offset: true }).nullish() }),
  resume: z.strictObject({ resume: z.literal(true) }),
  clear: z.strictObject({ pending_update: z.null() }),
  seats: z.strictObject({ seats: z.int().min(1), proration_behavior: prorationBehavior.nullish() }),
  units: z.strictObject({ units: z.int().min(1), proration_behavior: prorationBehavior.nullish() }),
  billingPeriod: z.strictObject({ current_billing_period_end: z.iso.datetime({ offset: true }) }),
  // Polar's SubscriptionUpdateBase: every field optional, so `{}` is a (no-op) update too.
  base: z.strictObject({
    product_id: z.uuid().nullish(),
    proration_behavior: prorationBehavior.nullish(),
    discount_id: z.uuid().nullish(),
    trial_end: z.union([z.iso.datetime({ offset: true }), z.literal("now")]).nullish(),
    metadata: metadata.optional(),
  }),
};
type Bodies = typeof subscriptionUpdateBodies;
export type SubscriptionUpdateBody = { [K in keyof Bodies]: { kind: K; body: z.infer<Bodies[K]> } }[keyof Bodies];

// The key that names each kind, tried in this order; a body with none of them is the base kind.
const KIND_KEYS: Array<[Exclude<keyof Bodies, "base">, string]> = [
  ["cancel", "cancel_at_period_end"],
  ["revoke", "revoke"],
  ["pause", "pause_at_period_end"],
  ["resume", "resume"],
  ["clear", "pending_update"],
  ["seats", "seats"],
  ["units", "units"],
  ["billingPeriod", "current_billing_period_end"],
];

export function parseSubscriptionUpdate(input: unknown): SubscriptionUpdateBody {
  const keys = input && typeof input === "object" && !Array.isArray(input) ? Object.keys(input) : [];
  const kind = KIND_KEYS.find(([, key]) => keys.includes(key))?.[0] ?? "base";
  return { kind, body: parseOr422(subscriptionUpdateBodies[kind], input) } as SubscriptionUpdateBody;
}

// Polar's CustomerSessionCreateBase: the member a member session is for (member model on).
const sessionMember = { member_id: z.uuid().nullish(), external_member_id: z.string().nullish(), return_url: httpUrl.nullish() };
export const customerSessionCreateBody = z.union([
  z.object({ customer_id: z.uuid(), ...sessionMember }),
  z.object({ external_customer_id: z.string().min(1), ...sessionMember }),
]);
export type CustomerSessionCreateBody = z.infer<typeof customerSessionCreateBody>;

/** Python's `json.dumps` (separators ", " and ": ", non-ASCII escaped): what Polar measures metadata with. */
export function pythonJsonDumps(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return JSON.stringify(v).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  if (typeof v === "number" || typeof v === "boolean") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(pythonJsonDumps).join(", ")}]`;
  return `{${Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${pythonJsonDumps(k)}: ${pythonJsonDumps(x)}`)
    .join(", ")}}`;
}

/**
 * `POST /v1/customer-seats`: Polar's SeatAssign (customer_seat/schemas.py). Its validators run in
 * order and the first failing one is the 422: metadata (at most 10 keys, 1 KB of JSON), one of
 * `subscription_id` / `order_id`, then the recipient: some identifier; not a customer's and a
 * member's together; not both member identifiers; with a customer identifier, exactly one of it
 * and `email`; `member_id` without `email`.
 */
export const seatAssignBody = z
  .object({
    subscription_id: z.uuid().nullish(),
    order_id: z.uuid().nullish(),
    email: z.email().nullish(),
    external_customer_id: z.string().nullish(),
    customer_id: z.uuid().nullish(),
    external_member_id: z.string().nullish(),
    member_id: z.uuid().nullish(),
    metadata: z
      .record(z.string(), z.unknown())
      .nullish()
      .superRefine((m, ctx) => {
        if (!m) return;
        if (Object.keys(m).length > 10) ctx.addIssue({ code: "custom", message: "Value error, Metadata cannot have more than 10 keys" });
        else if (pythonJsonDumps(m).length > 1024) ctx.addIssue({ code: "custom", message: "Value error, Metadata size cannot exceed 1KB" });
      }),
    immediate_claim: z.boolean().default(false),
  })
  .superRefine((b, ctx) => {
    const problem = seatAssignProblem(b);
    if (problem) ctx.addIssue({ code: "custom", path: [], message: `Value error, ${problem}` });
  });
export type SeatAssignBody = z.infer<typeof seatAssignBody>;

function seatAssignProblem(b: { subscription_id?: string | null; order_id?: string | null; email?: string | null; external_customer_id?: string | null; customer_id?: string | null; external_member_id?: string | null; member_id?: string | null }): string | null {
  if ([b.subscription_id, b.order_id].filter((x) => x != null).length !== 1) return "Exactly one of subscription_id or order_id must be provided";
  const legacy = [b.external_customer_id, b.customer_id].filter((x) => x != null).length;
  const member = [b.external_member_id, b.member_id].filter((x) => x != null).length;
  const email = b.email != null ? 1 : 0;
  if (legacy + member + email === 0) return "At least one of email, external_customer_id, customer_id, external_member_id, or member_id must be provided";
  if (legacy > 0 && member > 0) return "Cannot combine external_customer_id/customer_id with external_member_id/member_id";
  if (member > 1) return "Cannot provide both external_member_id and member_id";
  if (legacy > 0 && legacy + email !== 1) return "Exactly one of email, external_customer_id, or customer_id must be provided";
  if (b.member_id != null && email) return "Cannot combine member_id with email";
  return null;
}

/** `POST /v1/customer-seats/claim`: Polar's SeatClaim. */
export const seatClaimBody = z.object({ invitation_token: z.string() });

// Polar's MemberNameInput: at most 256 characters, an empty string read as none.
const memberName = z
  .string()
  .max(256)
  .nullish()
  .transform((v) => (v === "" ? null : v));

/** `POST /v1/customers/{id}/members`: Polar's MemberCreateFromCustomer (an owner is never created here). */
export const memberCreateBody = z.object({
  email: z.email(),
  name: memberName,
  external_id: z
    .string()
    .nullish()
    .transform((v) => (v === "" ? null : v)),
  role: z.enum(["member", "billing_manager"]).default("member"),
});

/** `PATCH /v1/customers/{id}/members/{member_id}`: Polar's MemberUpdate. */
export const memberUpdateBody = z.object({
  name: memberName,
  email: z.email().nullish(),
  role: z.enum(["owner", "billing_manager", "member"]).nullish(),
});

function issueToFastApi(issue: z.core.$ZodIssue, input: unknown, where: string): ValidationIssue {
  const loc = [where, ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))];
  let value: unknown = input;
  for (const p of issue.path) value = value && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[p] : undefined;
  if (issue.code === "invalid_type" && value === undefined) return { type: "missing", loc, msg: "Field required", input };
  switch (issue.code) {
    case "unrecognized_keys": {
      // Pydantic's `extra="forbid"`: one error per extra field, at the field.
      const key = issue.keys[0] ?? "";
      const extra = value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
      return { type: "extra_forbidden", loc: [...loc, key], msg: "Extra inputs are not permitted", input: extra };
    }
    case "invalid_type":
      return { type: `${issue.expected}_type`, loc, msg: `Input should be a valid ${issue.expected}`, input: value };
    case "invalid_format":
      return issue.format === "uuid"
        ? { type: "uuid_parsing", loc, msg: "Input should be a valid UUID", input: value }
        : { type: "value_error", loc, msg: `value is not a valid ${issue.format}`, input: value };
    case "too_small":
      return { type: issue.origin === "array" || issue.origin === "string" ? "too_short" : "greater_than_equal", loc, msg: issue.message, input: value };
    case "too_big":
      return { type: issue.origin === "array" || issue.origin === "string" ? "too_long" : "less_than_equal", loc, msg: issue.message, input: value };
    default:
      return { type: "value_error", loc, msg: issue.message, input: value };
  }
}

/** Parses `input` or throws the 422 Polar would answer. `where` is FastAPI's first `loc` item. */
export function parseOr422<S extends z.ZodType>(schema: S, input: unknown, where: "body" | "query" | "path" = "body"): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  // A union reports one sub-issue list per branch; the first branch's are the helpful ones.
  const issues = result.error.issues
    .flatMap((i) => (i.code === "invalid_union" && i.errors[0] ? i.errors[0] : [i]))
    .flatMap((i) => (i.code === "unrecognized_keys" && i.keys.length > 1 ? i.keys.map((key) => ({ ...i, keys: [key] })) : [i]));
  throw validationError(...issues.map((i) => issueToFastApi(i, input, where)));
}

/** As parseOr422, with Polar's handler's `"error": "RequestValidationError"` beside the items. */
export function parseOr422Named<S extends z.ZodType>(schema: S, input: unknown, where: "body" | "query" | "path" = "body"): z.infer<S> {
  try {
    return parseOr422(schema, input, where);
  } catch (error) {
    if (error instanceof ApiError && error.status === 422) throw namedValidationError("RequestValidationError", (error.body as { detail: ValidationIssue[] }).detail);
    throw error;
  }
}

export const uuidPath = (name: string, value: string): string => {
  if (!z.uuid().safeParse(value).success) {
    throw validationError({ type: "uuid_parsing", loc: ["path", name], msg: "Input should be a valid UUID", input: value });
  }
  return value;
};

/** Query integers as FastAPI reads them: `page` >= 1, `limit` 1..100 (Polar's bounds). */
export function pageParams(q: URLSearchParams): { page: number; limit: number } {
  const read = (name: string, fallback: number, min: number, max: number): number => {
    const raw = q.get(name);
    if (raw === null) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n)) throw validationError({ type: "int_parsing", loc: ["query", name], msg: "Input should be a valid integer", input: raw });
    if (n < min || n > max) {
      throw validationError({ type: n < min ? "greater_than" : "less_than_equal", loc: ["query", name], msg: `Input should be ${n < min ? `greater than ${min - 1}` : `less than or equal to ${max}`}`, input: raw });
    }
    return n;
  };
  return { page: read("page", 1, 1, Number.MAX_SAFE_INTEGER), limit: read("limit", 10, 1, 100) };
}
