import "server-only";
import { connectDb } from "@/lib/db";
import { formatPrice } from "@/lib/plans";
import { Payment, type PaymentStatus } from "@/models/Payment";
import { Product } from "@/models/Product";

export interface PaymentRow {
  id: string;
  date: Date;
  product: string;
  amount: string;
  status: PaymentStatus;
}

/** The user's payment history, newest first. */
export async function listPayments(email: string): Promise<PaymentRow[]> {
  await connectDb();
  const payments = await Payment.find({ customerEmail: email }).sort({ createdAt: -1 }).limit(100).lean();
  const ids = [...new Set(payments.map((p) => p.productId).filter((id): id is string => !!id))];
  const names = new Map((await Product.find({ polarProductId: { $in: ids } }, { polarProductId: 1, name: 1 }).lean()).map((p) => [p.polarProductId, p.name]));
  return payments.map((p) => ({
    id: String(p._id),
    date: p.createdAt,
    product: (p.productId && names.get(p.productId)) || "—",
    amount: formatPrice(p.amount ?? null, p.currency ?? null),
    status: p.status,
  }));
}
