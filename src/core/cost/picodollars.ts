/**
 * Money is counted in integer picodollars (1e-12 USD). A catalog price in $/M tokens becomes an integer
 * count of picodollars per token (price × 1e6), so a call's cost is an exact integer product.
 */
export const PICODOLLARS_PER_USD = 1_000_000_000_000;

/** Converts a $/M-token price to integer picodollars per token, dropping float noise such as 0.18000000000000002. */
export function picodollarsPerToken(usdPerMillionTokens: number): number {
  if (!Number.isFinite(usdPerMillionTokens) || usdPerMillionTokens < 0) {
    throw new RangeError(`a price must be a finite non-negative number of $/M tokens, got ${usdPerMillionTokens}`);
  }
  return Math.round(usdPerMillionTokens * 1_000_000);
}

/** Converts a dollar amount (a fee, a subscription price) to integer picodollars. */
export function usdToPicodollars(usd: number): number {
  if (!Number.isFinite(usd)) throw new RangeError(`an amount must be a finite number of dollars, got ${usd}`);
  return Math.round(usd * PICODOLLARS_PER_USD);
}

/** The $/M-token price that a picodollars-per-token rate stands for. */
export function usdPerMillionTokens(picodollarsPerTokenRate: number): number {
  return picodollarsPerTokenRate / 1_000_000;
}

/** Dollars as a number, for display and ratios only: never sum these. */
export function picodollarsToUsd(picodollars: number | bigint): number {
  if (typeof picodollars === 'bigint') {
    // Below 2^53 in magnitude (the only bigints whose Number is a safe integer), the same whole dollars and
    // rest as the bigint division below, in doubles: every step is exact (% of doubles is exact; whole − rest
    // is a multiple of 10^12), so the result is the same to the bit, without two bigint divisions per amount
    // (a report by user converts ~10⁶ of them).
    const value = Number(picodollars);
    if (Number.isSafeInteger(value)) {
      const rest = value % PICODOLLARS_PER_USD;
      return (value - rest) / PICODOLLARS_PER_USD + rest / PICODOLLARS_PER_USD;
    }
    const whole = picodollars / picodollarsPerUsdBigint;
    const rest = picodollars % picodollarsPerUsdBigint;
    return Number(whole) + Number(rest) / PICODOLLARS_PER_USD;
  }
  return picodollars / PICODOLLARS_PER_USD;
}

const picodollarsPerUsdBigint = BigInt(PICODOLLARS_PER_USD);

/** An exact decimal dollar string of an integer picodollar amount, e.g. 568000000n → "0.000568". */
export function formatPicodollarsExact(picodollars: number | bigint): string {
  if (typeof picodollars === 'bigint' && Number.isSafeInteger(Number(picodollars))) {
    // The same digits from doubles, exact below 2^53 (see picodollarsToUsd).
    const magnitude = Math.abs(Number(picodollars));
    const rest = magnitude % PICODOLLARS_PER_USD;
    if (rest === 0) return `${picodollars < 0n ? '-' : ''}${magnitude / PICODOLLARS_PER_USD}`;
    // The twelve digits of the rest without their trailing zeros, by division rather than a pattern (one string, not three).
    let digits = rest;
    let width = 12;
    while (digits % 10 === 0) {
      digits /= 10;
      width -= 1;
    }
    return `${picodollars < 0n ? '-' : ''}${(magnitude - rest) / PICODOLLARS_PER_USD}.${String(digits).padStart(width, '0')}`;
  }
  const value = BigInt(picodollars);
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  const whole = magnitude / BigInt(PICODOLLARS_PER_USD);
  const fraction = (magnitude % BigInt(PICODOLLARS_PER_USD)).toString().padStart(12, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/**
 * Dollars for people: cents for amounts of a dollar or more, and enough significant digits below that
 * for a per-call cost such as $0.000568 to stay readable.
 */
export function formatUsd(usd: number): string {
  if (!Number.isFinite(usd)) return String(usd);
  const magnitude = Math.abs(usd);
  if (magnitude === 0) return '$0';
  const sign = usd < 0 ? '-' : '';
  if (magnitude >= 1) {
    return `${sign}$${magnitude.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  }
  if (magnitude >= 0.01) return `${sign}$${magnitude.toFixed(4).replace(/0{1,2}$/, '')}`;
  return `${sign}$${Number(magnitude.toPrecision(3)).toString().replace(/e-(\d+)/, 'e-$1')}`;
}

/**
 * An exact running total of integer picodollar amounts. Adding integers stays exact below 2^53, so the
 * hot loop adds plain numbers and moves the sum into a bigint before it could leave that range.
 */
export class PicodollarTotal {
  private small = 0;
  private large = 0n;
  private static readonly flushAbove = 2 ** 52;

  /** Adds one call's cost, which must be an integer number of picodollars. */
  add(picodollars: number): void {
    this.small += picodollars;
    if (this.small >= PicodollarTotal.flushAbove || this.small <= -PicodollarTotal.flushAbove) {
      this.large += BigInt(this.small);
      this.small = 0;
    }
  }

  /** The exact total so far. */
  value(): bigint {
    return this.large + BigInt(this.small);
  }
}
