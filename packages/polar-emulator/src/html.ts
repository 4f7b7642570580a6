/** The emulator's pages share one plain layout: no scripts, inline styles, visible focus. */

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Every value that reaches a page goes through this; merchant and customer text is untrusted. */
export function esc(value: unknown): string {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

export function money(cents: number, currency: string): string {
  return new Intl.NumberFormat("en-US", { style: "currency", currency: currency.toUpperCase() }).format(cents / 100);
}

export function interval(recurring: string | null): string {
  return recurring ? ` / ${recurring}` : "";
}

const STYLE = `
  :root { color-scheme: light; --ink: #111827; --muted: #4b5563; --line: #d1d5db; --brand: #1d4ed8; --bad: #b91c1c; --good: #047857; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #f3f4f6; }
  main { max-width: 40rem; margin: 2rem auto; padding: 1.5rem; background: #fff; border: 1px solid var(--line); border-radius: 0.75rem; }
  main.wide { max-width: 72rem; }
  h1 { font-size: 1.5rem; margin: 0 0 1rem; }
  h2 { font-size: 1.15rem; margin: 1.5rem 0 0.5rem; }
  .banner { font-size: 0.85rem; color: var(--muted); border-bottom: 1px dashed var(--line); padding-bottom: 0.5rem; margin-bottom: 1rem; }
  .muted { color: var(--muted); }
  .price { font-size: 1.75rem; font-weight: 700; margin: 0.25rem 0 1rem; }
  label { display: block; font-weight: 600; margin: 1rem 0 0.25rem; }
  input { width: 100%; padding: 0.6rem 0.75rem; font: inherit; border: 1px solid var(--line); border-radius: 0.5rem; }
  input[readonly] { background: #f9fafb; }
  button, .button { display: inline-block; margin-top: 1.25rem; padding: 0.65rem 1.25rem; font: inherit; font-weight: 600; color: #fff;
    background: var(--brand); border: 0; border-radius: 0.5rem; cursor: pointer; text-decoration: none; }
  button.secondary { background: #374151; }
  button.danger { background: var(--bad); }
  a { color: var(--brand); }
  :focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
  .error { color: var(--bad); font-weight: 600; border: 1px solid var(--bad); border-radius: 0.5rem; padding: 0.5rem 0.75rem; background: #fef2f2; }
  .ok { color: var(--good); font-weight: 600; }
  table { width: 100%; border-collapse: collapse; font-size: 0.9rem; }
  th, td { text-align: left; padding: 0.4rem 0.5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
  td form { display: inline; }
  td button { margin: 0; padding: 0.3rem 0.7rem; font-size: 0.85rem; }
  code { font-size: 0.85em; }
`;

export function page(title: string, body: string, opts: { wide?: boolean } = {}): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main${opts.wide ? ' class="wide"' : ""}>
<p class="banner">Polar emulator: a local stand-in for Polar. No real payment is made.</p>
${body}
</main>
</body>
</html>`;
}
