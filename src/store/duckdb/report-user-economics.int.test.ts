import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultModelTierSettings } from '../../core/kpi/model-tier.js';
import type { RevenueSettings } from '../../core/kpi/revenue-settings.js';
import type { ReportReader, UserEconomics } from '../report-reader.js';
import { createDuckdbReportReader } from './report-duckdb-reader.js';
import { fillReportFixture, fixtureRevenue, fixtureWeek } from './report-fixture.js';
import { createTestReportStore, type TestReportStore } from './report-test-store.js';

// userEconomics stands in for a report by (user_tier, user_id) wherever only cost and revenue are read
// (simulate's users at a loss), so it must agree with that report to the picodollar, group for group.
async function fromReport(reader: ReportReader, window: { from: string; to: string }, revenue: RevenueSettings): Promise<UserEconomics[]> {
  const report = await reader.report({ groupBy: ['user_tier', 'user_id'], period: null, ...window, where: [], revenue, tiers: defaultModelTierSettings });
  return sorted(
    report.rows.map((row) => ({
      userTier: row.keys.user_tier ?? null,
      userId: row.keys.user_id ?? null,
      costPicodollars: row.current.costPicodollars.total,
      planRevenuePicodollars: row.current.planRevenuePicodollars,
      recordRevenuePicodollars: row.current.recordRevenuePicodollars,
    })),
  );
}

const sorted = (users: UserEconomics[]): UserEconomics[] => [...users].sort((a, b) => (JSON.stringify([a.userTier, a.userId]) < JSON.stringify([b.userTier, b.userId]) ? -1 : 1));

const overagePlans: RevenueSettings = {
  plans: {
    pro: { seat_price_usd_per_month: 20, included_requests: 1, overage_usd_per_request: 0.75 },
    free: { seat_price_usd_per_month: 0, included_usd: 0.01, overage_markup: 0.3 },
    team: { seat_price_usd_per_month: 7 },
  },
  attribution: { method: 'request_share' },
};
const weighted: RevenueSettings = { plans: fixtureRevenue.plans, attribution: { method: 'fixed_weights', weights: { chat: 2, search: 1, coding: 0.5 } } };
const recordsOnly: RevenueSettings = { plans: {}, attribution: { method: 'cost_share' } };

describe('per-user cost and revenue without the rest of a report', () => {
  let store: TestReportStore;
  let reader: ReportReader;
  beforeAll(async () => {
    store = await createTestReportStore();
    await fillReportFixture(store);
    // Beyond the fixture: a window across two months, a user changing tier, several features and teams per user
    // (revenue split twice), calls without a user, a refund, and revenue of users with no call in the window.
    await store.addCalls([
      { ts: '2026-02-03T08:00:00Z', feature: 'coding', team: 'c', userId: 'u4', userTier: 'team', model: 'frontier-model', costUsd: 1.25 },
      { ts: '2026-02-21T08:00:00Z', feature: 'coding', team: 'c', userId: 'u4', userTier: 'team', model: 'frontier-model', costUsd: 0.4 },
      { ts: '2026-02-22T08:00:00Z', feature: 'chat', team: 'd', userId: 'u4', userTier: 'team', model: 'budget-model', costUsd: 0.03, status: 'error' },
      { ts: '2026-03-07T08:00:00Z', feature: 'chat', team: 'a', userId: 'u4', userTier: 'pro', model: 'budget-model', costUsd: 0.07 },
      { ts: '2026-03-07T09:00:00Z', feature: 'search', team: 'b', userId: 'u4', userTier: 'pro', model: 'frontier-model', costUsd: 0.21 },
      { ts: '2026-03-08T09:00:00Z', feature: 'search', team: 'e', userId: 'u4', userTier: 'pro', model: 'budget-model', costUsd: 0.13 },
      { ts: '2026-02-10T10:00:00Z', feature: 'chat', team: 'a', userId: 'u5', userTier: 'free', model: 'budget-model', costUsd: 0.6 },
      { ts: '2026-03-04T11:00:00Z', feature: 'chat', team: 'a', userId: null, userTier: null, model: 'budget-model', costUsd: 0.09 },
      { ts: '2026-03-04T12:00:00Z', feature: 'search', team: 'b', userId: 'u6', userTier: null, model: 'budget-model', costUsd: 0.02 },
      { ts: '2026-03-05T12:00:00Z', feature: null, team: null, userId: 'u7', userTier: 'free', model: 'mystery-model', costUsd: null },
    ]);
    await store.addRevenue('u4', 12.5, '2026-02-25T00:00:00Z');
    await store.addRevenue('u4', -2, '2026-03-08T00:00:00Z', { feature: 'search' });
    await store.addRevenue('u5', 4, '2026-02-12T00:00:00Z', { userTier: 'free' });
    await store.addRevenue('u8', -1.5, '2026-03-03T00:00:00Z', { userTier: 'pro' });
    reader = createDuckdbReportReader(store.database.connection);
  });
  afterAll(() => store.dispose());

  const windows = { week: fixtureWeek, 'across a month end': { from: '2026-02-20', to: '2026-03-09' }, 'whole months': { from: '2026-02-01', to: '2026-04-01' } };
  const settings = { 'seats by cost share': fixtureRevenue, 'overage by request share': overagePlans, 'fixed weights': weighted, 'records only': recordsOnly };
  for (const [windowName, window] of Object.entries(windows)) {
    for (const [settingsName, revenue] of Object.entries(settings)) {
      it(`gives each user exactly the report's cost and revenue (${windowName}, ${settingsName})`, async () => {
        const expected = await fromReport(reader, window, revenue);
        expect(expected.length).toBeGreaterThan(3);
        expect(sorted(await reader.userEconomics({ ...window, revenue }))).toEqual(expected);
      });
    }
  }

  it('keeps users who only have revenue in the window, as the report does', async () => {
    const users = await reader.userEconomics({ from: '2026-02-20', to: '2026-03-09', revenue: fixtureRevenue });
    const u5 = users.find((user) => user.userId === 'u5')!;
    expect(u5.costPicodollars).toBe(0n);
    expect(u5.recordRevenuePicodollars).toBeGreaterThan(0n);
    expect(users.find((user) => user.userId === 'u8')!.recordRevenuePicodollars).toBeLessThan(0n);
  });
});
