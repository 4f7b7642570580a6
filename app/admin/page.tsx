import type { Metadata } from "next";
import { Suspense, type ReactNode } from "react";
import { requireAdmin } from "@/lib/admin/access";
import { WEBHOOK_EVENT_STATUSES, type WebhookEventStatus } from "@/models/WebhookEvent";
import { AttentionPanel } from "./AttentionPanel";
import { CustomersPanel } from "./CustomersPanel";
import { DriftPanel } from "./DriftPanel";
import { EventLogPanel } from "./EventLogPanel";
import { HealthPanel, HealthView } from "./HealthPanel";
import { replayNotice } from "@/lib/admin/replay-notice";

export const metadata: Metadata = { title: "Operator", robots: { index: false } };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

const one = (v: string | string[] | undefined) => (typeof v === "string" && v.trim() !== "" ? v.trim().slice(0, 200) : undefined);

/**
 * The operator's page. The shell (headings, the search form) goes out as soon as the operator is
 * known; each section's query streams its part in behind it, so the slowest one (a day of
 * deliveries) delays only its own figures, not the first paint. A 404 is decided before anything.
 */
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
  const replay = replayNotice(one(params.replay), one(params.replayed));
  return (
    <div className="space-y-10">
      <h1 className="text-2xl font-bold">Operator</h1>

      <section aria-labelledby="health" className="space-y-4">
        <h2 id="health" className="text-xl font-semibold">Webhook health, last 24 hours</h2>
        <Suspense fallback={<HealthView />}>
          <HealthPanel now={now} />
        </Suspense>
      </section>

      <section aria-labelledby="attention" className="space-y-3">
        <h2 id="attention" className="text-xl font-semibold">Failed or unapplied events</h2>
        {replay ? (
          <p role="status" className="rounded-md bg-slate-100 px-3 py-2" data-testid="replay-result">
            {replay.id ? <code>{replay.id}</code> : null} {replay.message}
          </p>
        ) : null}
        <Streamed>
          <AttentionPanel />
        </Streamed>
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
        <Streamed>
          <EventLogPanel query={query} />
        </Streamed>
      </section>

      <section aria-labelledby="customers" className="space-y-3">
        <h2 id="customers" className="text-xl font-semibold">Customers by plan</h2>
        <Streamed>
          <CustomersPanel now={now} />
        </Streamed>
      </section>

      <section aria-labelledby="drift" className="space-y-3">
        <h2 id="drift" className="text-xl font-semibold">Drift repairs by the reconciler</h2>
        <Streamed>
          <DriftPanel />
        </Streamed>
      </section>
    </div>
  );
}

function Streamed({ children }: { children: ReactNode }) {
  return <Suspense fallback={<p className="text-slate-700" aria-busy="true">Loading…</p>}>{children}</Suspense>;
}

function Field({ name, label, value, placeholder }: { name: string; label: string; value?: string; placeholder?: string }) {
  return (
    <label className="flex flex-col text-sm">
      <span className="font-medium text-slate-800">{label}</span>
      <input name={name} defaultValue={value ?? ""} placeholder={placeholder} className="rounded border border-slate-300 bg-white px-2 py-1.5" />
    </label>
  );
}
