import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport, reportJson } from '../../core/kpi/build-report.js';
import { defaultModelTierSettings } from '../../core/kpi/model-tier.js';
import type { RevenueSettings } from '../../core/kpi/revenue-settings.js';
import type { ReportQuery, ReportReader } from '../report-reader.js';
import { createDuckdbReportReader } from './report-duckdb-reader.js';
import { fillReportFixture, fixtureRevenue } from './report-fixture.js';
import { createTestReportStore, type TestCall, type TestReportStore } from './report-test-store.js';

// Reports by user or session are answered from the per-user summaries (report_user_daily and
// report_task_user_daily, and their revenue cache); the raw events are the reference they must equal,
// as JSON, figure for figure — distinct users, user-months and tasks included.

const overagePlans: RevenueSettings = {
  plans: {
    pro: { seat_price_usd_per_month: 20, included_requests: 1, overage_usd_per_request: 0.75 },
    free: { seat_price_usd_per_month: 0, included_usd: 0.01, overage_markup: 0.3 },
    team: { seat_price_usd_per_month: 7 },
  },
  attribution: { method: 'request_share' },
};

// Beyond the fixture: a user over two features, teams and sessions (revenue split among them), a session
// shared by two users, calls without user or session, a task whose first call is two events at the same
// instant from two users, a month boundary, and a refund.
const moreCalls: TestCall[] = [
  { ts: '2026-02-03T08:00:00Z', feature: 'coding', team: 'c', userId: 'u4', userTier: 'team', sessionId: 'c1', taskId: 't10', model: 'frontier-model', costUsd: 1.25 },
  { ts: '2026-02-21T08:00:00Z', feature: 'coding', team: 'c', userId: 'u4', userTier: 'team', sessionId: 'c2', taskId: 't11', model: 'frontier-model', costUsd: 0.4 },
  { ts: '2026-02-22T08:00:00Z', feature: 'chat', team: 'd', userId: 'u4', userTier: 'team', sessionId: 'c2', model: 'budget-model', costUsd: 0.03, status: 'error' },
  { ts: '2026-03-07T08:00:00Z', feature: 'chat', team: 'a', userId: 'u4', userTier: 'pro', sessionId: 'c3', taskId: 't12', model: 'budget-model', costUsd: 0.07 },
  { ts: '2026-03-07T09:00:00Z', feature: 'search', team: 'b', userId: 'u4', userTier: 'pro', sessionId: 'c3', taskId: 't12', model: 'frontier-model', costUsd: 0.21 },
  { ts: '2026-03-08T09:00:00Z', feature: 'search', team: 'e', userId: 'u4', userTier: 'pro', sessionId: 'shared', model: 'budget-model', costUsd: 0.13 },
  { ts: '2026-03-08T10:00:00Z', feature: 'search', team: 'e', userId: 'u5', userTier: 'free', sessionId: 'shared', model: 'budget-model', costUsd: 0.11 },
  { ts: '2026-02-10T10:00:00Z', feature: 'chat', team: 'a', userId: 'u5', userTier: 'free', model: 'budget-model', costUsd: 0.6 },
  { ts: '2026-03-04T11:00:00Z', feature: 'chat', team: 'a', userId: null, userTier: null, sessionId: 'anonymous', taskId: 't13', model: 'budget-model', costUsd: 0.09 },
  { ts: '2026-03-04T12:00:00Z', feature: 'search', team: 'b', userId: 'u6', userTier: null, model: 'budget-model', costUsd: 0.02 },
  { ts: '2026-03-05T13:00:00Z', feature: 'chat', team: 'a', userId: 'u6', userTier: 'pro', sessionId: 'twin-a', taskId: 't14', model: 'budget-model', costUsd: 0.04 },
  { ts: '2026-03-05T13:00:00Z', feature: 'chat', team: 'a', userId: 'u7', userTier: 'pro', sessionId: 'twin-b', taskId: 't14', model: 'budget-model', costUsd: 0.05 },
  { ts: '2026-03-05T12:00:00Z', feature: null, team: null, userId: 'u7', userTier: 'free', model: 'mystery-model', costUsd: null },
];

const query = (overrides: Partial<ReportQuery>): ReportQuery => ({
  groupBy: ['user_id'],
  period: null,
  from: '2026-03-02',
  to: '2026-03-09',
  where: [],
  revenue: fixtureRevenue,
  tiers: defaultModelTierSettings,
  ...overrides,
});

