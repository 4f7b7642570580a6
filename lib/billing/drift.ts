import "server-only";
import type { Types } from "mongoose";
import { connectDb } from "@/lib/db/connect";
import { DriftRepair, type DriftRepairDoc } from "@/models/DriftRepair";

export type DriftRecord = Omit<DriftRepairDoc, "at" | "userId"> & { userId: Types.ObjectId };

export async function recordDrift(record: DriftRecord): Promise<void> {
  await DriftRepair.create({ ...record, at: new Date() });
}

/** The latest repairs, newest first (the operator's `npm run webhooks -- drift`). */
export async function listDriftRepairs(limit = 50) {
  await connectDb();
  const docs = await DriftRepair.find({}).sort({ at: -1 }).limit(limit).lean();
  return docs.map((d) => ({ ...d, userId: String(d.userId) }));
}
