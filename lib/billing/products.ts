import "server-only";
import { Product, type ProductDoc } from "@/models/Product";

/**
 * The products we hold, read whole (a catalogue is a handful of documents) and kept by this process
 * for a few seconds. Applying one event read them two or three times (the plan a payment grants,
 * then the whole catalogue for the plan's recomputation): a fifth of an apply's commands. A product
 * changes when someone edits it in Polar; its webhook reaches one instance, which forgets its copy
 * at once (recordProduct), and the others see the change within CATALOGUE_TTL_MS, as if the
 * webhook had been that much later.
 */
export type StoredProduct = ProductDoc & { _id: unknown };

const CATALOGUE_TTL_MS = 10_000;

interface Held { database: string; at: number; products: Promise<StoredProduct[]> }

// On globalThis: Next bundles each route separately, and a product webhook applied by one route
// must clear the copy of all. Per database: a process of tests connects to several.
const shared = globalThis as typeof globalThis & { __productCatalogue?: Held | null };

/** Every product we hold, as of at most CATALOGUE_TTL_MS ago. */
export function allProducts(now = Date.now()): Promise<StoredProduct[]> {
  const database = Product.db.name;
  const held = shared.__productCatalogue;
  if (held && held.database === database && now - held.at < CATALOGUE_TTL_MS) return held.products;
  const products = Product.find({}).lean<StoredProduct[]>().exec();
  const entry = { database, at: now, products };
  shared.__productCatalogue = entry;
  // A failed read is not kept: the next caller asks the database again.
  products.catch(() => {
    if (shared.__productCatalogue === entry) shared.__productCatalogue = null;
  });
  return products;
}

/** The product with this Polar id, if we hold it. */
export async function productById(polarProductId: string): Promise<StoredProduct | undefined> {
  const held = (await allProducts()).find((p) => p.polarProductId === polarProductId);
  if (held) return held;
  // Not in this copy: perhaps newer than it (created a moment ago, its webhook applied elsewhere).
  return (await Product.findOne({ polarProductId }).lean<StoredProduct>()) ?? undefined;
}

/** After a product write in this process: the next read goes to the database. */
export function forgetProducts(): void {
  shared.__productCatalogue = null;
}
