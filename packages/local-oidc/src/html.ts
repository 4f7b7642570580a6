/** The provider's pages: no scripts, no fonts or images from anywhere, inline styles, visible focus. */

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Every value that reaches a page goes through this: the email and name are whatever was typed. */
export function esc(value: unknown): string {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

const STYLE = `
  :root { color-scheme: light; --ink: #111827; --muted: #4b5563; --line: #9ca3af; --brand: #1d4ed8; --bad: #b91c1c; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #f3f4f6; }
  main { max-width: 28rem; margin: 2rem auto; padding: 1.5rem; background: #fff; border: 1px solid #d1d5db; border-radius: 0.75rem; }
  h1 { font-size: 1.5rem; margin: 0 0 0.5rem; }
  .banner { font-size: 0.875rem; color: #92400e; background: #fffbeb; border: 1px solid #f59e0b; border-radius: 0.5rem; padding: 0.5rem 0.75rem; }
  .muted { color: var(--muted); font-weight: 400; }
  label { display: block; font-weight: 600; margin: 1rem 0 0.25rem; }
  input { width: 100%; padding: 0.6rem 0.75rem; font: inherit; border: 1px solid var(--line); border-radius: 0.5rem; }
  .actions { display: flex; gap: 0.75rem; margin-top: 1.25rem; }
  button { padding: 0.65rem 1.25rem; font: inherit; font-weight: 600; color: #fff; background: var(--brand); border: 0; border-radius: 0.5rem; cursor: pointer; }
  button.secondary { color: var(--ink); background: #e5e7eb; }
  :focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
  .error { color: var(--bad); font-weight: 600; border: 1px solid var(--bad); border-radius: 0.5rem; padding: 0.5rem 0.75rem; background: #fef2f2; }
  code { font-size: 0.85em; overflow-wrap: anywhere; }
`;

export const BANNER =
  "Development identity provider: it signs in any email address, with no password. It runs on this machine only and is never used in production.";

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<p class="banner" role="note">${esc(BANNER)}</p>
${body}
</main>
</body>
</html>`;
}
