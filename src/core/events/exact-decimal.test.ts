import { describe, expect, it } from 'vitest';
import { scaledDecimal, usdToExactPicodollars } from './exact-decimal.js';

describe('usdToExactPicodollars', () => {
  it('reads dollars as the decimal they were written as, not as a float product', () => {
    expect(4.35 * 1e12).toBe(4_349_999_999_999.9995);
    expect(usdToExactPicodollars(4.35)).toBe(4_350_000_000_000n);
    expect(usdToExactPicodollars(19.99)).toBe(19_990_000_000_000n);
    expect(usdToExactPicodollars(0.1)).toBe(100_000_000_000n);
  });

  it('keeps negative amounts (refunds) and whole amounts exact', () => {
    expect(usdToExactPicodollars(-5.25)).toBe(-5_250_000_000_000n);
    expect(usdToExactPicodollars(1_000_000)).toBe(1_000_000_000_000_000_000n);
  });

  it('reads exponent forms', () => {
    expect(usdToExactPicodollars(1e-7)).toBe(100_000n);
    expect(usdToExactPicodollars(2.5e-12)).toBe(3n);
    expect(usdToExactPicodollars(1e21)).toBe(10n ** 33n);
  });

  it('rounds what lies below a picodollar to the nearest, half away from zero', () => {
    expect(usdToExactPicodollars(0.0000000000015)).toBe(2n);
    expect(usdToExactPicodollars(-0.0000000000015)).toBe(-2n);
    expect(usdToExactPicodollars(1 / 3)).toBe(333_333_333_333n);
  });
});

describe('scaledDecimal', () => {
  it('scales to any number of decimals', () => {
    expect(scaledDecimal(0.7, 6)).toBe(700_000n);
    expect(scaledDecimal(3, 0)).toBe(3n);
  });

  it('refuses non-finite numbers', () => {
    expect(() => scaledDecimal(Number.NaN, 2)).toThrow(RangeError);
  });
});
