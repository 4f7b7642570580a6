import { after, NextResponse, type NextRequest } from "next/server";
import { env } from "@/lib/env";
import { readBodyWithLimit } from "@/lib/webhooks/read-body";
import { receiveWebhook } from "@/lib/webhooks/receive";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";
// The answer takes one insert; the rest runs in after(), which this bounds on Vercel.
export const maxDuration = 60;

/** Polar's events: larger bodies are refused before they are read whole. */
const MAX_BODY_BYTES = 1024 * 1024;

export async function POST(req: NextRequest): Promise<NextResponse> {
  const body = await readBodyWithLimit(req, MAX_BODY_BYTES);
  if (body === null) return NextResponse.json({ ok: false, error: "body larger than 1 MB" }, { status: 413 });
  const { status, body: answer, afterAnswer } = await receiveWebhook(body, Object.fromEntries(req.headers), env().POLAR_WEBHOOK_SECRET);
  if (afterAnswer) after(afterAnswer);
  return NextResponse.json(answer, { status });
}