/** What `unitcost report --json` prints for the query. */
async function printed(reader: ReportReader, variant: ReportQuery): Promise<Record<string, unknown>> {
  const aggregates = await reader.report(variant);
  return reportJson(buildReport(aggregates, { groupBy: variant.groupBy, period: variant.period, where: variant.where, attribution: variant.revenue.attribution.method }));
}

const variants: Record<string, ReportQuery> = {
  'by user': query({}),
  'by user of one feature, as feature pages ask': query({ where: [{ dimension: 'feature', values: ['chat'] }] }),
  'by session of one feature': query({ groupBy: ['session_id'], where: [{ dimension: 'feature', values: ['search'] }] }),
  'by session, across a month end, by week': query({ groupBy: ['session_id'], period: 'week', from: '2026-02-16' }),
  'by tier and user, by day': query({ groupBy: ['user_tier', 'user_id'], period: 'day' }),
  'by user and feature over whole months, overage by request share': query({ groupBy: ['user_id', 'feature'], period: 'month', from: '2026-02-01', to: '2026-04-01', revenue: overagePlans }),
  'by user and session': query({ groupBy: ['user_id', 'session_id'], from: '2026-02-20' }),
  'by model, filtered by two users': query({ groupBy: ['model'], where: [{ dimension: 'user_id', values: ['u4', 'u9'] }] }),
  'by user, filtered by session and team': query({ where: [{ dimension: 'session_id', values: ['shared', 'c3'] }, { dimension: 'team', values: ['e', 'b'] }] }),
  'by session, records only': query({ groupBy: ['session_id'], revenue: { plans: {}, attribution: { method: 'cost_share' } } }),
};

describe('reports by user and session from the per-user summaries', () => {
  let store: TestReportStore;
  let summaries: ReportReader;
  let events: ReportReader;
  beforeAll(async () => {
    store = await createTestReportStore();
    await fillReportFixture(store);
    await store.addCalls(moreCalls);
    await store.addOutcome('t12', 'failure', '2026-03-07T10:00:00Z');
    await store.addOutcome('t14', 'success', '2026-03-05T14:00:00Z');
    await store.addRevenue('u4', 12.5, '2026-02-25T00:00:00Z');
    await store.addRevenue('u4', -2, '2026-03-08T00:00:00Z', { feature: 'search' });
    await store.addRevenue('u8', -1.5, '2026-03-03T00:00:00Z', { userTier: 'pro' });
    summaries = createDuckdbReportReader(store.database.connection);
    events = createDuckdbReportReader(store.database.connection, { source: 'events' });
  });
  afterAll(() => store.dispose());

  for (const [name, variant] of Object.entries(variants)) {
    it(`gives the same exact sums and prints the same report JSON as the raw events (${name})`, async () => {
      const expected = await events.report(variant);
      expect(expected.rows.length).toBeGreaterThan(0);
      expect(await summaries.report(variant)).toEqual(expected);
      expect(await printed(summaries, variant)).toEqual(await printed(events, variant));
    });
  }

  it('counts a task whose first call is two users’ events at one instant once, under the user sorting first', async () => {
    for (const reader of [summaries, events]) {
      const report = await reader.report(query({ groupBy: ['session_id'], where: [{ dimension: 'session_id', values: ['twin-a', 'twin-b'] }] }));
      expect(report.rows.map((row) => [row.keys.session_id, row.current.tasks, row.current.successfulTasks])).toEqual([
        ['twin-b', 0, 0],
        ['twin-a', 1, 1],
      ]);
      expect(report.totals.current.tasks).toBe(1);
    }
  });

  it('gives the users at a loss the same cost and revenue as the raw events', async () => {
    for (const revenue of [fixtureRevenue, overagePlans]) {
      const window = { from: '2026-02-20', to: '2026-03-09', revenue };
      expect(await summaries.userEconomics(window)).toEqual(await events.userEconomics(window));
    }
  });

  it('stays equal after more events, a late outcome and revenue arrive', async () => {
    const variant = query({ groupBy: ['user_id', 'session_id'], from: '2026-02-20' });
    await printed(summaries, variant);
    await store.addCalls([
      { ts: '2026-03-08T18:00:00Z', feature: 'chat', team: 'a', userId: 'u5', userTier: 'free', sessionId: 'shared', taskId: 't15', model: 'frontier-model', costUsd: 0.9 },
      { ts: '2026-03-08T19:00:00Z', feature: 'coding', team: 'c', userId: 'u10', userTier: 'pro', sessionId: 'c9', taskId: 't16', model: 'budget-model', costUsd: 0.3 },
    ]);
    await store.addOutcome('t11', 'success', '2026-03-08T20:00:00Z');
    await store.addRevenue('u10', 4, '2026-03-08T21:00:00Z');
    const after = await printed(summaries, variant);
    expect(after).toEqual(await printed(events, variant));
    expect((after.rows as Array<Record<string, unknown>>).some((row) => row.user_id === 'u10')).toBe(true);
  });
});

