import { beforeEach, describe, expect, it, vi } from "vitest";
import type { ProductFact } from "@/lib/billing/facts";
import { allProducts, productById } from "@/lib/billing/products";
import { recordProduct } from "@/lib/billing/store";
import { Product } from "@/models/Product";
import { clearCollections, setupTestDatabase } from "../helpers/db";

setupTestDatabase(import.meta.url);
beforeEach(async () => {
  await clearCollections();
  vi.restoreAllMocks();
});

const fact = (over: Partial<ProductFact> = {}): ProductFact => ({
  polarProductId: "prod_catalogue",
  name: "Pro",
  description: null,
  plan: "pro",
  rank: 1,
  priceAmount: 999,
  priceCurrency: "usd",
  recurringInterval: null,
  trialInterval: null,
  trialIntervalCount: null,
  isArchived: false,
  meteredMeterIds: [],
  seatPricing: null,
  polarModifiedAt: new Date("2026-12-01T10:00:00Z"),
  ...over,
});

describe("the process's copy of the product catalogue (lib/billing/products.ts)", () => {
  it("is read once within its age, and again after it", async () => {
    await recordProduct(fact());
    const find = vi.spyOn(Product, "find");
    const t0 = Date.now();
    expect((await allProducts(t0)).map((p) => p.polarProductId)).toEqual(["prod_catalogue"]);
    await allProducts(t0 + 5_000);
    expect(find).toHaveBeenCalledTimes(1);
    await allProducts(t0 + 10_000);
    expect(find).toHaveBeenCalledTimes(2);
  });

  it("is dropped by a product's newer version applied here, so the next read sees it", async () => {
    await recordProduct(fact());
    expect((await productById("prod_catalogue"))?.plan).toBe("pro");
    await recordProduct(fact({ plan: "business", polarModifiedAt: new Date("2026-12-01T11:00:00Z") }));
    expect((await productById("prod_catalogue"))?.plan).toBe("business");
  });

  it("lets an order's repeat of a product we hold cost no database command", async () => {
    await recordProduct(fact());
    await allProducts();
    const [find, findOne, updateOne] = [vi.spyOn(Product, "find"), vi.spyOn(Product, "findOne"), vi.spyOn(Product, "updateOne")];
    await recordProduct(fact());
    expect([find.mock.calls.length, findOne.mock.calls.length, updateOne.mock.calls.length]).toEqual([0, 0, 0]);
  });

  it("finds a product newer than the copy (created a moment ago elsewhere) in the database", async () => {
    await allProducts();
    await Product.create({ polarProductId: "prod_new", name: "New", plan: "pro" });
    expect((await productById("prod_new"))?.name).toBe("New");
    expect(await productById("prod_none")).toBeUndefined();
  });
});
