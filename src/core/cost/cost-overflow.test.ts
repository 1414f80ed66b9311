import { describe, expect, it } from 'vitest';
import { rateCardFromPrices } from '../catalog/rate-card.js';
import { normalizedUsage } from '../usage/normalized-usage.js';
import { costOverflow, maxCallPicodollars } from './cost-overflow.js';

// $10 per million output tokens: 10,000,000 picodollars a token.
const card = rateCardFromPrices({ input: 2.5, output: 10 });
const usage = (inputTotal: number, outputTotal: number) =>
  normalizedUsage({ inputTotal, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, inputAudio: 0, outputTotal, reasoning: 0, outputAudio: 0 });

describe('costOverflow', () => {
  it('finds nothing wrong with a call whose cost is counted exactly', () => {
    expect(costOverflow(usage(1_000_000, 500_000), card)).toBeUndefined();
  });

  it('blames the costliest token class of a call past $9,007, with the most tokens of it one call may have', () => {
    const overflow = costOverflow(usage(1_000, 9_000_000_000), card);
    expect(overflow).toEqual({ tokenClass: 'output', tokens: 9_000_000_000, approximatePicodollars: 9e16 + 2_500_000 * 1_000, largestTokens: 900_719_925 });
    expect(overflow!.largestTokens * 10_000_000).toBeLessThanOrEqual(maxCallPicodollars);
    expect((overflow!.largestTokens + 1) * 10_000_000).toBeGreaterThan(maxCallPicodollars);
  });
});
