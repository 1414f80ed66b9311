import { describe, expect, it } from 'vitest';
import { compareDecimals, decimalToPicodollars, decimalsEqual, multiplyDecimals, parseExactDecimal } from './focus-decimal.js';

const decimal = (text: string) => parseExactDecimal(text)!;

describe('exact decimals', () => {
  it('multiplies without rounding where doubles would', () => {
    // 0.1 × 0.3 is 0.030000000000000002 in a double.
    expect(decimalsEqual(multiplyDecimals(decimal('0.1'), decimal('0.3')), decimal('0.03'))).toBe(true);
    expect(decimalsEqual(multiplyDecimals(decimal('123456789.123456'), decimal('1000000')), decimal('123456789123456'))).toBe(true);
  });

  it('compares values whatever their number of digits', () => {
    expect(decimalsEqual(decimal('1.50'), decimal('1.5'))).toBe(true);
    expect(compareDecimals(decimal('-0.01'), decimal('0'))).toBe(-1);
  });

  it('refuses exponents and separators', () => {
    expect(parseExactDecimal('1e-6')).toBeNull();
    expect(parseExactDecimal('1,000.00')).toBeNull();
  });

  it('converts dollars to picodollars only when no digit is lost', () => {
    expect(decimalToPicodollars(decimal('0.000568'))).toBe(568_000_000n);
    expect(decimalToPicodollars(decimal('0.0000000000010'))).toBe(1n);
    expect(decimalToPicodollars(decimal('0.0000000000001'))).toBeNull();
  });
});
