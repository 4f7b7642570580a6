import { createHash } from "node:crypto";
import { afterAll, beforeAll, inject } from "vitest";
import { forgetProducts } from "@/lib/billing/products";
import { connectDb, disconnectDb } from "@/lib/db/connect";
import { BenefitGrant } from "@/models/BenefitGrant";
import { CustomerMeter } from "@/models/CustomerMeter";
import { ErasedAccount } from "@/models/ErasedAccount";
import { Payment } from "@/models/Payment";
import { PortalSession } from "@/models/PortalSession";
import { Product } from "@/models/Product";
import { Subscription } from "@/models/Subscription";
import { UsageEvent } from "@/models/UsageEvent";
import { User } from "@/models/User";
import { WebhookEvent } from "@/models/WebhookEvent";

export const allModels = [User, Payment, Product, Subscription, WebhookEvent, ErasedAccount, PortalSession, BenefitGrant, CustomerMeter, UsageEvent] as const;

/** Gives the calling test file a database of its own on the run's real server, dropped first. */
export function setupTestDatabase(testFileUrl: string): { uri: string } {
  const name = `t_${createHash("sha1").update(testFileUrl).digest("hex").slice(0, 12)}`;
  const uri = `${inject("mongoUri")}${name}`;
  process.env.MONGODB_URI = uri;
  beforeAll(async () => {
    const mongoose = await connectDb(uri);
    await mongoose.connection.dropDatabase();
    await Promise.all(allModels.map((m) => m.createIndexes()));
  });
  afterAll(async () => {
    await disconnectDb();
  });
  return { uri };
}

export async function clearCollections(): Promise<void> {
  await Promise.all(allModels.map((m) => m.collection.deleteMany({})));
  // Emptied behind the app's back: its copy of the catalogue goes too (lib/billing/products.ts).
  forgetProducts();
}
