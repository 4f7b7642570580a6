import NextAuth from "next-auth";
import type { NextRequest } from "next/server";
import { authOptions } from "@/lib/auth/options";

export const runtime = "nodejs";

type Context = { params: Promise<{ nextauth: string[] }> };

// NextAuth is built per request from lazily-parsed options so the build needs no secrets.
async function handler(req: NextRequest, context: Context): Promise<Response> {
  return NextAuth(req, context, authOptions()) as Promise<Response>;
}

export { handler as GET, handler as POST };
