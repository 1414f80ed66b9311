import { describe, expect, it } from 'vitest';
import { breakEvenHitRate } from './break-even-hit-rate.js';

describe('breakEvenHitRate', () => {
  it('is (write − input) / (write − read) when writes cost a premium', () => {
    // Anthropic's 5-minute cache: input $3, write $3.75, read $0.30.
    expect(breakEvenHitRate({ withoutCache: 3, onMiss: 3.75, onHit: 0.3 })).toBeCloseTo(0.75 / 3.45, 12);
  });

  it('is 0 when a write costs no more than plain input', () => {
    expect(breakEvenHitRate({ withoutCache: 1.25, onMiss: 1.25, onHit: 0.125 })).toBe(0);
  });

  it('is null when even a hit costs as much as no caching', () => {
    expect(breakEvenHitRate({ withoutCache: 1, onMiss: 1.25, onHit: 1 })).toBeNull();
  });
});
