import { eventsNeedingAttention } from "@/lib/admin/queries";
import { EventTable } from "./EventTable";

export async function AttentionPanel() {
  const attention = await eventsNeedingAttention();
  return attention.length === 0 ? <p className="text-slate-700">None: every stored event is applied.</p> : <EventTable rows={attention} replayable testId="attention-events" />;
}