describe('totals of a report filtered by a user with no call in the window', () => {
  it('still count the user-months of the month the user called in, as the raw events do', async () => {
    const store = await createTestReportStore();
    try {
      await store.addCalls([
        { ts: '2026-02-03T08:00:00Z', feature: 'chat', userId: 'early', sessionId: 'e1', model: 'budget-model', costUsd: 0.5 },
        { ts: '2026-02-25T08:00:00Z', feature: 'chat', userId: 'late', sessionId: 'l1', model: 'budget-model', costUsd: 0.25 },
      ]);
      // 'early' called on Feb 3 only: the window Feb 16–23 has none of its calls, but February is one of its active months.
      const variant = query({ groupBy: ['session_id'], from: '2026-02-16', to: '2026-02-23', where: [{ dimension: 'user_id', values: ['early'] }] });
      const expected = await createDuckdbReportReader(store.database.connection, { source: 'events' }).report(variant);
      expect(expected.totals.current.calls).toBe(0);
      expect(expected.totals.current.activeUserMonths).toBeGreaterThan(0);
      expect(await createDuckdbReportReader(store.database.connection).report(variant)).toEqual(expected);
    } finally {
      store.dispose();
    }
  });
});

describe('the per-user summaries', () => {
  it('are what a report by user reads, not the events', async () => {
    const store = await createTestReportStore();
    try {
      await fillReportFixture(store);
      const reader = createDuckdbReportReader(store.database.connection);
      const before = await reader.report(query({}));
      // Summaries are derived data: changing one (as no writer would) shows in the report, the events untouched.
      // u2 called on two days of the week, so two of its rows change.
      await store.database.connection.run(`UPDATE report_user_daily SET calls = calls + 100 WHERE user_number = (SELECT user_number FROM report_user_numbers WHERE user_id = 'u2')`);
      const after = await reader.report(query({}));
      const calls = (report: typeof before) => report.rows.find((row) => row.keys.user_id === 'u2')!.current.calls;
      expect(calls(after)).toBe(calls(before) + 100 * 2);
    } finally {
      store.dispose();
    }
  });
});

describe('a report by user whose sums pass 2^53 picodollars', () => {
  it('keeps them exact (the reader takes sums as doubles only below 2^53, about $9,007)', async () => {
    const store = await createTestReportStore();
    try {
      // $9,007.20 is 9,007,200,000,000,001 picodollars: odd and above 2^53, so no double holds it.
      await store.addCalls([
        { ts: '2026-03-03T08:00:00Z', feature: 'chat', userId: 'big', sessionId: 'b1', model: 'frontier-model', costUsd: 9007.2 },
        { ts: '2026-03-04T08:00:00Z', feature: 'chat', userId: 'small', sessionId: 's1', model: 'budget-model', costUsd: 0.25 },
      ]);
      const summaries = createDuckdbReportReader(store.database.connection);
      const events = createDuckdbReportReader(store.database.connection, { source: 'events' });
      for (const groupBy of [['user_id'], ['session_id']] as const) {
        const variant = query({ groupBy: [...groupBy] });
        const expected = await events.report(variant);
        const total = expected.rows.find((row) => row.current.calls === 1 && row.current.costPicodollars.total > 2n ** 53n)!.current.costPicodollars.total;
        expect(Number.isSafeInteger(Number(total)) && BigInt(Number(total)) === total).toBe(false);
        expect(await summaries.report(variant)).toEqual(expected);
        expect(await printed(summaries, variant)).toEqual(await printed(events, variant));
      }
    } finally {
      store.dispose();
    }
  });
});
