import type { ValidationIssue } from "../http";
import { namedValidationError } from "../http";
import { parseIngestBody, type IngestedEvent } from "../ingest-validation";
import { isoNow, newId } from "../store";
import type { EventRecord } from "../usage-records";
import type { FlowContext } from "./emit";
import type { Meters } from "./meters";

/**
 * `POST /v1/events/ingest` as Polar's `EventService.ingest` (server/polar/event/service.py):
 * the body is validated first (ingest-validation.ts), then each event against the organization
 * (an organization token may not set `organization_id`; `customer_id` must be one of its
 * customers; a `member_id` must be a member of the organization, not deleted), all errors of the batch
 * in one 422 and nothing stored; then the batch is inserted, an event whose `external_id` the
 * organization already has being skipped (`ON CONFLICT (organization_id, external_id) DO
 * NOTHING` in event/repository.py `insert_batch`, so a repeat within the batch is skipped
 * too). An `external_customer_id` is not checked: events may arrive before their customer.
 */
export class Events {
  constructor(
    private readonly fx: FlowContext,
    private readonly meters: Meters,
  ) {}

  private refusal(event: IngestedEvent, index: number): ValidationIssue | null {
    const loc = ["body", "events", index];
    if (event.organizationId !== null) {
      return { type: "organization_token", loc: [...loc, "organization_id"], msg: "Setting organization_id is disallowed when using an organization token.", input: event.organizationId };
    }
    if ("customerId" in event.customer) {
      if (!this.fx.store.customers.has(event.customer.customerId)) {
        return { type: "customer_id", loc: [...loc, "customer_id"], msg: "Customer not found.", input: event.customer.customerId };
      }
      const memberId = event.customer.memberId;
      if (memberId !== null && this.fx.store.members.get(memberId)?.deletedAt !== null) {
        return { type: "member_id", loc: [...loc, "member_id"], msg: "Member not found.", input: memberId };
      }
    }
    return null;
  }

  ingest(body: unknown): { inserted: number; duplicates: number } {
    const ingestedAt = new Date();
    const events = parseIngestBody(body, ingestedAt);
    const refusals = events.map((e, i) => this.refusal(e, i)).filter((r): r is ValidationIssue => r !== null);
    if (refusals.length) throw namedValidationError("PolarRequestValidationError", refusals);

    // One instant for the batch (one INSERT on Polar's side): a tick per event would run the
    // emulator's strictly increasing clock ahead of real time on a large batch.
    const batchAt = isoNow();
    const inserted: EventRecord[] = [];
    for (const e of events) {
      const record: EventRecord = {
        id: newId(),
        name: e.name,
        source: "user",
        timestamp: e.timestamp.toISOString(),
        ingestedAt: batchAt,
        customerId: "customerId" in e.customer ? e.customer.customerId : null,
        externalCustomerId: "externalCustomerId" in e.customer ? e.customer.externalCustomerId : null,
        externalId: e.externalId,
        metadata: e.metadata,
        memberId: "customerId" in e.customer ? e.customer.memberId : null,
        externalMemberId: "externalCustomerId" in e.customer ? e.customer.externalMemberId : null,
      };
      if (this.fx.store.addEvent(record)) inserted.push(record);
    }
    // Polar balances the customers' meters in a job after the request, then sends each changed
    // customer's state (debounced per customer: one webhook for the batch).
    for (const customerId of this.meters.recordUsage(inserted)) this.fx.emit.customerState(customerId);
    if (inserted.length) this.fx.changed();
    this.fx.log(`[polar-emulator] events ingested: ${inserted.length} inserted, ${events.length - inserted.length} duplicates`);
    return { inserted: inserted.length, duplicates: events.length - inserted.length };
  }
}
