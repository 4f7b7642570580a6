import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { seatTiersProblem } from "./seat-pricing";
import { newId, type OrganizationRecord, type ProductRecord, type UsageSeed } from "./store";
import { benefitRecord, benefitSeed, meteredPriceRecords, meteredPriceSeed, meterRecord, meterSeed, usageProblems } from "./usage-seed";

/**
 * The catalogue the emulator serves. Products are not created through the REST API, only seeded
 * (or added through the admin API, for tests).
 */
export interface Seed {
  organization: OrganizationRecord;
  products: ProductRecord[];
  usage: UsageSeed;
}

export const DEFAULT_PRODUCTS_FILE = join(dirname(fileURLToPath(import.meta.url)), "products.json");

/** Used when the seed file does not name one; any UUID works, a fixed one keeps ids stable. */
const DEFAULT_ORGANIZATION_ID = "b9f7a9d2-3c4e-4f5a-8b6c-7d8e9f0a1b2c";
const DEFAULT_ORGANIZATION_NAME = "Polar emulator";
const ORGANIZATION_CREATED_AT = "2026-01-01T00:00:00.000Z";

const metadataValue = z.union([z.string().max(500), z.number(), z.boolean()]);

const trialInterval = z.enum(["day", "week", "month", "year"]);

/**
 * Polar's rules for a product's trial: interval and count together (kit/trial.py), and only on
 * a recurring product (product/service.py). Null when the product is fine.
 */
export function trialProblem(p: { recurringInterval: string | null; trialInterval: string | null; trialIntervalCount: number | null }): { path: string; message: string } | null {
  if ((p.trialInterval === null) !== (p.trialIntervalCount === null)) {
    return { path: p.trialInterval === null ? "trialInterval" : "trialIntervalCount", message: "Both trialInterval and trialIntervalCount must be set together." };
  }
  if (p.trialInterval !== null && p.recurringInterval === null) {
    return { path: "trialInterval", message: "Trial configuration is only supported on recurring products." };
  }
  return null;
}

/**
 * Polar's seat tiers (ProductPriceSeatTiers in product/schemas.py), in the SDK's names:
 * `{seatTierType, tiers: [{minSeats, maxSeats, pricePerSeat}]}`, cents per seat.
 */
const seatTiersSeed = z
  .object({
    seatTierType: z.enum(["volume", "graduated"]).default("volume"),
    tiers: z
      .array(z.object({ minSeats: z.int().min(1), maxSeats: z.int().min(1).nullable().default(null), pricePerSeat: z.int().min(0) }).strict())
      .min(1),
  })
  .strict();

/**
 * A seat-based product has no fixed price; the emulator sells seats on recurring products only
 * (Polar also sells them once, as perpetual licenses: not emulated).
 */
const checkSeats = (p: { priceAmount?: number | undefined; recurringInterval: string | null; seatTiers?: z.output<typeof seatTiersSeed> | null | undefined }, ctx: z.core.$RefinementCtx): void => {
  if (!p.seatTiers) {
    if (p.priceAmount === undefined) ctx.addIssue({ code: "custom", path: ["priceAmount"], message: "priceAmount is required (or seatTiers, for a seat-based price)." });
    return;
  }
  if (p.priceAmount !== undefined) ctx.addIssue({ code: "custom", path: ["priceAmount"], message: "A seat-based product has no fixed price: give seatTiers or priceAmount, not both." });
  if (p.recurringInterval === null) ctx.addIssue({ code: "custom", path: ["seatTiers"], message: "The emulator sells seats on recurring products only." });
  const problem = seatTiersProblem({ type: p.seatTiers.seatTierType, tiers: p.seatTiers.tiers });
  if (problem) ctx.addIssue({ code: "custom", path: ["seatTiers", "tiers"], message: problem });
};

const checkTrial = (p: Parameters<typeof trialProblem>[0], ctx: z.core.$RefinementCtx): void => {
  const problem = trialProblem(p);
  if (problem) ctx.addIssue({ code: "custom", path: [problem.path], message: problem.message });
};

const productSeedObject = z.object({
  id: z.uuid(),
  // Optional so a hand-written seed stays short; derived from the product id so it is stable.
  priceId: z.uuid().optional(),
  name: z.string().min(3),
  description: z.string().nullable().default(null),
  // The fixed price, or `seatTiers` for a seat-based one (one of the two).
  priceAmount: z.int().min(0).optional(),
  seatTiers: seatTiersSeed.nullable().optional(),
  priceCurrency: z.string().length(3).default("usd"),
  recurringInterval: z.enum(["day", "week", "month", "year"]).nullable().default(null),
  // A free trial before the first charge, e.g. {"trialInterval": "day", "trialIntervalCount": 14}.
  trialInterval: trialInterval.nullable().default(null),
  trialIntervalCount: z.int().min(1).max(1000).nullable().default(null),
  metadata: z.record(z.string().max(40), metadataValue).default({}),
  visibility: z.enum(["public", "private", "draft"]).default("public"),
  isArchived: z.boolean().default(false),
  // The benefits it grants (ids from the seed's `benefits`), and its metered prices.
  benefits: z.array(z.uuid()).default([]),
  meteredPrices: z.array(meteredPriceSeed).default([]),
  createdAt: z.iso.datetime().default("2026-01-01T00:00:00.000Z"),
});

