import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { ProductRecord } from "./store";

/** The catalogue the emulator serves. Products are not created through the API, only seeded. */
export interface Seed {
  organizationId: string;
  products: ProductRecord[];
}

export const DEFAULT_PRODUCTS_FILE = join(dirname(fileURLToPath(import.meta.url)), "products.json");

/** Used when the seed file does not name one; any UUID works, a fixed one keeps ids stable. */
const DEFAULT_ORGANIZATION_ID = "b9f7a9d2-3c4e-4f5a-8b6c-7d8e9f0a1b2c";

const metadataValue = z.union([z.string().max(500), z.number(), z.boolean()]);

const productSeed = z.object({
  id: z.uuid(),
  // Optional so a hand-written seed stays short; derived from the product id so it is stable.
  priceId: z.uuid().optional(),
  name: z.string().min(3),
  description: z.string().nullable().default(null),
  priceAmount: z.int().min(0),
  priceCurrency: z.string().length(3).default("usd"),
  recurringInterval: z.enum(["day", "week", "month", "year"]).nullable().default(null),
  metadata: z.record(z.string().max(40), metadataValue).default({}),
  visibility: z.enum(["public", "private", "draft"]).default("public"),
  isArchived: z.boolean().default(false),
  createdAt: z.iso.datetime().default("2026-01-01T00:00:00.000Z"),
});

// A bare array is accepted too: the organization id then falls back to the default.
const seedFile = z.union([
  z.object({ organizationId: z.uuid().default(DEFAULT_ORGANIZATION_ID), products: z.array(productSeed) }),
  z.array(productSeed).transform((products) => ({ organizationId: DEFAULT_ORGANIZATION_ID, products })),
]);

export function loadSeed(file: string = DEFAULT_PRODUCTS_FILE): Seed {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`Polar emulator: cannot read the products seed ${file}: ${(error as Error).message}`);
  }
  const parsed = seedFile.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`Polar emulator: the products seed ${file} is invalid:\n${z.prettifyError(parsed.error)}`);
  }
  const ids = new Set<string>();
  const products = parsed.data.products.map((p): ProductRecord => {
    if (ids.has(p.id)) throw new Error(`Polar emulator: product ${p.id} appears twice in ${file}`);
    ids.add(p.id);
    return {
      id: p.id,
      priceId: p.priceId ?? `${p.id.slice(0, 8)}-0000-4000-8000-000000000001`,
      name: p.name,
      description: p.description,
      priceAmount: p.priceAmount,
      priceCurrency: p.priceCurrency.toLowerCase(),
      recurringInterval: p.recurringInterval,
      metadata: p.metadata,
      visibility: p.visibility,
      isArchived: p.isArchived,
      createdAt: p.createdAt,
    };
  });
  return { organizationId: parsed.data.organizationId, products };
}
