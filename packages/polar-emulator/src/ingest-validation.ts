import { namedValidationError, type ValidationIssue } from "./http";
import type { EventMetadata } from "./usage-records";

/**
 * `POST /v1/events/ingest`'s body as Polar's pydantic models read it (server/polar/event/
 * schemas.py: `EventsIngest`, `EventCreateCustomer | EventCreateExternalCustomer`,
 * `EventMetadataInput`; server/polar/kit/metadata.py for the values), and its 422 as pydantic
 * words it. The event is a union without a discriminator, so when neither member fits pydantic
 * reports both members' errors, each `loc` naming the member; extra fields are ignored.
 * Written by hand rather than with zod, whose messages and union reports are not pydantic's.
 */

export interface IngestedEvent {
  name: string;
  timestamp: Date;
  organizationId: string | null;
  externalId: string | null;
  parentId: string | null;
  metadata: EventMetadata;
  customer: { customerId: string; memberId: string | null } | { externalCustomerId: string; externalMemberId: string | null };
}

type Loc = Array<string | number>;
type Raw = Record<string, unknown>;

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const OFFSET = /(Z|[+-]\d{2}(:?\d{2})?)$/i;

const isObject = (v: unknown): v is Raw => v !== null && typeof v === "object" && !Array.isArray(v);

class Check {
  readonly issues: ValidationIssue[] = [];

  constructor(private readonly loc: Loc) {}

  fail(field: Array<string | number>, type: string, msg: string, input: unknown, ctx?: Record<string, unknown>): undefined {
    this.issues.push({ type, loc: [...this.loc, ...field], msg, input, ...(ctx ? { ctx } : {}) });
    return undefined;
  }

  string(raw: Raw, key: string, opts: { required: boolean; nullable?: boolean; max?: number }): string | null | undefined {
    if (!(key in raw)) return opts.required ? this.fail([key], "missing", "Field required", raw) : null;
    const v = raw[key];
    if (v === null && opts.nullable) return null;
    if (typeof v !== "string") return this.fail([key], "string_type", "Input should be a valid string", v);
    if (opts.max !== undefined && v.length > opts.max) {
      return this.fail([key], "string_too_long", `String should have at most ${opts.max} characters`, v, { max_length: opts.max });
    }
    return v;
  }

