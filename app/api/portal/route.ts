import { NextResponse, type NextRequest } from "next/server";
import { getSessionEmail } from "@/lib/auth/session";
import { openPortal } from "@/lib/portal/open";
import { portalResponse } from "@/lib/portal/response";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * Polar's customer portal for the signed-in user (external customer id = email), through the
 * app's one Polar client (Polar or the emulator alike); sessions reused and rationed by lib/portal.
 */
export async function GET(req: NextRequest): Promise<Response> {
  const email = await getSessionEmail();
  if (!email) return NextResponse.redirect(new URL("/signin?callbackUrl=/account", req.url));
  return portalResponse(await openPortal(email), req.url);
}
