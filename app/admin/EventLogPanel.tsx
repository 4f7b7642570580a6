import { EVENT_LOG_LIMIT, searchEvents, type EventQuery } from "@/lib/admin/queries";
import { readSection } from "@/lib/admin/read-section";
import { EventTable } from "./EventTable";
import { SectionError } from "./SectionError";

export async function EventLogPanel({ query }: { query: EventQuery }) {
  const read = await readSection("the event log", () => searchEvents(query));
  if (!read.ok) return <SectionError message={read.message} />;
  const log = read.value;
  return (
    <>
      {log.length === 0 ? <p className="text-slate-700">No events match.</p> : <EventTable rows={log} testId="event-log" />}
      {log.length === EVENT_LOG_LIMIT ? <p className="text-sm text-slate-700">The newest {EVENT_LOG_LIMIT} shown; narrow the search for older ones.</p> : null}
    </>
  );
}