  /** Pydantic's UUID4: any UUID text, then version 4. */
  uuid4(raw: Raw, key: string, opts: { required: boolean }): string | null | undefined {
    if (!(key in raw)) return opts.required ? this.fail([key], "missing", "Field required", raw) : null;
    const v = raw[key];
    if (v === null && !opts.required) return null;
    if (typeof v !== "string") return this.fail([key], "uuid_type", "UUID input should be a string, bytes or UUID object", v);
    if (!UUID.test(v)) return this.fail([key], "uuid_parsing", "Input should be a valid UUID, invalid character or length", v);
    const hex = v.replace(/-/g, "").toLowerCase();
    if (hex[12] !== "4") return this.fail([key], "uuid_version", "UUID version 4 expected", v, { expected_version: 4 });
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /** `AwareDatetime` after `is_past_timestamp`; absent means now (the default factory). */
  timestamp(raw: Raw, now: Date): Date | undefined {
    if (!("timestamp" in raw)) return now;
    const v = raw.timestamp;
    let at: Date;
    if (typeof v === "number") {
      // Pydantic reads a number as Unix time (milliseconds when it is that large), in UTC.
      at = new Date(Math.abs(v) > 2e10 ? v : v * 1000);
    } else if (typeof v === "string") {
      at = new Date(v);
      if (Number.isNaN(at.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(v)) {
        return this.fail(["timestamp"], "datetime_from_date_parsing", "Input should be a valid datetime or date, invalid datetime", v);
      }
      if (!OFFSET.test(v) || !/T|\s/.test(v)) return this.fail(["timestamp"], "timezone_aware", "Input should have timezone info", v);
    } else {
      return this.fail(["timestamp"], "datetime_type", "Input should be a valid datetime", v);
    }
    if (at.getTime() > now.getTime()) {
      return this.fail(["timestamp"], "value_error", "Value error, Timestamp must be in the past.", v, { error: {} });
    }
    return at;
  }

  /**
   * `EventMetadataInput`: any keys; each value a string of 1 to 500 characters, an integer, a
   * float or a boolean (a failing value gets one error per member of that union), except the
   * structured `_cost` and `_llm`.
   */
  metadata(raw: Raw): EventMetadata | undefined {
    if (!("metadata" in raw)) return {};
    const v = raw.metadata;
    if (!isObject(v)) return this.fail(["metadata"], "dict_type", "Input should be a valid dictionary", v);
    const before = this.issues.length;
    for (const [key, value] of Object.entries(v)) {
      if (key === "_cost") this.cost(value);
      else if (key === "_llm") this.llm(value);
      else this.metadataValue(key, value);
    }
    return this.issues.length === before ? { ...v } : undefined;
  }

  private metadataValue(key: string, value: unknown): void {
    if (typeof value === "number" || typeof value === "boolean") return;
    if (typeof value === "string" && value.length >= 1 && value.length <= 500) return;
    const at = ["metadata", key];
    if (typeof value === "string") {
      if (value.length < 1) this.fail([...at, "constrained-str"], "string_too_short", "String should have at least 1 character", value, { min_length: 1 });
      else this.fail([...at, "constrained-str"], "string_too_long", "String should have at most 500 characters", value, { max_length: 500 });
      this.fail([...at, "int"], "int_parsing", "Input should be a valid integer, unable to parse string as an integer", value);
      this.fail([...at, "float"], "float_parsing", "Input should be a valid number, unable to parse string as a number", value);
      this.fail([...at, "bool"], "bool_parsing", "Input should be a valid boolean, unable to interpret input", value);
      return;
    }
    this.fail([...at, "constrained-str"], "string_type", "Input should be a valid string", value);
    this.fail([...at, "int"], "int_type", "Input should be a valid integer", value);
    this.fail([...at, "float"], "float_type", "Input should be a valid number", value);
    this.fail([...at, "bool"], "bool_type", "Input should be a valid boolean", value);
  }

  /** `CostMetadata`: an amount in cents (a number, or a decimal string) and the currency `usd`. */
  private cost(value: unknown): void {
    const at = ["metadata", "_cost"];
    if (!isObject(value)) return void this.fail(at, "dict_type", "Input should be a valid dictionary", value);
    const amount = value.amount;
    if (!("amount" in value)) this.fail([...at, "amount"], "missing", "Field required", value);
    else if (!(typeof amount === "number" || (typeof amount === "string" && /^-?\d+(\.\d+)?$/.test(amount)))) {
      this.fail([...at, "amount"], "decimal_parsing", "Input should be a valid decimal", amount);
    }
    if (!("currency" in value)) this.fail([...at, "currency"], "missing", "Field required", value);
    else if (typeof value.currency !== "string") this.fail([...at, "currency"], "string_type", "Input should be a valid string", value.currency);
    else if (!value.currency.includes("usd")) {
      this.fail([...at, "currency"], "string_pattern_mismatch", "String should match pattern 'usd'", value.currency, { pattern: "usd" });
    }
  }

  /** `LLMMetadata`: vendor, model and token counts required; prompt and response optional. */
  private llm(value: unknown): void {
    const at = ["metadata", "_llm"];
    if (!isObject(value)) return void this.fail(at, "dict_type", "Input should be a valid dictionary", value);
    for (const key of ["vendor", "model"]) {
      if (!(key in value)) this.fail([...at, key], "missing", "Field required", value);
      else if (typeof value[key] !== "string") this.fail([...at, key], "string_type", "Input should be a valid string", value[key]);
    }
    for (const key of ["prompt", "response"]) {
      if (key in value && value[key] !== null && typeof value[key] !== "string") this.fail([...at, key], "string_type", "Input should be a valid string", value[key]);
    }
    for (const key of ["input_tokens", "cached_input_tokens", "output_tokens", "total_tokens"]) {
      if (!(key in value)) {
        if (key !== "cached_input_tokens") this.fail([...at, key], "missing", "Field required", value);
      } else if (!Number.isInteger(value[key])) this.fail([...at, key], "int_type", "Input should be a valid integer", value[key]);
    }
  }
}

/** One member of the union: the base fields (in their declared order), then the member's own. */
function member(raw: unknown, loc: Loc, kind: "EventCreateCustomer" | "EventCreateExternalCustomer", now: Date): { event?: IngestedEvent; issues: ValidationIssue[] } {
  const check = new Check([...loc, kind]);
  if (!isObject(raw)) {
    check.fail([], "model_attributes_type", "Input should be a valid dictionary or object to extract attributes from", raw);
    return { issues: check.issues };
  }
  const timestamp = check.timestamp(raw, now);
  const name = check.string(raw, "name", { required: true, max: 128 });
  const organizationId = check.uuid4(raw, "organization_id", { required: false });
  const externalId = check.string(raw, "external_id", { required: false, nullable: true });
  const parentId = check.string(raw, "parent_id", { required: false, nullable: true });
  const metadata = check.metadata(raw);
  let customer: IngestedEvent["customer"] | undefined;
  if (kind === "EventCreateCustomer") {
    const customerId = check.uuid4(raw, "customer_id", { required: true });
    const memberId = check.uuid4(raw, "member_id", { required: false });
    if (customerId) customer = { customerId, memberId: memberId ?? null };
  } else {
    const externalCustomerId = check.string(raw, "external_customer_id", { required: true });
    const externalMemberId = check.string(raw, "external_member_id", { required: false, nullable: true });
    if (typeof externalCustomerId === "string") customer = { externalCustomerId, externalMemberId: externalMemberId ?? null };
  }
  if (check.issues.length || !timestamp || typeof name !== "string" || !metadata || !customer) return { issues: check.issues };
  return {
    event: { name, timestamp, organizationId: organizationId ?? null, externalId: externalId ?? null, parentId: parentId ?? null, metadata, customer },
    issues: [],
  };
}

/** The events of an ingest body, or the 422 FastAPI answers for it (`RequestValidationError`). */
export function parseIngestBody(body: unknown, now: Date): IngestedEvent[] {
  if (!isObject(body)) {
    throw namedValidationError("RequestValidationError", [
      { type: "model_attributes_type", loc: ["body"], msg: "Input should be a valid dictionary or object to extract attributes from", input: body },
    ]);
  }
  if (!("events" in body)) throw namedValidationError("RequestValidationError", [{ type: "missing", loc: ["body", "events"], msg: "Field required", input: body }]);
  if (!Array.isArray(body.events)) {
    throw namedValidationError("RequestValidationError", [{ type: "list_type", loc: ["body", "events"], msg: "Input should be a valid list", input: body.events }]);
  }
  const issues: ValidationIssue[] = [];
  const events: IngestedEvent[] = [];
  body.events.forEach((raw: unknown, index) => {
    const loc = ["body", "events", index];
    // Smart-mode union: the first member that validates wins.
    const byId = member(raw, loc, "EventCreateCustomer", now);
    if (byId.event) return void events.push(byId.event);
    const byExternalId = member(raw, loc, "EventCreateExternalCustomer", now);
    if (byExternalId.event) return void events.push(byExternalId.event);
    issues.push(...byId.issues, ...byExternalId.issues);
  });
  if (issues.length) throw namedValidationError("RequestValidationError", issues);
  return events;
}
