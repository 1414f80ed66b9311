import { describe, expect, it } from 'vitest';
import { allocateSharedCost } from './allocate-shared-cost.js';

const teams = [
  { group: 'a', directPicodollars: 600n },
  { group: 'b', directPicodollars: 300n },
  { group: 'c', directPicodollars: 100n },
];

const sum = (shares: Map<string, bigint>) => [...shares.values()].reduce((total, share) => total + share, 0n);

describe('allocateSharedCost', () => {
  it('splits in proportion to direct cost', () => {
    const { shares, unallocatedPicodollars } = allocateSharedCost(1_000n, teams, 'proportional');
    expect(Object.fromEntries(shares)).toEqual({ a: 600n, b: 300n, c: 100n });
    expect(unallocatedPicodollars).toBe(0n);
  });

  it('splits evenly, giving the rounding picodollar to the first groups in name order', () => {
    const { shares } = allocateSharedCost(100n, teams, 'even');
    expect(Object.fromEntries(shares)).toEqual({ a: 34n, b: 33n, c: 33n });
  });

  it('splits by fixed shares, a named group without direct cost included, an unnamed one getting nothing', () => {
    const groups = [...teams, { group: 'd', directPicodollars: 0n }];
    const { shares } = allocateSharedCost(1_000n, groups, { fixed: { b: 0.25, d: 0.75 } });
    expect(Object.fromEntries(shares)).toEqual({ a: 0n, b: 250n, c: 0n, d: 750n });
  });

  it('hands the picodollars left by rounding to the largest remainders, so the shares sum exactly', () => {
    // 7 split 1:1:1 leaves 1; 10 by 1/3, 1/3, 1/3 of direct cost leaves remainders to place.
    for (const amount of [1n, 7n, 10n, 999_999_999_999n, 123_456_789_012_345_678_901n]) {
      for (const rule of ['proportional', 'even', { fixed: { a: 0.333333333, b: 0.333333333, c: 0.333333334 } }] as const) {
        const { shares } = allocateSharedCost(amount, [{ group: 'a', directPicodollars: 1n }, { group: 'b', directPicodollars: 1n }, { group: 'c', directPicodollars: 1n }], rule);
        expect(sum(shares)).toBe(amount);
      }
    }
    // Remainders 2/3 of a picodollar for b and 1/3 for a (weights 1 and 2 of 3): b takes the spare one.
    const { shares } = allocateSharedCost(2n, [{ group: 'a', directPicodollars: 1n }, { group: 'b', directPicodollars: 2n }], 'proportional');
    expect(Object.fromEntries(shares)).toEqual({ a: 1n, b: 1n });
    const three = allocateSharedCost(1n, [{ group: 'a', directPicodollars: 1n }, { group: 'b', directPicodollars: 2n }], 'proportional');
    expect(Object.fromEntries(three.shares)).toEqual({ a: 0n, b: 1n });
  });

  it('never gives a rounding picodollar to a group of weight zero', () => {
    const { shares } = allocateSharedCost(5n, [{ group: 'a', directPicodollars: 0n }, { group: 'b', directPicodollars: 3n }, { group: 'c', directPicodollars: 3n }], 'proportional');
    expect(shares.get('a')).toBe(0n);
    expect(sum(shares)).toBe(5n);
  });

  it('splits evenly when no group has direct cost to be proportional to', () => {
    const { shares } = allocateSharedCost(9n, [{ group: 'a', directPicodollars: 0n }, { group: 'b', directPicodollars: 0n }, { group: 'c', directPicodollars: 0n }], 'proportional');
    expect(Object.fromEntries(shares)).toEqual({ a: 3n, b: 3n, c: 3n });
  });

  it('leaves the shared cost unallocated when there is no group to take it', () => {
    expect(allocateSharedCost(42n, [], 'proportional')).toEqual({ shares: new Map(), unallocatedPicodollars: 42n });
    expect(allocateSharedCost(42n, teams, { fixed: { z: 1 } }).unallocatedPicodollars).toBe(42n);
  });

  it('splits a negative amount as the mirror of the positive one', () => {
    const positive = allocateSharedCost(100n, teams, 'even').shares;
    const negative = allocateSharedCost(-100n, teams, 'even').shares;
    expect([...negative.values()]).toEqual([...positive.values()].map((share) => -share));
  });
});
