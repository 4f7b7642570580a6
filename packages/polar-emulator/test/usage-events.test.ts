import { Event$inboundSchema } from "@polar-sh/sdk/models/components/event";
import { EventsIngestResponse$inboundSchema } from "@polar-sh/sdk/models/components/eventsingestresponse";
import { ValidationError$inboundSchema } from "@polar-sh/sdk/models/components/validationerror";
import { HTTPValidationError } from "@polar-sh/sdk/models/errors/httpvalidationerror";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCheckout, pay, PRO_MONTHLY_ID, sdkParse, settled, startHarness, TOKEN, waitFor, type Harness } from "./harness";

/**
 * Usage events as Polar takes them (`POST /v1/events/ingest`, server/polar/event/): the SDK's
 * `events.ingest`, `external_id` dedupe per organization, Polar's 422s, the events list, and the
 * seeded meter over them (`GET /v1/meters/...`, quantities). Every answer goes through the SDK's
 * parsers (its methods, or its `$inboundSchema`s for raw calls), every webhook through sdkParse.
 */

const METER_ID = "0d4b2e6a-3f1c-4a8e-9b57-2c6e8f1a3d90";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

/** A raw call, for bodies the SDK would refuse to send. */
async function ingestRaw(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${h.emulator.url}/v1/events/ingest`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const report = (email: string, externalId: string | undefined, metadata: Record<string, string | number | boolean> = {}) => ({
  name: "report.generated",
  externalCustomerId: email,
  ...(externalId ? { externalId } : {}),
  metadata,
});

describe("POST /v1/events/ingest", () => {
  it("inserts a batch and answers {inserted, duplicates}; an external_id seen before is skipped, in a later batch or the same one", async () => {
    const email = "ingest@example.com";
    expect(await h.polar.events.ingest({ events: [report(email, "r-1", { pages: 3 }), report(email, "r-2"), report(email, undefined)] })).toEqual({ inserted: 3, duplicates: 0 });
    // The same ids again (the app's at-least-once retry), one new, one repeated inside the batch.
    expect(await h.polar.events.ingest({ events: [report(email, "r-1"), report(email, "r-2"), report(email, "r-3"), report(email, "r-3")] })).toEqual({ inserted: 1, duplicates: 3 });
    // No external_id: nothing to dedupe on.
    expect(await h.polar.events.ingest({ events: [report(email, undefined)] })).toEqual({ inserted: 1, duplicates: 0 });
    // An empty batch is fine.
    const empty = await ingestRaw({ events: [] });
    expect(empty).toEqual({ status: 200, json: { inserted: 0, duplicates: 0 } });
    EventsIngestResponse$inboundSchema.parse(empty.json);

    const listed = await h.polar.events.list({ externalCustomerId: email, limit: 100 });
    expect(listed.items).toHaveLength(5);
    const first = listed.items.find((e) => e.source === "user" && e.metadata.pages === 3);
    expect(first).toMatchObject({ name: "report.generated", source: "user", externalCustomerId: email, customerId: null, customer: null, label: "report.generated" });
    // The first insert kept its metadata: the duplicate did not replace it.
    expect(await h.polar.events.get({ id: first?.id ?? "" })).toMatchObject({ id: first?.id, metadata: { pages: 3 } });
  });

  it("a body pydantic refuses: 422 RequestValidationError with both members of the event union reported, and nothing stored", async () => {
    const before = (await h.polar.events.list({ limit: 100 })).items.length;
    const bad = await ingestRaw({ events: [{ name: "report.generated", external_customer_id: "x@example.com" }, { name: "report.generated" }] });
    expect(bad.status).toBe(422);
    expect(bad.json).toEqual({
      error: "RequestValidationError",
      detail: [
        { type: "missing", loc: ["body", "events", 1, "EventCreateCustomer", "customer_id"], msg: "Field required", input: { name: "report.generated" } },
        { type: "missing", loc: ["body", "events", 1, "EventCreateExternalCustomer", "external_customer_id"], msg: "Field required", input: { name: "report.generated" } },
      ],
    });
    // Each item is the SDK's ValidationError (what its HTTPValidationError carries).
    for (const item of bad.json.detail as unknown[]) ValidationError$inboundSchema.parse(item);
    expect((await h.polar.events.list({ limit: 100 })).items).toHaveLength(before);

    const future = new Date(Date.now() + 3_600_000).toISOString();
    const more = await ingestRaw({
      events: [{ name: "x".repeat(129), external_customer_id: "x@example.com", timestamp: future, metadata: { ok: 1, empty: "", nested: { a: 1 } } }],
    });
    const at = (member: string) => (more.json.detail as Array<{ loc: unknown[]; type: string; msg: string }>).filter((d) => d.loc[3] === member).map((d) => [d.loc.slice(4).join("."), d.type, d.msg]);
    expect(at("EventCreateExternalCustomer")).toEqual([
      ["timestamp", "value_error", "Value error, Timestamp must be in the past."],
      ["name", "string_too_long", "String should have at most 128 characters"],
      ["metadata.empty.constrained-str", "string_too_short", "String should have at least 1 character"],
      ["metadata.empty.int", "int_parsing", "Input should be a valid integer, unable to parse string as an integer"],
      ["metadata.empty.float", "float_parsing", "Input should be a valid number, unable to parse string as a number"],
      ["metadata.empty.bool", "bool_parsing", "Input should be a valid boolean, unable to interpret input"],
      ["metadata.nested.constrained-str", "string_type", "Input should be a valid string"],
      ["metadata.nested.int", "int_type", "Input should be a valid integer"],
      ["metadata.nested.float", "float_type", "Input should be a valid number"],
      ["metadata.nested.bool", "bool_type", "Input should be a valid boolean"],
    ]);
    expect(at("EventCreateCustomer").at(-1)).toEqual(["customer_id", "missing", "Field required"]);

    expect(await ingestRaw({})).toEqual({ status: 422, json: { error: "RequestValidationError", detail: [{ type: "missing", loc: ["body", "events"], msg: "Field required", input: {} }] } });
  });

  it("what the organization refuses: 422 PolarRequestValidationError for the whole batch (an unknown customer_id, an organization_id with an organization token)", async () => {
    const unknown = "6f9619ff-8b86-4011-b42d-00c04fc964ff";
    const org = "b9f7a9d2-3c4e-4f5a-8b6c-7d8e9f0a1b2c"; // the seed's organization, the token's own
    const refused = await ingestRaw({
      events: [
        { name: "report.generated", external_customer_id: "ok@example.com", external_id: "kept-out" },
        { name: "report.generated", customer_id: unknown },
        { name: "report.generated", external_customer_id: "ok@example.com", organization_id: org },
      ],
    });
    expect(refused).toEqual({
      status: 422,
      json: {
        error: "PolarRequestValidationError",
        detail: [
          { type: "customer_id", loc: ["body", "events", 1, "customer_id"], msg: "Customer not found.", input: unknown },
          { type: "organization_token", loc: ["body", "events", 2, "organization_id"], msg: "Setting organization_id is disallowed when using an organization token.", input: org },
        ],
      },
    });
    // All or nothing: the valid first event was not stored either, so its id is still free.
    expect(await h.polar.events.ingest({ events: [report("ok@example.com", "kept-out")] })).toEqual({ inserted: 1, duplicates: 0 });
    // The SDK raises Polar's 422 as HTTPValidationError.
    const error = await h.polar.events.ingest({ events: [{ name: "report.generated", customerId: unknown }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPValidationError);
    expect((error as HTTPValidationError).detail).toEqual([expect.objectContaining({ loc: ["body", "events", 0, "customer_id"], msg: "Customer not found." })]);
  });

  it("a customer's events move its meter: one customer.state_changed per batch; an external id nobody has yet moves nothing until the customer exists", async () => {
    const early = "early@example.com";
    await settled(h);
    const from = h.receiver.received.length;
    await h.polar.events.ingest({ events: [report(early, "early-1"), report(early, "early-2")] });
    await new Promise((r) => setTimeout(r, 100));
    expect(h.receiver.received.slice(from)).toEqual([]);

    // Pro Monthly grants 100 credits; Polar does not reset a meter the product has no metered
    // price on, so the two reports sent before the purchase count against them.
    await pay((await createCheckout(h.polar, early, PRO_MONTHLY_ID)).url);
    const state = await h.polar.customers.getStateExternal({ externalId: early });
    expect(state.activeMeters).toEqual([expect.objectContaining({ meterId: METER_ID, consumedUnits: 2, creditedUnits: 100, balance: 98 })]);

    await settled(h);
    const at = h.receiver.received.length;
    await h.polar.events.ingest({ events: [report(early, "early-3"), report(early, "early-4"), { name: "other.thing", externalCustomerId: early }] });
    const [changed] = await waitFor("the state", () => {
      const got = h.receiver.received.slice(at);
      return got.length >= 1 && got;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(h.receiver.received.slice(at).map((r) => r.type)).toEqual(["customer.state_changed"]);
    expect(sdkParse(changed!).type).toBe("customer.state_changed");
    expect(changed?.data).toMatchObject({ external_id: early, active_meters: [{ meter_id: METER_ID, consumed_units: 4, credited_units: 100, balance: 96 }] });
  });

  it("lists events with Polar's filters: name, source, customer, meter, a filter clause as JSON", async () => {
    const email = "lister@example.com";
    await h.polar.events.ingest({
      events: [report(email, "l-1", { pages: 1 }), report(email, "l-2", { pages: 9 }), { name: "export.generated", externalCustomerId: email, metadata: { pages: 4 } }],
    });
    const names = async (q: Parameters<typeof h.polar.events.list>[0]) => (await h.polar.events.list({ externalCustomerId: email, limit: 100, ...q })).items.map((e) => e.name).sort();
    expect(await names({})).toEqual(["export.generated", "report.generated", "report.generated"]);
    expect(await names({ name: "export.generated" })).toEqual(["export.generated"]);
    expect(await names({ meterId: METER_ID })).toEqual(["report.generated", "report.generated"]);
    expect(await names({ filter: JSON.stringify({ conjunction: "and", clauses: [{ property: "metadata.pages", operator: "gte", value: 4 }] }) })).toEqual(["export.generated", "report.generated"]);
    expect(await names({ source: "system" })).toEqual([]);
    // Newest first (Polar's default sorting, -timestamp), and each one parses as the SDK's Event.
    const res = await fetch(`${h.emulator.url}/v1/events/?external_customer_id=${encodeURIComponent(email)}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const json = (await res.json()) as { items: unknown[] };
    for (const item of json.items) Event$inboundSchema.parse(item);
  });
});

