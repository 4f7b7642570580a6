/**
 * The customer's balance (Polar's billing wallet) against a subscription order, as Polar's
 * server settles it (`apply_wallet_balance` in server/polar/order/amounts.py, `_create_order` and
 * `trigger_payment` in server/polar/order/service.py):
 *
 * - a charge consumes credit first: `applied_balance_amount = -min(total, balance)`;
 * - a credit order (a downgrade invoiced now: negative total) adds `-total` to the balance and
 *   is paid at once; it only clears a debt when there is one;
 * - what is left, `due = max(0, total + applied)`, is charged to the saved card; nothing due
 *   marks the order paid at once;
 * - a due amount under the currency's minimum charge (50 cents in USD, kit/currency.py) is not
 *   charged: the order is paid and the amount carried over to the balance as a debt.
 */

const MINIMUM_CHARGE: Record<string, number> = { usd: 50 };
const MINIMUM_CHARGE_DEFAULT = 50;

export const minimumCharge = (currency: string): number => MINIMUM_CHARGE[currency.toLowerCase()] ?? MINIMUM_CHARGE_DEFAULT;

export interface Settlement {
  /** Polar's `applied_balance_amount` on the order. */
  applied: number;
  /** What the saved card is charged; 0: the order is paid without a charge. */
  charge: number;
  /** The balance once the order is settled (the charge, if any, succeeding or not). */
  balanceAfter: number;
}

export function appliedBalance(total: number, balance: number): number {
  if (total >= 0) return 0 - Math.min(total, balance); // never -0
  if (balance < 0) return Math.min(-total, -balance);
  return 0;
}

export function settle(total: number, balance: number, currency: string): Settlement {
  const applied = appliedBalance(total, balance);
  let balanceAfter = balance + (total >= 0 ? applied : -total);
  const due = Math.max(0, total + applied);
  if (due > 0 && due < minimumCharge(currency)) {
    balanceAfter -= due;
    return { applied, charge: 0, balanceAfter };
  }
  return { applied, charge: due, balanceAfter };
}

/**
 * What can still be refunded: what the card was charged (the total, less the credit used) less
 * what was refunded (Polar's `Order.refundable_amount`, models/order.py); 0 for a credit order.
 */
export const refundable = (o: { amount: number; appliedBalanceAmount: number; refundedAmount: number }): number =>
  Math.max(0, o.amount + o.appliedBalanceAmount - o.refundedAmount);
