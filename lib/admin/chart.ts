/**
 * The outline of a bar chart as one SVG path in a viewBox `values.length` wide and `height` tall:
 * one unit per bar, integer heights, runs of equal bars merged. A day of minutes is 1,440 bars and
 * the path goes out twice (in the HTML and in React's payload), so its size is the page's weight:
 * a few kB here against about 45 kB per chart as separate rectangles with decimals.
 * Null or zero is no bar; any other value is at least one unit tall, so it stays visible.
 */
export function barPath(values: ReadonlyArray<number | null>, height: number): string {
  const max = Math.max(0, ...values.map((v) => v ?? 0));
  if (max === 0) return "";
  let d = `M0 ${height}`;
  let level = 0; // the height the outline is drawn at
  let run = 0; // units drawn at `level` and not yet written
  values.forEach((v) => {
    const h = v && v > 0 ? Math.max(1, Math.round((v / max) * height)) : 0;
    if (h !== level) {
      if (run) d += `h${run}`;
      d += `V${height - h}`;
      level = h;
      run = 0;
    }
    run++;
  });
  if (run) d += `h${run}`;
  return `${d}V${height}Z`;
}
