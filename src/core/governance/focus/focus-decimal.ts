/*
 * Exact arithmetic on the decimal strings of a FOCUS file: a decimal is an integer count of units of
 * 10^-scale, so products and sums stay exact whatever their size.
 */

/** A decimal as an integer and a number of digits after the point: 12.5 is { units: 125n, scale: 1 }. */
export interface ExactDecimal {
  units: bigint;
  scale: number;
}

const decimalPattern = /^(-?)(\d+)(?:\.(\d+))?$/;

/** Parses a plain decimal such as "-0.000003" (no exponent, no thousands separator), or null when it is not one. */
export function parseExactDecimal(text: string): ExactDecimal | null {
  const match = decimalPattern.exec(text.trim());
  if (!match) return null;
  const [, sign, whole, fraction = ''] = match;
  const units = BigInt(`${whole}${fraction}`);
  return { units: sign === '-' ? -units : units, scale: fraction.length };
}

function atScale(value: ExactDecimal, scale: number): bigint {
  return value.units * 10n ** BigInt(scale - value.scale);
}

/** Whether two decimals are equal in value (1.50 equals 1.5). */
export function decimalsEqual(a: ExactDecimal, b: ExactDecimal): boolean {
  const scale = Math.max(a.scale, b.scale);
  return atScale(a, scale) === atScale(b, scale);
}

/** -1, 0 or 1 as a is less than, equal to or more than b. */
export function compareDecimals(a: ExactDecimal, b: ExactDecimal): number {
  const scale = Math.max(a.scale, b.scale);
  const difference = atScale(a, scale) - atScale(b, scale);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}

/** The exact product of two decimals. */
export function multiplyDecimals(a: ExactDecimal, b: ExactDecimal): ExactDecimal {
  return { units: a.units * b.units, scale: a.scale + b.scale };
}

/** A dollar amount as integer picodollars; null when it has more than 12 digits after the point that are not zero. */
export function decimalToPicodollars(value: ExactDecimal): bigint | null {
  if (value.scale <= 12) return atScale(value, 12);
  const divisor = 10n ** BigInt(value.scale - 12);
  return value.units % divisor === 0n ? value.units / divisor : null;
}
