import { Checkout$inboundSchema } from "@polar-sh/sdk/models/components/checkout";
import { Product$inboundSchema } from "@polar-sh/sdk/models/components/product";
import { describe, expect, it } from "vitest";
import { paymentFromCheckout, productFact } from "@/lib/billing/facts";
import { toPlanOffer, trialText } from "@/lib/plans/offer";
import { checkoutWire, productWire, proMonthlyProduct, proProduct, type ProductSpec } from "../../scripts/lib/polar-payloads";

/** Free trials as the app reads them from Polar's objects and shows them on /pricing. */

const trialProduct: ProductSpec = { ...proMonthlyProduct, id: "4d3b2a19-8c7e-4f60-9a5b-3c2d1e0f9a8b", name: "Pro Trial", trial: { interval: "day", count: 14 } };

describe("trialText", () => {
  it("says the free period as Polar's checkout does (weeks in days)", () => {
    expect(trialText("day", 14)).toBe("14 days free");
    expect(trialText("day", 1)).toBe("1 day free");
    expect(trialText("week", 2)).toBe("14 days free");
    expect(trialText("month", 1)).toBe("1 month free");
    expect(trialText("year", 2)).toBe("2 years free");
  });

  it("no trial, half a trial, or a unit it does not know: nothing", () => {
    expect(trialText(null, null)).toBeNull();
    expect(trialText("day", null)).toBeNull();
    expect(trialText(null, 14)).toBeNull();
    expect(trialText("fortnight", 1)).toBeNull();
    expect(trialText("day", 0)).toBeNull();
  });
});

describe("toPlanOffer", () => {
  const stored = { polarProductId: "p1", name: "Pro Trial", description: "d", plan: "pro", priceAmount: 1299, priceCurrency: "USD", recurringInterval: "month" };

  it("a recurring product with a trial offers it, with its price per interval", () => {
    expect(toPlanOffer({ ...stored, trialInterval: "day", trialIntervalCount: 14 })).toEqual({
      productId: "p1",
      name: "Pro Trial",
      description: "d",
      plan: "pro",
      rank: 1,
      price: "$12.99",
      amount: 1299,
      currency: "USD",
      interval: "month",
      trial: "14 days free",
      seats: null,
    });
  });

  it("without a trial, or on a one-time product (Polar ignores it there): no trial", () => {
    expect(toPlanOffer(stored).trial).toBeNull();
    expect(toPlanOffer({ ...stored, recurringInterval: null, trialInterval: "day", trialIntervalCount: 14 }).trial).toBeNull();
  });
});

describe("Polar's objects with a trial", () => {
  it("productFact keeps the product's trial; a product without one has none", () => {
    expect(productFact(Product$inboundSchema.parse(productWire(trialProduct)))).toMatchObject({ trialInterval: "day", trialIntervalCount: 14, recurringInterval: "month" });
    expect(productFact(Product$inboundSchema.parse(productWire(proProduct)))).toMatchObject({ trialInterval: null, trialIntervalCount: null });
  });

  it("a trial checkout is a $0 payment (nothing is charged now), though its amounts are the price", () => {
    const trialEnd = new Date("2026-12-10T10:00:00Z");
    const checkout = Checkout$inboundSchema.parse(checkoutWire({ id: "00000000-0000-4000-8000-0000000000c1", product: trialProduct, email: "t@example.com", trialEnd }));
    expect(checkout.totalAmount).toBe(1299);
    expect(paymentFromCheckout(checkout)).toMatchObject({ amount: 0, status: "pending", productId: trialProduct.id });
    const paid = Checkout$inboundSchema.parse(checkoutWire({ id: "00000000-0000-4000-8000-0000000000c2", product: proMonthlyProduct, email: "t@example.com" }));
    expect(paymentFromCheckout(paid)).toMatchObject({ amount: 1299 });
  });
});
