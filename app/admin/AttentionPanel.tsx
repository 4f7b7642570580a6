import { eventsNeedingAttention } from "@/lib/admin/queries";
import { readSection } from "@/lib/admin/read-section";
import { EventTable } from "./EventTable";
import { SectionError } from "./SectionError";

export async function AttentionPanel() {
  const read = await readSection("failed or unapplied events", () => eventsNeedingAttention());
  if (!read.ok) return <SectionError message={read.message} />;
  const attention = read.value;
  return attention.length === 0 ? <p className="text-slate-700">None: every stored event is applied.</p> : <EventTable rows={attention} replayable testId="attention-events" />;
}
