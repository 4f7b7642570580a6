import "server-only";
import { ensureProducts } from "@/lib/billing/product-sync";
import { connectDb } from "@/lib/db/connect";
import { describeError } from "@/lib/redact";
import { toPlanOffer, type PlanOffer } from "@/lib/plans/offer";
import { Product } from "@/models/Product";

/** The paid plans on sale, from the Product collection (synced from Polar). */
export async function listPlanOffers(): Promise<PlanOffer[]> {
  await connectDb();
  try {
    await ensureProducts();
  } catch (error) {
    console.error(`[pricing] could not sync products from Polar: ${describeError(error)}`);
  }
  // Up the ladder (the tiers' ranks), then by price, then by name: two plans at one price (Pro
  // Monthly and its trial) keep their places.
  const products = await Product.find({ plan: { $ne: null }, isArchived: false }).sort({ rank: 1, priceAmount: 1, name: 1 }).lean();
  return products.map(toPlanOffer);
}
