import { CustomerPortal } from "@polar-sh/nextjs";
import { customerSessionsCreate } from "@polar-sh/sdk/funcs/customerSessionsCreate.js";
import { unwrapAsync } from "@polar-sh/sdk/types/fp.js";
import { NextResponse, type NextRequest } from "next/server";
import { getSessionEmail } from "@/lib/auth/session";
import { env } from "@/lib/env";
import { polar } from "@/lib/polar/client";
import { describePolarError } from "@/lib/polar/errors";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

type Handler = (req: NextRequest) => Promise<Response>;
let portal: Handler | undefined;

/**
 * Polar's customer portal for the signed-in user, by external customer id (= email).
 * `CustomerPortal` from @polar-sh/nextjs only knows Polar's own servers (it takes `server`,
 * not `serverURL`), so against the local emulator the same session call goes through our client.
 */
function portalHandler(): Handler {
  const e = env();
  const returnUrl = `${e.APP_URL}/account`;
  if (!e.POLAR_API_URL) {
    return CustomerPortal({
      accessToken: e.POLAR_ACCESS_TOKEN,
      server: e.POLAR_SERVER,
      returnUrl,
      getExternalCustomerId: async () => (await getSessionEmail()) ?? "",
    });
  }
  return async () => {
    const email = await getSessionEmail();
    try {
      const session = await unwrapAsync(customerSessionsCreate(polar(), { externalCustomerId: email ?? "", returnUrl }));
      return NextResponse.redirect(session.customerPortalUrl);
    } catch (error) {
      const { log } = describePolarError(error);
      console.error(`[portal] ${log}`);
      return NextResponse.json({ error: "The billing portal is unavailable right now." }, { status: 502 });
    }
  };
}

export async function GET(req: NextRequest): Promise<Response> {
  if (!(await getSessionEmail())) return NextResponse.redirect(new URL("/signin?callbackUrl=/account", req.url));
  portal ??= portalHandler();
  return portal(req);
}
