import "server-only";
import { Product } from "@/models/Product";
import { polar } from "@/lib/polar/client";
import { productsList } from "@polar-sh/sdk/funcs/productsList.js";
import { unwrap } from "@polar-sh/sdk/types/fp.js";
import { productFact } from "./facts";
import { recordProduct } from "./store";

/** Pulls every product from Polar into the Product collection (product.* webhooks keep it current). */
export async function syncProducts(): Promise<number> {
  let count = 0;
  const pages = await productsList(polar(), { limit: 100 });
  for await (const page of pages) {
    for (const product of unwrap(page).result.items) {
      await recordProduct(productFact(product));
      count++;
    }
  }
  return count;
}

let firstSync: Promise<number> | null = null;

/** On a fresh database the pricing page has nothing to show: sync once per process. */
export async function ensureProducts(): Promise<void> {
  if ((await Product.estimatedDocumentCount()) > 0) return;
  firstSync ??= syncProducts().finally(() => {
    firstSync = null;
  });
  await firstSync;
}
