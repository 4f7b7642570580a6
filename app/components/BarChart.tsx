import { barPath } from "@/lib/admin/chart";

/**
 * A bar chart drawn on the server as SVG: no charting library and no client JavaScript. All bars
 * are one path (lib/admin/chart.ts), so 1,440 minutes cost one element. Labelled for screen
 * readers by `summary`. Without values it is the same frame, empty, standing in while the page
 * streams.
 */
export function BarChart({
  id,
  title,
  summary,
  values,
  format,
  startLabel,
  endLabel,
}: {
  id?: string;
  title: string;
  summary: string;
  values: Array<number | null> | null;
  format: (value: number) => string;
  startLabel: string;
  endLabel: string;
}) {
  const width = Math.max(1, values?.length ?? 1);
  const height = 100;
  const max = Math.max(0, ...(values ?? []).map((v) => v ?? 0));
  const d = values ? barPath(values, height) : "";
  const titleId = `${id ?? title.replace(/\W+/g, "-").toLowerCase()}-title`;
  return (
    <figure className="space-y-1" data-testid={id}>
      <figcaption className="flex justify-between text-sm">
        <span className="font-medium text-slate-800">{title}</span>
        <span className="text-slate-700">max {values ? format(max) : "…"}</span>
      </figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" className="h-28 w-full rounded border border-slate-200 bg-white" role="img" aria-labelledby={titleId}>
        <title id={titleId}>{summary}</title>
        {d ? <path d={d} className="fill-brand-600" /> : null}
      </svg>
      <div className="flex justify-between text-xs text-slate-700" aria-hidden="true">
        <span>{startLabel}</span>
        <span>{endLabel}</span>
      </div>
    </figure>
  );
}
