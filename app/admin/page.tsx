import type { Metadata } from "next";
import { requireAdmin } from "@/lib/admin/access";
import type { HealthBucket } from "@/lib/admin/health";
import {
  countCustomersByPlan,
  EVENT_LOG_LIMIT,
  eventsNeedingAttention,
  loadWebhookHealth,
  recentDriftRepairs,
  searchEvents,
} from "@/lib/admin/queries";
import type { EventSummary } from "@/lib/webhooks/operator";
import { WEBHOOK_EVENT_STATUSES, type WebhookEventStatus } from "@/models/WebhookEvent";
import { replayWebhookEvent } from "./actions";
import { BarChart } from "./BarChart";

export const metadata: Metadata = { title: "Operator", robots: { index: false } };

const time = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "medium", timeZone: "UTC" });
const ms = (v: number | null) => (v === null ? "–" : v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(1)} s`);

const replayMessages: Record<string, string> = {
  applied: "Replayed: the event is applied.",
  ignored: "Replayed: nothing in it to apply.",
  "already-applied": "Already applied: nothing to do.",
  "not-found": "No event with that webhook-id.",
  busy: "Someone else is applying it right now; look again in a minute.",
  retry: "Replayed, but it failed again; it stays in the sweep's queue.",
  failed: "Replayed, but it failed again.",
  invalid: "That was not a webhook-id.",
};

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

const one = (v: string | string[] | undefined) => (typeof v === "string" && v.trim() !== "" ? v.trim().slice(0, 200) : undefined);

export default async function AdminPage({ searchParams }: Props) {
  await requireAdmin();
  const params = await searchParams;
  const status = one(params.status);
  const query = {
    email: one(params.email),
    webhookId: one(params.id),
    type: one(params.type),
    status: (WEBHOOK_EVENT_STATUSES as readonly string[]).includes(status ?? "") ? (status as WebhookEventStatus) : undefined,
  };
  const now = new Date();
  const [health, attention, log, plans, repairs] = await Promise.all([
    loadWebhookHealth(now),
    eventsNeedingAttention(),
    searchEvents(query),
    countCustomersByPlan(now),
    recentDriftRepairs(),
  ]);
  const replay = one(params.replay);
  const hours = (b: HealthBucket[]) => b.map((x) => x.deliveries);
  return (
    <div className="space-y-10">
      <h1 className="text-2xl font-bold">Operator</h1>

      <section aria-labelledby="health" className="space-y-4">
        <h2 id="health" className="text-xl font-semibold">Webhook health, last 24 hours</h2>
        <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3" data-testid="health-figures">
          <Figure label="Deliveries" value={health.deliveries.toLocaleString("en-US")} testId="deliveries" />
          <Figure label="Failed" value={String(health.failed)} testId="failed" />
          <Figure label="Unapplied after a minute" value={String(health.stuck)} testId="stuck" />
          <Figure label="Last delivery" value={health.lastDeliveryAt ? time.format(health.lastDeliveryAt) : "none"} testId="last-delivery" />
          <Figure label="Apply lag p50" value={ms(health.lagMsP50)} testId="lag-p50" />
          <Figure label="Apply lag p95" value={ms(health.lagMsP95)} testId="lag-p95" />
        </dl>
        {health.truncated ? <p className="text-sm text-slate-700">Counted from the latest {health.deliveries.toLocaleString("en-US")} deliveries only.</p> : null}
        <BarChart
          id="chart-deliveries"
          title="Deliveries per minute"
          summary={`${health.deliveries} deliveries in the last 24 hours, at most ${Math.max(0, ...hours(health.buckets))} in one minute`}
          values={hours(health.buckets)}
          format={(v) => `${v}/min`}
          startLabel="24 h ago"
          endLabel="now"
        />
        <BarChart
          id="chart-lag"
          title="Apply lag, slowest per minute"
          summary={`Apply lag over the last 24 hours: median ${ms(health.lagMsP50)}, 95th percentile ${ms(health.lagMsP95)}`}
          values={health.buckets.map((b) => b.lagMsMax)}
          format={(v) => ms(v)}
          startLabel="24 h ago"
          endLabel="now"
        />
      </section>

      <section aria-labelledby="attention" className="space-y-3">
        <h2 id="attention" className="text-xl font-semibold">Failed or unapplied events</h2>
        {replay ? (
          <p role="status" className="rounded-md bg-slate-100 px-3 py-2" data-testid="replay-result">
            {one(params.replayed) ? <code>{one(params.replayed)}</code> : null} {replayMessages[replay] ?? replay}
          </p>
        ) : null}
        {attention.length === 0 ? <p className="text-slate-700">None: every stored event is applied.</p> : <EventTable rows={attention} replayable testId="attention-events" />}
      </section>

      <section aria-labelledby="log" className="space-y-3">
        <h2 id="log" className="text-xl font-semibold">Event log</h2>
        <form method="get" action="/admin#log" className="grid gap-3 sm:grid-cols-5" role="search">
          <Field name="email" label="Customer email" value={query.email} />
          <Field name="id" label="webhook-id" value={query.webhookId} />
          <Field name="type" label="Type" value={query.type} placeholder="order.paid" />
          <label className="flex flex-col text-sm">
            <span className="font-medium text-slate-800">Status</span>
            <select name="status" defaultValue={query.status ?? ""} className="rounded border border-slate-300 bg-white px-2 py-1.5">
              <option value="">any</option>
              {WEBHOOK_EVENT_STATUSES.map((s) => (
                <option key={s} value={s}>{s}</option>
              ))}
            </select>
          </label>
          <button type="submit" className="self-end rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">Search</button>
        </form>
        {log.length === 0 ? <p className="text-slate-700">No events match.</p> : <EventTable rows={log} testId="event-log" />}
        {log.length === EVENT_LOG_LIMIT ? <p className="text-sm text-slate-700">The newest {EVENT_LOG_LIMIT} shown; narrow the search for older ones.</p> : null}
      </section>

      <section aria-labelledby="customers" className="space-y-3">
        <h2 id="customers" className="text-xl font-semibold">Customers by plan</h2>
        <dl className="grid grid-cols-3 gap-3" data-testid="plan-counts">
          <Figure label="Pro" value={String(plans.pro)} testId="plan-pro" />
          <Figure label="Free" value={String(plans.free)} testId="plan-free" />
          <Figure label="Pro, period ended (the cron turns them Free)" value={String(plans.lapsed)} testId="plan-lapsed" />
        </dl>
      </section>

      <section aria-labelledby="drift" className="space-y-3">
        <h2 id="drift" className="text-xl font-semibold">Drift repairs by the reconciler</h2>
        {repairs.length === 0 ? (
          <p className="text-slate-700">None: our facts have matched Polar&apos;s.</p>
        ) : (
          <table className="w-full rounded-lg border border-slate-200 bg-white text-left text-sm" data-testid="drift-repairs">
            <thead className="bg-slate-100 text-slate-700">
              <tr>
                <th scope="col" className="px-3 py-2">When</th>
                <th scope="col" className="px-3 py-2">Customer</th>
                <th scope="col" className="px-3 py-2">What</th>
                <th scope="col" className="px-3 py-2">Ours → Polar&apos;s</th>
                <th scope="col" className="px-3 py-2">Plan</th>
              </tr>
            </thead>
            <tbody>
              {repairs.map((r, i) => (
                <tr key={i} className="border-t border-slate-200">
                  <td className="px-3 py-2">{time.format(r.at)}</td>
                  <td className="px-3 py-2">{r.email ?? "(deleted)"}</td>
                  <td className="px-3 py-2">{r.kind} <code className="text-xs">{r.subject}</code></td>
                  <td className="px-3 py-2">{r.before} → {r.after}</td>
                  <td className="px-3 py-2">{r.planBefore} → {r.planAfter}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

function Figure({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-3">
      <dt className="text-sm text-slate-700">{label}</dt>
      <dd className="text-lg font-semibold" data-testid={testId}>{value}</dd>
    </div>
  );
}

function Field({ name, label, value, placeholder }: { name: string; label: string; value?: string; placeholder?: string }) {
  return (
    <label className="flex flex-col text-sm">
      <span className="font-medium text-slate-800">{label}</span>
      <input name={name} defaultValue={value ?? ""} placeholder={placeholder} className="rounded border border-slate-300 bg-white px-2 py-1.5" />
    </label>
  );
}

function EventTable({ rows, replayable = false, testId }: { rows: EventSummary[]; replayable?: boolean; testId: string }) {
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
                  <form action={replayWebhookEvent}>
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
