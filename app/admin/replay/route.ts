import { NextResponse, type NextRequest } from "next/server";
import { z } from "zod";
import { isOperator } from "@/lib/admin/access";
import { WEBHOOK_ID_PATTERN } from "@/lib/admin/replay-notice";
import { getSession } from "@/lib/auth/session";
import { env } from "@/lib/env";
import { replayEvent } from "@/lib/webhooks/operator";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// A webhook-id as Polar sends it (Standard Webhooks: printable, no spaces), bounded.
const replayInput = z.object({ webhookId: z.string().trim().regex(WEBHOOK_ID_PATTERN) });

/**
 * The Replay button of /admin: a plain form POST, answered with a 303 back to the page, so the
 * browser navigates by itself (a server action's redirect went through the client router, which
 * now and then dropped it while the page's sections streamed in). The same path as
 * `npm run webhooks -- replay <id>`. What a server action checks for free is checked here: the
 * request comes from this app's own pages (Origin), and from an operator (anyone else: 404).
 */
export async function POST(req: NextRequest): Promise<Response> {
  const appOrigin = new URL(env().APP_URL).origin;
  if (req.headers.get("origin") !== appOrigin) return NextResponse.json({ error: "cross-origin request refused" }, { status: 403 });
  const session = await getSession();
  if (!session || !isOperator(env().ADMIN_EMAILS, session)) return new NextResponse(null, { status: 404 });
  const parsed = replayInput.safeParse(Object.fromEntries(await req.formData().catch(() => new FormData())));
  const back = (query: string) => NextResponse.redirect(new URL(`/admin?${query}#attention`, appOrigin), 303);
  if (!parsed.success) return back("replay=invalid");
  const outcome = await replayEvent(parsed.data.webhookId);
  return back(`replayed=${encodeURIComponent(parsed.data.webhookId)}&replay=${outcome}`);
}
