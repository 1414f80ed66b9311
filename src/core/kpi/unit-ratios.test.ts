import { describe, expect, it } from 'vitest';
import { ratio } from './unit-ratios.js';

describe('ratio of exact sums', () => {
  it('gives the same double through its fast path below 2^53 as through bigint division, and null for a zero divisor', () => {
    // The bigint reference: whole quotient and remainder apart, so that sums near 2^64 keep their precision.
    const reference = (top: bigint, bottom: bigint): number => Number(top / bottom) + Number(top % bottom) / Number(bottom);
    const safe = BigInt(Number.MAX_SAFE_INTEGER);
    const pairs: Array<[bigint, bigint]> = [
      [1n, 3n],
      [-7n, 2n],
      [7n, -2n],
      [safe, safe - 1n],
      [safe - 1n, 3n],
      [-safe, 7n],
      [safe + 2n, 3n],
      [2n ** 70n + 1n, 2n ** 35n + 3n],
    ];
    let seed = 11;
    const random = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const amount = (): bigint => BigInt(Math.floor(random() * 2 ** 26)) * BigInt(Math.floor(random() * 2 ** 27)) + BigInt(Math.floor(random() * 1000));
    for (let index = 0; index < 2_000; index += 1) pairs.push([random() < 0.1 ? -amount() : amount(), amount() + 1n]);
    for (const [top, bottom] of pairs) expect(Object.is(ratio(top, bottom), reference(top, bottom))).toBe(true);
    expect(ratio(5n, 0n)).toBeNull();
    expect(ratio(0n, 0n)).toBeNull();
  });
});
