import "server-only";
import { NextResponse } from "next/server";
import type { PortalAnswer } from "./open";

/**
 * /api/portal's answer to a browser: Polar's portal, the account page with a notice (no billing
 * account yet), or a small page asking to retry later, with Retry-After.
 */

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function retryPage(status: 429 | 503, title: string, text: string, retryAfterS: number): Response {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)}</title></head>
<body><main><h1>${escape(title)}</h1><p>${escape(text)}</p><p><a href="/account">Back to your account</a></p></main></body></html>
`;
  return new Response(html, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "retry-after": String(retryAfterS),
      "cache-control": "no-store",
      // No script, style or frame: the page is the text above.
      "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    },
  });
}

export function portalResponse(answer: PortalAnswer, requestUrl: string): Response {
  switch (answer.kind) {
    case "portal":
      return NextResponse.redirect(answer.url, { headers: { "cache-control": "no-store" } });
    case "no-customer":
      return NextResponse.redirect(new URL("/account?portal=none", requestUrl));
    case "busy":
      return retryPage(429, "Your billing portal is being opened", `Another request is opening it right now. Try again in ${answer.retryAfterS} seconds.`, answer.retryAfterS);
    case "unavailable":
      return retryPage(503, "The billing portal is unavailable right now", `Polar did not open it. Try again in ${answer.retryAfterS} seconds.`, answer.retryAfterS);
  }
}
