import { describe, expect, it } from 'vitest';
import { attributeRevenue, revenueByFeature, splitExactly, type UserFeatureUsage } from './attribute-revenue.js';
import { revenueAttributionSchema } from './plans.js';

const dollar = 1_000_000_000_000n;
const usage: UserFeatureUsage[] = [
  { userId: 'ann', feature: 'coding-agent', costPicodollars: 3n * dollar, requests: 10 },
  { userId: 'ann', feature: 'support-faq', costPicodollars: 1n * dollar, requests: 30 },
  { userId: 'bob', feature: 'support-faq', costPicodollars: 2n * dollar, requests: 5 },
];
const revenue = [
  { userId: 'ann', revenuePicodollars: 20n * dollar },
  { userId: 'bob', revenuePicodollars: 10n * dollar },
];

describe('attributeRevenue', () => {
  it('splits by share of cost by default', () => {
    const attributed = attributeRevenue(revenue, usage, revenueAttributionSchema.parse({}));
    expect(attributed).toEqual([
      { userId: 'ann', feature: 'coding-agent', revenuePicodollars: 15n * dollar, basis: 'cost_share' },
      { userId: 'ann', feature: 'support-faq', revenuePicodollars: 5n * dollar, basis: 'cost_share' },
      { userId: 'bob', feature: 'support-faq', revenuePicodollars: 10n * dollar, basis: 'cost_share' },
    ]);
  });

  it('splits by share of requests', () => {
    const attributed = attributeRevenue(revenue, usage, { method: 'request_share' });
    expect(revenueByFeature(attributed)).toEqual(new Map([['coding-agent', 5n * dollar], ['support-faq', 25n * dollar]]));
  });

  it('splits by fixed weights among the features the user used', () => {
    const attributed = attributeRevenue(revenue, usage, { method: 'fixed_weights', weights: { 'coding-agent': 0.7, 'support-faq': 0.3, summarizer: 5 } });
    expect(attributed.filter((entry) => entry.userId === 'ann').map((entry) => entry.revenuePicodollars)).toEqual([14n * dollar, 6n * dollar]);
    expect(attributed.find((entry) => entry.userId === 'bob')?.revenuePicodollars).toBe(10n * dollar);
  });

  it('gives parts in whole picodollars that add up exactly, leftovers to the largest remainders', () => {
    const threeWays: UserFeatureUsage[] = ['a', 'b', 'c'].map((feature) => ({ userId: 'u', feature, costPicodollars: 1n, requests: 1 }));
    const attributed = attributeRevenue([{ userId: 'u', revenuePicodollars: 100n }], threeWays, { method: 'cost_share' });
    expect(attributed.map((entry) => entry.revenuePicodollars)).toEqual([34n, 33n, 33n]);
    expect(splitExactly(10n, [1n, 2n, 2n])).toEqual([2n, 4n, 4n]);
    expect(splitExactly(11n, [1n, 1n, 3n])).toEqual([2n, 2n, 7n]);
    expect(splitExactly(7n, [2n, 0n, 1n])).toEqual([5n, 0n, 2n]);
  });

  it('splits a refund like revenue, negated', () => {
    expect(splitExactly(-100n, [1n, 1n, 1n])).toEqual([-34n, -33n, -33n]);
  });

  it('falls back to requests when the user has no priced cost, and leaves revenue of users without usage unattributed', () => {
    const unpriced: UserFeatureUsage[] = [
      { userId: 'cy', feature: 'x', costPicodollars: 0n, requests: 1 },
      { userId: 'cy', feature: 'y', costPicodollars: 0n, requests: 3 },
    ];
    const attributed = attributeRevenue(
      [
        { userId: 'cy', revenuePicodollars: 8n },
        { userId: 'dee', revenuePicodollars: 5n },
      ],
      unpriced,
      { method: 'cost_share' },
    );
    expect(attributed).toEqual([
      { userId: 'cy', feature: 'x', revenuePicodollars: 2n, basis: 'request_share' },
      { userId: 'cy', feature: 'y', revenuePicodollars: 6n, basis: 'request_share' },
      { userId: 'dee', feature: null, revenuePicodollars: 5n, basis: 'unattributed' },
    ]);
  });

  it('credits revenue that names its feature to that feature whole', () => {
    const attributed = attributeRevenue([{ userId: 'ann', revenuePicodollars: 7n, feature: 'summarizer' }], usage, { method: 'cost_share' });
    expect(attributed).toEqual([{ userId: 'ann', feature: 'summarizer', revenuePicodollars: 7n, basis: 'direct' }]);
  });

  it('sums several revenue entries of a user and merges repeated usage rows', () => {
    const attributed = attributeRevenue(
      [...revenue, { userId: 'bob', revenuePicodollars: 2n * dollar }],
      [...usage, { userId: 'bob', feature: 'support-faq', costPicodollars: 1n, requests: 1 }],
      { method: 'cost_share' },
    );
    expect(attributed.find((entry) => entry.userId === 'bob')).toEqual({ userId: 'bob', feature: 'support-faq', revenuePicodollars: 12n * dollar, basis: 'cost_share' });
  });
});

describe('revenueAttributionSchema', () => {
  it('defaults to cost share and asks fixed weights for weights', () => {
    expect(revenueAttributionSchema.parse({})).toEqual({ method: 'cost_share' });
    expect(revenueAttributionSchema.safeParse({ method: 'fixed_weights' }).success).toBe(false);
    expect(revenueAttributionSchema.safeParse({ method: 'fixed_weights', weights: { a: 0 } }).success).toBe(false);
    expect(revenueAttributionSchema.safeParse({ method: 'fixed_weights', weights: { a: 1 } }).success).toBe(true);
  });
});
