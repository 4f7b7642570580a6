/**
 * The arithmetic of credits and metered prices, as Polar's server does it:
 *
 * - credits add up as a running sum that never goes below zero (`non_negative_running_sum`,
 *   server/polar/kit/math.py): a revoked grant (negative units) cannot leave a debt;
 * - at a reset, unused credits carry over only from grants marked `rollover`, and never more
 *   than they gave (`get_rollover_units`, server/polar/customer_meter/service.py);
 * - a metered line bills the units above the credits at the price's `unit_amount` (cents, a
 *   decimal), rounded half away from zero (`polar_round`), capped at `cap_amount`, with Polar's
 *   label (`ProductPriceMeteredUnit.get_amount_and_label`, server/polar/models/product_price.py;
 *   `MeteredLineItem`, server/polar/billing_entry/service.py).
 */

export function nonNegativeRunningSum(values: Iterable<number>): number {
  let sum = 0;
  for (const v of values) sum = Math.max(0, sum + v);
  return sum;
}

/** Rounds .5 away from zero (Python's round() would go to even). */
export function polarRound(n: number): number {
  return n >= 0 ? Math.floor(n + 0.5) : -Math.floor(-n + 0.5);
}

export interface Credit {
  units: number;
  rollover: boolean;
}

/** What carries over at a reset: the balance, within what the rollover grants gave. */
export function rolloverUnits(credits: readonly Credit[], consumed: number): number {
  const plain = nonNegativeRunningSum(credits.filter((c) => !c.rollover).map((c) => c.units));
  const rollover = nonNegativeRunningSum(credits.filter((c) => c.rollover).map((c) => c.units));
  // Python's int() truncates toward zero.
  return Math.max(0, Math.min(Math.trunc(plain + rollover - consumed), rollover));
}

const SCALE = 12; // Polar stores unit_amount as Numeric(17, 12)

/** A decimal string as an integer scaled by 10^12 (exact, unlike a float). */
function scaled(decimal: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(decimal.trim());
  if (!m) throw new Error(`not a decimal: ${decimal}`);
  const [, sign = "", whole = "0", fraction = ""] = m;
  const digits = BigInt(whole + fraction.slice(0, SCALE).padEnd(SCALE, "0"));
  return sign ? -digits : digits;
}

/** `unit_amount` as Polar's API writes a Numeric(17, 12) value: twelve decimals. */
export function unitAmountText(decimal: string): string {
  const v = scaled(decimal);
  const abs = v < 0n ? -v : v;
  const s = abs.toString().padStart(SCALE + 1, "0");
  return `${v < 0n ? "-" : ""}${s.slice(0, -SCALE)}.${s.slice(-SCALE)}`;
}

/** unit_amount x units in cents, rounded half away from zero; exact for whole units. */
function rawAmount(unitAmount: string, units: number): number {
  if (Number.isInteger(units)) {
    const product = scaled(unitAmount) * BigInt(units);
    const unit = 10n ** BigInt(SCALE);
    const whole = product / unit;
    const rest = product % unit;
    const half = rest * 2n >= unit ? 1n : 0n; // units >= 0 here: away from zero is up
    return Number(whole + half);
  }
  return polarRound(Number(unitAmount) * units);
}

// babel's en_US decimal pattern, #,##0.###
const decimalFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 3, roundingMode: "halfEven" } as Intl.NumberFormatOptions);

/** A cents amount in the currency's major unit, exactly, without trailing zeros: "5.000" -> "0.05". */
function majorUnits(cents: string): string {
  const v = scaled(cents); // cents x 10^12, so major units x 10^14
  const abs = (v < 0n ? -v : v).toString().padStart(SCALE + 3, "0");
  const whole = abs.slice(0, -(SCALE + 2));
  const fraction = abs.slice(-(SCALE + 2)).replace(/0+$/, "");
  return `${v < 0n ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

/** Cents as babel's format_currency shows them; `exact` keeps every significant decimal (decimal_quantization=False). */
export function formatCents(cents: string | number, currency: string, exact = false): string {
  const major = majorUnits(String(cents));
  const decimals = exact ? (major.split(".")[1] ?? "").length : 2;
  // A numeric string is formatted as an exact decimal (Intl.NumberFormat v3).
  return new Intl.NumberFormat("en-US", {
    style: "currency",
    currency: currency.toUpperCase(),
    minimumFractionDigits: 2,
    maximumFractionDigits: Math.max(2, decimals),
  }).format(major as unknown as number);
}

export interface MeteredPrice {
  unitAmount: string;
  capAmount: number | null;
  currency: string;
}

/**
 * The line for `consumed` units against `credited` ones: "(30 consumed units) × $0.05", plus
 * " — Capped at $50.00" when the cap applies (Polar counts the units above the credits as
 * "consumed" in the label).
 */
export function meteredCharge(price: MeteredPrice, consumed: number, credited: number): { amount: number; label: string } {
  const billable = Math.max(0, consumed - credited);
  let label = `(${decimalFormat.format(billable)} consumed units) × ${formatCents(price.unitAmount, price.currency, true)}`;
  let amount = rawAmount(price.unitAmount, billable);
  if (price.capAmount !== null && amount > price.capAmount) {
    amount = price.capAmount;
    label += ` — Capped at ${formatCents(price.capAmount, price.currency)}`;
  }
  return { amount, label };
}