describe("meters", () => {
  it("the seeded meter: Reports, name eq report.generated, count; by id; unknown id 404", async () => {
    const [meter] = (await h.polar.meters.list({})).result.items;
    expect(meter).toMatchObject({
      id: METER_ID,
      name: "Reports",
      unit: "scalar",
      filter: { conjunction: "and", clauses: [{ property: "name", operator: "eq", value: "report.generated" }] },
      aggregation: { func: "count" },
      archivedAt: null,
    });
    expect(await h.polar.meters.get({ id: METER_ID })).toEqual(meter);
    await expect(h.polar.meters.get({ id: "6f9619ff-8b86-4011-b42d-00c04fc964ff" })).rejects.toMatchObject({ statusCode: 404 });
  });

  it("quantities per day for a customer, as the SDK's metersQuantities reads them", async () => {
    const email = "quantities@example.com";
    const day = (d: number, h = 12) => new Date(Date.UTC(2026, 0, d, h));
    await h.polar.events.ingest({
      events: [
        { ...report(email, "q-1"), timestamp: day(5, 1) },
        { ...report(email, "q-2"), timestamp: day(5, 23) },
        { ...report(email, "q-3"), timestamp: day(7) },
        { name: "export.generated", externalCustomerId: email, timestamp: day(6) },
      ],
    });
    const q = await h.polar.meters.quantities({ id: METER_ID, startTimestamp: day(5, 0), endTimestamp: day(7, 0), interval: "day", externalCustomerId: email });
    expect(q.quantities.map((p) => [p.timestamp.toISOString().slice(0, 10), p.quantity])).toEqual([
      ["2026-01-05", 2],
      ["2026-01-06", 0],
      ["2026-01-07", 1],
    ]);
    expect(q.total).toBe(3);
    // Polar's limits on a range: an hourly series longer than seven days is refused.
    const tooLong = await h.polar.meters.quantities({ id: METER_ID, startTimestamp: day(1, 0), endTimestamp: day(20, 0), interval: "hour" }).catch((e: unknown) => e);
    expect(tooLong).toBeInstanceOf(HTTPValidationError);
  });

  it("customer meters: consumed, credited and balance, through the SDK's customerMeters", async () => {
    const items = (await h.polar.customerMeters.list({ externalCustomerId: "early@example.com" })).result.items;
    expect(items).toEqual([expect.objectContaining({ meterId: METER_ID, consumedUnits: 4, creditedUnits: 100, balance: 96, customer: expect.objectContaining({ externalId: "early@example.com" }), meter: expect.objectContaining({ name: "Reports" }) })]);
    expect(await h.polar.customerMeters.get({ id: items[0]?.id ?? "" })).toEqual(items[0]);
  });
});
