import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attributeRevenue, revenueByFeature, type UserFeatureUsage, type UserRevenue } from '../../core/events/attribute-revenue.js';
import { planSchema, seatMonthRevenue, type RevenueAttribution } from '../../core/events/plans.js';
import { defaultModelTierSettings } from '../../core/kpi/model-tier.js';
import { createDuckdbReportReader, type DuckdbReportReaderOptions } from './report-duckdb-reader.js';
import { createTestReportStore, type TestCall, type TestReportStore } from './report-test-store.js';

const april = { from: '2026-04-01', to: '2026-05-01' };
const picodollar = 1e-12;
const plans = { pro: { seat_price_usd_per_month: 10 } };

// Usage chosen so that splits leave remainders, fall back to request share, or find nothing to split by.
const calls: TestCall[] = [
  // ua: three features at one picodollar each: $10 splits 3333333333334 / 3333333333333 / 3333333333333.
  ...['a', 'b', 'c'].map((feature) => ({ ts: '2026-04-02T00:00:00Z', userId: 'ua', userTier: 'pro', feature, costUsd: picodollar })),
  // ub: $0.30 in a, $0.70 in b, and an untagged call that cost nothing.
  { ts: '2026-04-03T00:00:00Z', userId: 'ub', userTier: 'pro', feature: 'a', costUsd: 0.3 },
  { ts: '2026-04-03T00:00:00Z', userId: 'ub', userTier: 'pro', feature: 'b', costUsd: 0.7 },
  { ts: '2026-04-03T00:00:00Z', userId: 'ub', userTier: 'pro', feature: null, costUsd: 0 },
  // uc: only unpriced calls: cost share falls back to requests (2 in a, 1 in b).
  { ts: '2026-04-04T00:00:00Z', userId: 'uc', userTier: 'pro', feature: 'a', costUsd: null },
  { ts: '2026-04-04T00:00:00Z', userId: 'uc', userTier: 'pro', feature: 'a', costUsd: null },
  { ts: '2026-04-04T00:00:00Z', userId: 'uc', userTier: 'pro', feature: 'b', costUsd: null },
  // ud: one failed unpriced call: no request, nothing to split by, so the seat stays unattributed.
  { ts: '2026-04-05T00:00:00Z', userId: 'ud', userTier: 'pro', feature: 'a', costUsd: null, status: 'error' },
];

async function sqlRevenueByFeature(store: TestReportStore, attribution: RevenueAttribution, options: DuckdbReportReaderOptions = {}): Promise<Map<string | null, bigint>> {
  const report = await createDuckdbReportReader(store.database.connection, options).report({
    groupBy: ['feature'],
    period: null,
    ...april,
    where: [],
    revenue: { plans, attribution },
    tiers: defaultModelTierSettings,
  });
  const byFeature = new Map(report.rows.map((row) => [row.keys.feature ?? null, row.current.planRevenuePicodollars + row.current.recordRevenuePicodollars]));
  // Features with calls but no revenue have rows of their own; the reference lists only features paid for.
  for (const [feature, amount] of byFeature) if (amount === 0n) byFeature.delete(feature);
  return byFeature;
}

function referenceRevenueByFeature(attribution: RevenueAttribution): Map<string | null, bigint> {
  const usage: UserFeatureUsage[] = calls.map((call) => ({
    userId: call.userId!,
    feature: call.feature ?? null,
    costPicodollars: call.costUsd === null ? 0n : BigInt(Math.round(call.costUsd * 1e12)),
    requests: call.status === 'error' ? 0 : 1,
  }));
  const seat = seatMonthRevenue(planSchema.parse(plans.pro), { requests: 0, costPicodollars: 0n }).total;
  const revenue: UserRevenue[] = [
    ...['ua', 'ub', 'uc', 'ud'].map((userId) => ({ userId, revenuePicodollars: seat })),
    { userId: 'ua', revenuePicodollars: 1_000_000_000_000n },
    { userId: 'ub', revenuePicodollars: 2_000_000_000_000n, feature: 'z' },
  ];
  const byFeature = revenueByFeature(attributeRevenue(revenue, usage, attribution));
  for (const [feature, amount] of byFeature) if (amount === 0n) byFeature.delete(feature);
  return byFeature;
}

describe('revenue attribution in SQL', () => {
  let store: TestReportStore;
  beforeAll(async () => {
    store = await createTestReportStore();
    await store.addCalls(calls);
    await store.addRevenue('ua', 1, '2026-04-10T00:00:00Z');
    await store.addRevenue('ub', 2, '2026-04-11T00:00:00Z', { feature: 'z' });
  });
  afterAll(() => store.dispose());

  for (const attribution of [
    { method: 'cost_share' },
    { method: 'request_share' },
    { method: 'fixed_weights', weights: { a: 1, b: 3 } },
  ] satisfies RevenueAttribution[]) {
    it(`splits revenue exactly as attributeRevenue does, by ${attribution.method}`, async () => {
      const reference = referenceRevenueByFeature(attribution);
      expect(await sqlRevenueByFeature(store, attribution)).toEqual(reference);
      expect(await sqlRevenueByFeature(store, attribution, { source: 'events' })).toEqual(reference);
    });
  }

  it('gives the remainder picodollar to the first feature on ties, and keeps a seat nobody used unattributed', async () => {
    const byFeature = await sqlRevenueByFeature(store, { method: 'cost_share' });
    // a: ua 3333333333334 + ub 3e12 + uc 6666666666667 (requests 2:1) + ua's record 333333333334.
    expect(byFeature.get('a')).toBe(3_333_333_333_334n + 3_000_000_000_000n + 6_666_666_666_667n + 333_333_333_334n);
    expect(byFeature.get(null)).toBe(10_000_000_000_000n);
    expect(byFeature.get('z')).toBe(2_000_000_000_000n);
  });
});

describe('plan overage in SQL', () => {
  it('bills requests beyond the allowance and cost beyond the included dollars as seatMonthRevenue does', async () => {
    const store = await createTestReportStore();
    try {
      const metered = { seat_price_usd_per_month: 5, included_requests: 2, overage_usd_per_request: 0.25 };
      const usagePriced = { seat_price_usd_per_month: 1, included_usd: 0.5, overage_markup: 0.2 };
      await store.addCalls([
        ...Array.from({ length: 5 }, () => ({ ts: '2026-04-02T00:00:00Z', userId: 'um', userTier: 'metered', costUsd: 0.01 })),
        { ts: '2026-04-02T00:00:00Z', userId: 'um', userTier: 'metered', costUsd: 0.01, status: 'error' as const },
        { ts: '2026-04-03T00:00:00Z', userId: 'uu', userTier: 'usage', costUsd: 1.5 },
      ]);
      const report = await createDuckdbReportReader(store.database.connection).report({
        groupBy: ['user_tier'],
        period: null,
        ...april,
        where: [],
        revenue: { plans: { metered, usage: usagePriced }, attribution: { method: 'cost_share' } },
        tiers: defaultModelTierSettings,
      });
      const byTier = Object.fromEntries(report.rows.map((row) => [row.keys.user_tier, row.current.planRevenuePicodollars]));
      expect(byTier.metered).toBe(seatMonthRevenue(planSchema.parse(metered), { requests: 5, costPicodollars: 60_000_000_000n }).total);
      expect(byTier.metered).toBe(5_750_000_000_000n);
      expect(byTier.usage).toBe(seatMonthRevenue(planSchema.parse(usagePriced), { requests: 1, costPicodollars: 1_500_000_000_000n }).total);
      expect(byTier.usage).toBe(2_200_000_000_000n);
    } finally {
      store.dispose();
    }
  });
});
