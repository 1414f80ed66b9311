import type { RevenueSettings } from '../../core/kpi/revenue-settings.js';
import { defaultModelTierSettings, type ModelTierSettings } from '../../core/kpi/model-tier.js';
import type { TestReportStore } from './report-test-store.js';

/**
 * A small store whose every measure is computed by hand in report-duckdb-reader.int.test.ts: a chat feature
 * with a retried error and a failed task, a search feature with an unpriced model, one week and the week
 * before it (the week of 2026-03-02 and that of 2026-02-23), pro users paying $20 a month.
 */
export async function fillReportFixture(store: Pick<TestReportStore, 'addPrice' | 'addCalls' | 'addOutcome' | 'addRevenue'>): Promise<void> {
  await store.addPrice('price:budget-model', 'test', 'budget-model', 0.4, 1.6);
  await store.addPrice('price:frontier-model', 'test', 'frontier-model', 5, 25);
  await store.addCalls([
    // The week before: one cheap, well-cached chat call.
    { ts: '2026-02-25T12:00:00Z', feature: 'chat', team: 'a', userId: 'u1', userTier: 'pro', taskId: 't0', model: 'budget-model', input: 1000, cacheRead: 800, output: 100, costUsd: 0.05 },
    // The week: chat on the frontier model, an error retried, a failed task, a response-cache hit.
    { ts: '2026-03-03T10:00:00Z', feature: 'chat', team: 'a', userId: 'u1', userTier: 'pro', taskId: 't1', sessionId: 's1', model: 'frontier-model', input: 1000, cacheRead: 400, output: 200, costUsd: 0.3 },
    { ts: '2026-03-03T10:01:00Z', feature: 'chat', team: 'a', userId: 'u1', userTier: 'pro', taskId: 't1', sessionId: 's1', model: 'frontier-model', input: 500, output: 0, costUsd: 0.1, status: 'error' },
    { ts: '2026-03-04T09:00:00Z', feature: 'chat', team: 'a', userId: 'u2', userTier: 'free', taskId: 't2', sessionId: 's2', model: 'budget-model', input: 1000, output: 100, costUsd: 0.02 },
    { ts: '2026-03-05T09:00:00Z', feature: 'chat', team: 'a', userId: 'u2', userTier: 'free', taskId: 't3', sessionId: 's2', model: 'budget-model', input: 2000, output: 300, costUsd: 0.08, responseCache: 'miss' },
    { ts: '2026-03-05T09:05:00Z', feature: 'chat', team: 'a', userId: 'u2', userTier: 'free', taskId: 't3', sessionId: 's2', model: 'budget-model', input: 0, output: 0, costUsd: 0, responseCache: 'hit' },
    // Search: a model the catalog does not know, and a priced call.
    { ts: '2026-03-06T15:00:00Z', feature: 'search', team: 'b', userId: 'u1', userTier: 'pro', model: 'mystery-model', input: 700, output: 50, costUsd: null },
    { ts: '2026-03-06T16:00:00Z', feature: 'search', team: 'b', userId: 'u3', userTier: 'pro', taskId: 't4', model: 'budget-model', input: 3000, output: 1000, costUsd: 0.5 },
  ]);
  await store.addOutcome('t0', 'success', '2026-02-25T12:01:00Z');
  await store.addOutcome('t1', 'success', '2026-03-03T10:02:00Z');
  await store.addOutcome('t2', 'failure', '2026-03-04T09:01:00Z');
  await store.addOutcome('t3', 'success', '2026-03-05T09:06:00Z');
  await store.addOutcome('t4', 'success', '2026-03-06T16:01:00Z');
  await store.addRevenue('u1', 3, '2026-03-04T00:00:00Z');
  await store.addRevenue('u3', 5, '2026-03-06T00:00:00Z', { feature: 'search' });
  await store.addRevenue('u9', 1, '2026-03-05T00:00:00Z');
}

/** Pro pays $20 a month, free nothing; revenue split by cost share. */
export const fixtureRevenue: RevenueSettings = {
  plans: { pro: { seat_price_usd_per_month: 20 }, free: { seat_price_usd_per_month: 0 } },
  attribution: { method: 'cost_share' },
};

/** The default tier cut-offs. */
export const fixtureTiers: ModelTierSettings = defaultModelTierSettings;

/** The fixture's week. */
export const fixtureWeek = { from: '2026-03-02', to: '2026-03-09' };
