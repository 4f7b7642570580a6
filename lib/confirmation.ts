import "server-only";
import { z } from "zod";
import { syncCheckoutFromPolar } from "@/lib/billing/pull-sync";
import { connectDb } from "@/lib/db";
import { planNow } from "@/lib/users";
import { formatPrice } from "@/lib/plans";
import { Payment, type PaymentStatus } from "@/models/Payment";
import { Product } from "@/models/Product";
import { User, type Plan } from "@/models/User";

export type Confirmation =
  | { kind: "not-found" }
  | { kind: PaymentStatus; plan: Plan; productName: string; amount: string };

const checkoutIdSchema = z.uuid();

async function read(checkoutId: string, email: string): Promise<Confirmation> {
  // Scoped by email: another user's checkout id finds nothing.
  const payment = await Payment.findOne({ checkoutId, customerEmail: email }).lean();
  if (!payment) return { kind: "not-found" };
  const [user, product] = await Promise.all([
    User.findOne({ email }, { subscriptionStatus: 1, planUntil: 1 }).lean(),
    payment.productId ? Product.findOne({ polarProductId: payment.productId }, { name: 1 }).lean() : null,
  ]);
  return {
    kind: payment.status,
    plan: user ? planNow(user) : "free",
    productName: product?.name ?? "your plan",
    amount: formatPrice(payment.amount ?? null, payment.currency ?? null),
  };
}

/**
 * What the confirmation page shows. A payment still pending (or not yet known) is checked with
 * Polar's API and applied through lib/billing before answering, so a late webhook does not
 * leave the user looking at "Free".
 */
export async function loadConfirmation(rawCheckoutId: string | undefined, email: string): Promise<Confirmation> {
  const parsed = checkoutIdSchema.safeParse(rawCheckoutId);
  if (!parsed.success) return { kind: "not-found" };
  const checkoutId = parsed.data;
  await connectDb();
  const first = await read(checkoutId, email);
  if (first.kind !== "pending" && first.kind !== "not-found") return first;
  try {
    if ((await syncCheckoutFromPolar(checkoutId, email)) === "not-yours") return { kind: "not-found" };
  } catch (error) {
    // Polar unreachable or the checkout unknown there: show what we have; the page refreshes.
    console.warn(`[confirmation] could not check ${checkoutId} with Polar: ${error instanceof Error ? error.message : String(error)}`);
    return first;
  }
  return read(checkoutId, email);
}
