/**
 * A bar chart drawn on the server as SVG: no charting library and no client JavaScript. All bars
 * are one path, so 1,440 minutes cost one element. Labelled for screen readers by `summary`.
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
  id: string;
  title: string;
  summary: string;
  values: Array<number | null>;
  format: (value: number) => string;
  startLabel: string;
  endLabel: string;
}) {
  const width = 720;
  const height = 120;
  const max = Math.max(0, ...values.map((v) => v ?? 0));
  const step = width / Math.max(1, values.length);
  const barWidth = Math.max(step, 1);
  let d = "";
  values.forEach((v, i) => {
    if (!v || max === 0) return;
    const h = Math.max(1, (v / max) * height);
    d += `M${(i * step).toFixed(2)} ${height}v${(-h).toFixed(2)}h${barWidth.toFixed(2)}v${h.toFixed(2)}z`;
  });
  return (
    <figure className="space-y-1" data-testid={id}>
      <figcaption className="flex justify-between text-sm">
        <span className="font-medium text-slate-800">{title}</span>
        <span className="text-slate-700">max {format(max)}</span>
      </figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" className="h-28 w-full rounded border border-slate-200 bg-white" role="img" aria-labelledby={`${id}-title`}>
        <title id={`${id}-title`}>{summary}</title>
        <path d={d} className="fill-brand-600" />
      </svg>
      <div className="flex justify-between text-xs text-slate-700" aria-hidden="true">
        <span>{startLabel}</span>
        <span>{endLabel}</span>
      </div>
    </figure>
  );
}
