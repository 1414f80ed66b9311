import { describe, expect, it } from 'vitest';
import { pricePerMillion, usd, usdExact } from '../../web/src/format.js';

// The dashboard's money format (web/src/format.ts): one precision for every amount of a cent or more.
describe("the dashboard's money format", () => {
  it('shows every amount of a cent or more in dollars and cents, whatever its size', () => {
    expect([1_234.5, 12.3, 0.4, 0.05, 1_000_000].map(usd)).toEqual(['$1,234.50', '$12.30', '$0.40', '$0.05', '$1,000,000.00']);
  });

  it('shows zero as $0.00 and an unknown amount as a dash, never as $0', () => {
    expect([usd(0), usd(null), usd(undefined), usd(Number.NaN)]).toEqual(['$0.00', '—', '—', '—']);
  });

  it('keeps three significant digits under a cent, so a per-call cost never reads as $0.00', () => {
    expect([0.00423, 0.000042, 3e-9].map(usd)).toEqual(['$0.00423', '$0.0000420', '$0.00000000300']);
    // Rounding up to a cent takes the cents format.
    expect(usd(0.0099999)).toBe('$0.01');
  });

  it('puts the minus sign before the dollar sign', () => {
    expect([usd(-2.5), usd(-0.004)]).toEqual(['−$2.50', '−$0.00400']);
  });

  it('formats exact decimal strings and prices per million tokens', () => {
    expect([usdExact('1234.567890123456'), usdExact(null)]).toEqual(['$1,234.57', '—']);
    expect([pricePerMillion(3), pricePerMillion(0.075), pricePerMillion(0)]).toEqual(['$3.00/M', '$0.075/M', '$0.00/M']);
  });
});
