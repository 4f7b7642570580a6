import { BarChart } from "@/app/components/BarChart";

type Props = {
  usage: { used: number; included: number | null; remaining: number | null; overage: number; allowed: boolean };
  perDay: { counts: number[]; from: Date };
};

const day = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" });

/** This period's reports against the plan's credits, the overage so far, and reports per day. */
export function UsagePanel({ usage, perDay }: Props) {
  const total = perDay.counts.reduce((a, b) => a + b, 0);
  return (
    <div className="space-y-3" data-testid="usage">
      <h2 className="text-xl font-semibold">Reports</h2>
      <p className="text-slate-700" data-testid="usage-line">
        {usage.included === null
          ? `${usage.used} used; your plan has no limit.`
          : `${usage.used} of ${usage.included} used this period${usage.overage > 0 ? `, ${usage.overage} past the included reports, billed at your next renewal` : ""}.`}
      </p>
      <BarChart
        id="usage-chart"
        title="Reports per day, last 30 days"
        summary={`${total} reports in the last 30 days`}
        values={perDay.counts}
        format={(v) => String(v)}
        startLabel={day.format(perDay.from)}
        endLabel="today"
      />
    </div>
  );
}
