import { describe, expect, it } from 'vitest';
import { formatPicodollarsExact, formatUsd, PicodollarTotal, picodollarsPerToken, picodollarsToUsd } from './picodollars.js';

describe('picodollars', () => {
  it('turns $/M prices into whole picodollars per token, dropping float noise', () => {
    expect(picodollarsPerToken(0.003625)).toBe(3625);
    expect(picodollarsPerToken(0.18000000000000002)).toBe(180_000);
    expect(picodollarsPerToken(5)).toBe(5_000_000);
  });

  it('rejects negative and non-finite prices', () => {
    expect(() => picodollarsPerToken(-1)).toThrow(RangeError);
    expect(() => picodollarsPerToken(Number.NaN)).toThrow(RangeError);
  });

  it('keeps a total exact past the range where floats lose whole picodollars', () => {
    const total = new PicodollarTotal();
    const perCall = 3_000_000_000_001; // $3.000000000001
    for (let index = 0; index < 10_000; index += 1) total.add(perCall);
    expect(total.value()).toBe(30_000_000_000_010_000n);
    let floatSum = 0;
    for (let index = 0; index < 10_000; index += 1) floatSum += perCall;
    expect(BigInt(floatSum)).not.toBe(30_000_000_000_010_000n);
  });

  it('prints exact decimal dollars', () => {
    expect(formatPicodollarsExact(568_000_000n)).toBe('0.000568');
    expect(formatPicodollarsExact(6_000_000_000_000n)).toBe('6');
    expect(formatPicodollarsExact(-1n)).toBe('-0.000000000001');
    expect(picodollarsToUsd(30_000_000_000_010_000n)).toBeCloseTo(30_000.00000001, 6);
  });

  it('shows cents for dollars and significant digits for fractions of a cent', () => {
    expect(formatUsd(6)).toBe('$6.00');
    expect(formatUsd(1234.5)).toBe('$1,234.50');
    expect(formatUsd(0.04)).toBe('$0.04');
    expect(formatUsd(0.000568)).toBe('$0.000568');
    expect(formatUsd(0)).toBe('$0');
  });

  it('converts bigint picodollars below 2^53 through doubles to the very same dollars and text as through bigint division', () => {
    // The bigint reference (what the conversion did before its double fast path): whole dollars and rest apart.
    const reference = (value: bigint): number => Number(value / 1_000_000_000_000n) + Number(value % 1_000_000_000_000n) / 1e12;
    const safe = BigInt(Number.MAX_SAFE_INTEGER);
    const amounts = [0n, 1n, -1n, 999_999_999_999n, 1_000_000_000_000n, -1_000_000_000_000n, 568_000_000n, safe, -safe, safe + 1n, -safe - 2n, 10n ** 20n + 7n];
    let seed = 7;
    const random = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let index = 0; index < 2_000; index += 1) {
      const magnitude = BigInt(Math.floor(random() * 2 ** 26)) * BigInt(Math.floor(random() * 2 ** 27)) + BigInt(Math.floor(random() * 1e12));
      amounts.push(random() < 0.1 ? -magnitude : magnitude);
    }
    for (const amount of amounts) {
      expect(Object.is(picodollarsToUsd(amount), reference(amount))).toBe(true);
      const negative = amount < 0n;
      const magnitude = negative ? -amount : amount;
      const fraction = (magnitude % 1_000_000_000_000n).toString().padStart(12, '0').replace(/0+$/, '');
      expect(formatPicodollarsExact(amount)).toBe(`${negative ? '-' : ''}${magnitude / 1_000_000_000_000n}${fraction ? `.${fraction}` : ''}`);
    }
  });
});
