/**
 * A JSON number read as the decimal it was written as, scaled to an exact integer. 4.35 × 1e12 in
 * floating point is 4349999999999.9995; reading "4.35" gives 4350000000000 exactly.
 */

/** `value × 10^decimals` as an exact bigint, from the shortest decimal form of the number; half a unit rounds away from zero. */
export function scaledDecimal(value: number, decimals: number): bigint {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  // String() gives the shortest decimal that reads back as the same double: what a JSON file wrote.
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(String(value));
  if (!match) throw new RangeError(`unexpected number form: ${String(value)}`);
  const [, sign, whole, fraction = '', exponent = '0'] = match;
  const digits = BigInt(`${whole}${fraction}`);
  const shift = Number(exponent) - fraction.length + decimals;
  let magnitude: bigint;
  if (shift >= 0) {
    magnitude = digits * 10n ** BigInt(shift);
  } else {
    const divisor = 10n ** BigInt(-shift);
    magnitude = digits / divisor;
    if ((digits % divisor) * 2n >= divisor) magnitude += 1n;
  }
  return sign === '-' ? -magnitude : magnitude;
}

/** Dollars as exact integer picodollars (1e-12 USD): 4.35 → 4350000000000n; finer amounts round to the nearest picodollar. */
export function usdToExactPicodollars(usd: number): bigint {
  return scaledDecimal(usd, 12);
}
