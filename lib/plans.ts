import "server-only";
import { ensureProducts } from "@/lib/billing/product-sync";
import { connectDb } from "@/lib/db";
import { describeError } from "@/lib/redact";
import { Product } from "@/models/Product";

export interface PlanOffer {
  productId: string;
  name: string;
  description: string | null;
  plan: string;
  price: string;
  interval: string | null;
}

export function formatPrice(amount: number | null, currency: string | null): string {
  if (amount === null || !currency) return "—";
  return new Intl.NumberFormat("en-US", { style: "currency", currency }).format(amount / 100);
}

/** The paid plans on sale, from the Product collection (synced from Polar). */
export async function listPlanOffers(): Promise<PlanOffer[]> {
  await connectDb();
  try {
    await ensureProducts();
  } catch (error) {
    console.error(`[pricing] could not sync products from Polar: ${describeError(error)}`);
  }
  const products = await Product.find({ plan: { $ne: null }, isArchived: false }).sort({ priceAmount: 1 }).lean();
  return products.map((p) => ({
    productId: p.polarProductId,
    name: p.name,
    description: p.description ?? null,
    plan: p.plan ?? "",
    price: formatPrice(p.priceAmount ?? null, p.priceCurrency ?? null),
    interval: p.recurringInterval ?? null,
  }));
}
