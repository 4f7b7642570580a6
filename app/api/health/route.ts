import { NextResponse } from "next/server";
import { connectDb, replaceClientAfter } from "@/lib/db/connect";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Liveness plus database reachability, for uptime checks and the test harness. */
export async function GET(): Promise<NextResponse> {
  try {
    const mongoose = await connectDb();
    await mongoose.connection.db?.admin().ping();
    return NextResponse.json({ ok: true, database: "up" });
  } catch (error) {
    replaceClientAfter(error);
    return NextResponse.json({ ok: false, database: "down" }, { status: 503 });
  }
}
