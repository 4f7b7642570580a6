import { z } from "zod";
import { validationError, type ValidationIssue } from "./http";
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
}).superRefine((body, ctx) => {
  if ((body.trial_interval == null) !== (body.trial_interval_count == null)) {
    const missing = body.trial_interval == null ? "trial_interval" : "trial_interval_count";
    ctx.addIssue({ code: "custom", path: [missing], message: "Both trial_interval and trial_interval_count must be set together." });
  }
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

export const customerSessionCreateBody = z.union([
  z.object({ customer_id: z.uuid(), return_url: httpUrl.nullish() }),
  z.object({ external_customer_id: z.string().min(1), return_url: httpUrl.nullish() }),
]);
export type CustomerSessionCreateBody = z.infer<typeof customerSessionCreateBody>;

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
