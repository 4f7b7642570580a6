import type { WebhookHealth } from "@/lib/admin/health";
import { loadWebhookHealth } from "@/lib/admin/queries";
import { readSection } from "@/lib/admin/read-section";
import { BarChart } from "@/app/components/BarChart";
import { Figure } from "./Figure";
import { ms, time } from "./format";
import { SectionError } from "./SectionError";

export async function HealthPanel({ now }: { now: Date }) {
  const read = await readSection("webhook health", () => loadWebhookHealth(now));
  return read.ok ? <HealthView health={read.value} /> : <SectionError message={read.message} />;
}

/**
 * The figures and the two charts. Without `health` (while the query runs) the same boxes stand
 * empty, so nothing on the first screen moves when the figures stream in.
 */
export function HealthView({ health }: { health?: WebhookHealth }) {
  const figure = (label: string, testId: string, value: (h: WebhookHealth) => string) =>
    health ? <Figure label={label} value={value(health)} testId={testId} /> : <Figure label={label} value="…" />;
  const perMinute = health?.buckets.map((b) => b.deliveries) ?? null;
  return (
    <>
      <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3" data-testid={health ? "health-figures" : undefined} aria-busy={!health}>
        {figure("Deliveries", "deliveries", (h) => h.deliveries.toLocaleString("en-US"))}
        {figure("Failed", "failed", (h) => String(h.failed))}
        {figure("Unapplied after a minute", "stuck", (h) => String(h.stuck))}
        {figure("Last delivery", "last-delivery", (h) => (h.lastDeliveryAt ? time.format(h.lastDeliveryAt) : "none"))}
        {figure("Apply lag p50", "lag-p50", (h) => ms(h.lagMsP50))}
        {figure("Apply lag p95", "lag-p95", (h) => ms(h.lagMsP95))}
      </dl>
      <BarChart
        id={health ? "chart-deliveries" : undefined}
        title="Deliveries per minute"
        summary={health ? `${health.deliveries} deliveries in the last 24 hours, at most ${Math.max(0, ...perMinute!)} in one minute` : "Loading deliveries per minute"}
        values={perMinute}
        format={(v) => `${v}/min`}
        startLabel="24 h ago"
        endLabel="now"
      />
      <BarChart
        id={health ? "chart-lag" : undefined}
        title="Apply lag, slowest per minute"
        summary={health ? `Apply lag over the last 24 hours: median ${ms(health.lagMsP50)}, 95th percentile ${ms(health.lagMsP95)}` : "Loading apply lag"}
        values={health?.buckets.map((b) => b.lagMsMax) ?? null}
        format={(v) => ms(v)}
        startLabel="24 h ago"
        endLabel="now"
      />
      {/* Below the charts: a note that appears must not push them down. */}
      {health?.truncated ? <p className="text-sm text-slate-700">Counted from the latest {health.deliveries.toLocaleString("en-US")} deliveries only.</p> : null}
    </>
  );
}
