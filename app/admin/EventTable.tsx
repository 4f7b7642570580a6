import type { EventSummary } from "@/lib/webhooks/operator";
import { time } from "./format";

export function EventTable({ rows, replayable = false, testId }: { rows: EventSummary[]; replayable?: boolean; testId: string }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full rounded-lg border border-slate-200 bg-white text-left text-sm" data-testid={testId}>
        <thead className="bg-slate-100 text-slate-700">
          <tr>
            <th scope="col" className="px-3 py-2">Received</th>
            <th scope="col" className="px-3 py-2">Type</th>
            <th scope="col" className="px-3 py-2">webhook-id</th>
            <th scope="col" className="px-3 py-2">Status</th>
            <th scope="col" className="px-3 py-2">Attempts</th>
            <th scope="col" className="px-3 py-2">Error</th>
            {replayable ? <th scope="col" className="px-3 py-2"><span className="sr-only">Replay</span></th> : null}
          </tr>
        </thead>
        <tbody>
          {rows.map((e) => (
            <tr key={e.webhookId} className="border-t border-slate-200" data-testid={`event-${e.webhookId}`}>
              <td className="px-3 py-2 whitespace-nowrap">{time.format(e.receivedAt)}</td>
              <td className="px-3 py-2">{e.type}</td>
              <td className="px-3 py-2"><code className="text-xs">{e.webhookId}</code></td>
              <td className="px-3 py-2" data-testid="event-status">{e.status}</td>
              <td className="px-3 py-2">{e.attempts}</td>
              <td className="px-3 py-2 text-xs">{e.error ?? ""}</td>
              {replayable ? (
                <td className="px-3 py-2">
                  <form method="post" action="/admin/replay">
                    <input type="hidden" name="webhookId" value={e.webhookId} />
                    <button type="submit" className="rounded-md border border-slate-300 bg-white px-3 py-1 font-medium hover:bg-slate-100" aria-label={`Replay ${e.type} ${e.webhookId}`}>
                      Replay
                    </button>
                  </form>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