/** Polar's product rules for metered prices (product/service.py): recurring only, one per meter. */
const checkMetered = (p: { recurringInterval: string | null; meteredPrices: Array<{ meterId: string }> }, ctx: z.core.$RefinementCtx): void => {
  if (p.meteredPrices.length && p.recurringInterval === null) {
    ctx.addIssue({ code: "custom", path: ["meteredPrices"], message: "Metered pricing is not supported on one-time products." });
  }
  if (new Set(p.meteredPrices.map((m) => m.meterId)).size !== p.meteredPrices.length) {
    ctx.addIssue({ code: "custom", path: ["meteredPrices"], message: "A product can have only one metered price per meter." });
  }
};

export const productSeed = productSeedObject.superRefine(checkTrial).superRefine(checkMetered).superRefine(checkSeats);

// A bare array is accepted too: the organization then falls back to the default.
const seedFile = z.union([
  z.object({
    organizationId: z.uuid().default(DEFAULT_ORGANIZATION_ID),
    organizationName: z.string().min(1).max(100).default(DEFAULT_ORGANIZATION_NAME),
    meters: z.array(meterSeed).default([]),
    benefits: z.array(benefitSeed).default([]),
    products: z.array(productSeed),
  }),
  z
    .array(productSeed)
    .transform((products) => ({ organizationId: DEFAULT_ORGANIZATION_ID, organizationName: DEFAULT_ORGANIZATION_NAME, meters: [], benefits: [], products })),
]);

/** Polar's slugs: lowercase words joined by dashes. */
function slugOf(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "organization";
}

export type ProductSeed = z.input<typeof productSeed>;

/** One product as a seed (or the admin API) describes it, with its defaults filled in. */
export function productRecord(p: z.output<typeof productSeed>): ProductRecord {
  return {
    id: p.id,
    priceId: p.priceId ?? `${p.id.slice(0, 8)}-0000-4000-8000-000000000001`,
    name: p.name,
    description: p.description,
    priceAmount: p.priceAmount ?? 0,
    seatTiers: p.seatTiers
      ? { type: p.seatTiers.seatTierType, tiers: [...p.seatTiers.tiers].sort((a, b) => a.minSeats - b.minSeats).map((t) => ({ ...t })) }
      : null,
    priceCurrency: p.priceCurrency.toLowerCase(),
    recurringInterval: p.recurringInterval,
    trialInterval: p.trialInterval,
    trialIntervalCount: p.trialIntervalCount,
    metadata: p.metadata,
    visibility: p.visibility,
    isArchived: p.isArchived,
    benefitIds: [...p.benefits],
    meteredPrices: meteredPriceRecords(p.id, p.meteredPrices),
    createdAt: p.createdAt,
    modifiedAt: null,
  };
}

/** The admin API's new product: the seed's shape, the id optional (a fresh one then). */
export const newProductBody = productSeedObject
  .extend({ id: z.uuid().default(() => newId()) })
  .strict()
  .superRefine(checkTrial)
  .superRefine(checkMetered)
  .superRefine(checkSeats);

/**
 * The admin API's change to a product: what a merchant edits in Polar's dashboard. Written out
 * without the seed's defaults, which zod would otherwise fill in for every field left out.
 */
export const productPatchBody = z
  .object({
    name: z.string().min(3),
    description: z.string().nullable(),
    metadata: z.record(z.string().max(40), metadataValue),
    visibility: z.enum(["public", "private", "draft"]),
    isArchived: z.boolean(),
    // Checked with the product it changes (trialProblem): a patch may set one of the two.
    trialInterval: trialInterval.nullable(),
    trialIntervalCount: z.int().min(1).max(1000).nullable(),
  })
  .partial()
  .strict();

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
    return productRecord(p);
  });
  const { organizationId, organizationName } = parsed.data;
  const meters = parsed.data.meters.map(meterRecord);
  const benefits = parsed.data.benefits.map(benefitRecord);
  const problems = usageProblems(new Set(meters.map((m) => m.id)), new Map(benefits.map((b) => [b.id, b])), products);
  if (problems.length) throw new Error(`Polar emulator: the products seed ${file} is invalid:\n${problems.join("\n")}`);
  return {
    organization: { id: organizationId, name: organizationName, slug: slugOf(organizationName), createdAt: ORGANIZATION_CREATED_AT },
    products,
    usage: { meters, benefits },
  };
}
