import { PICODOLLARS_PER_USD, picodollarsToUsd } from '../cost/picodollars.js';

/**
 * The ratios every report and KPI is made of. Sums stay exact integers (picodollars, tokens, calls) until
 * here; a ratio is a float for display, and is null when its divisor is zero rather than 0 or Infinity,
 * because "no successful task" is not "free per task".
 */

/** numerator ÷ denominator, or null when the denominator is zero. */
export function ratio(numerator: number | bigint, denominator: number | bigint): number | null {
  if (typeof numerator === 'bigint' || typeof denominator === 'bigint') {
    const top = Number(numerator);
    const bottom = Number(denominator);
    if (Number.isSafeInteger(top) && Number.isSafeInteger(bottom)) {
      // The bigint steps below in doubles, exact for both below 2^53 (the only bigints whose Number is a safe
      // integer): the same result to the bit, without bigint division.
      if (bottom === 0) return null;
      const rest = top % bottom;
      return (top - rest) / bottom + rest / bottom;
    }
    const exactTop = BigInt(numerator);
    const exactBottom = BigInt(denominator);
    if (exactBottom === 0n) return null;
    // Divide in integers first so that two sums near 2^64 keep their precision.
    const whole = exactTop / exactBottom;
    const rest = exactTop % exactBottom;
    return Number(whole) + Number(rest) / Number(exactBottom);
  }
  return denominator === 0 ? null : numerator / denominator;
}

/** Dollars per unit: an exact picodollar amount ÷ a count (calls, tasks, user-months), or null when the count is zero. */
export function usdPer(picodollars: bigint, count: number): number | null {
  return count === 0 ? null : picodollarsToUsd(picodollars) / count;
}

/** Inference margin: (revenue − inference cost) ÷ revenue; null without revenue. */
export function inferenceMargin(revenuePicodollars: bigint, costPicodollars: bigint): number | null {
  if (revenuePicodollars <= 0n) return null;
  return ratio(revenuePicodollars - costPicodollars, revenuePicodollars);
}

/** The relative change of an amount against the previous period: (current − previous) ÷ previous. */
export function relativeChange(current: number | null, previous: number | null): number | null {
  if (current === null || previous === null || previous === 0) return null;
  return (current - previous) / Math.abs(previous);
}

/** The change of a rate or share in points of fraction: current − previous (0.42 − 0.50 = −0.08, i.e. −8 points). */
export function pointChange(current: number | null, previous: number | null): number | null {
  if (current === null || previous === null) return null;
  return current - previous;
}

/** Exact picodollars as dollars, for output. */
export function usd(picodollars: bigint): number {
  return picodollarsToUsd(picodollars);
}

/** Dollars to exact picodollars (plan prices in the config are dollars). */
export function picodollarsOfUsd(usdAmount: number): bigint {
  // Through a string of cents-and-below so that 19.99 becomes exactly 19990000000000.
  const [whole, fraction = ''] = Math.abs(usdAmount).toFixed(12).split('.');
  const magnitude = BigInt(whole!) * BigInt(PICODOLLARS_PER_USD) + BigInt(fraction.padEnd(12, '0').slice(0, 12));
  return usdAmount < 0 ? -magnitude : magnitude;
}
