import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultModelTierSettings } from '../../core/kpi/model-tier.js';
import type { ReportQuery } from '../report-reader.js';
import { createDuckdbReportReader } from './report-duckdb-reader.js';
import { fillReportFixture, fixtureRevenue, fixtureWeek } from './report-fixture.js';
import { refreshReportSummaries } from './report-summaries.js';
import { createTestReportStore, type TestReportStore } from './report-test-store.js';

const dollars = (amount: number): bigint => BigInt(Math.round(amount * 1e6)) * 1_000_000n;
const query = (overrides: Partial<ReportQuery> = {}): ReportQuery => ({
  groupBy: ['feature'],
  period: null,
  ...fixtureWeek,
  where: [],
  revenue: fixtureRevenue,
  tiers: defaultModelTierSettings,
  ...overrides,
});

describe('the DuckDB report reader on a hand-computed store', () => {
  let store: TestReportStore;
  beforeAll(async () => {
    store = await createTestReportStore();
    await fillReportFixture(store);
  });
  afterAll(() => store.dispose());

  it('sums calls, tokens, cost, caches and tiers of each feature exactly', async () => {
    const report = await createDuckdbReportReader(store.database.connection).report(query());
    expect(report.window).toEqual({ from: '2026-03-02', to: '2026-03-09' });
    expect(report.rows.map((row) => row.keys.feature)).toEqual(['chat', 'search', null]);
    const chat = report.rows[0]!.current;
    expect(chat).toMatchObject({ calls: 5, pricedCalls: 5, unpricedCalls: 0, failedCalls: 1, responseCacheHits: 1, responseCacheLookups: 2 });
    expect(chat.tokens).toMatchObject({ input: 4500, cacheRead: 400, output: 600 });
    expect(chat.costPicodollars.total).toBe(dollars(0.5));
    expect(chat.tierCalls).toEqual({ budget: 3, mid: 0, frontier: 2, unpriced: 0 });
    expect(chat.tierCostPicodollars).toEqual({ budget: dollars(0.1), mid: 0n, frontier: dollars(0.4), unpriced: 0n });
  });

  it('counts each task once, in the group of its first call, by its latest outcome', async () => {
    const report = await createDuckdbReportReader(store.database.connection).report(query());
    // t1 succeeded after a retried error, t2 failed, t3 succeeded: all $0.50 of chat over 2 successes.
    expect(report.rows[0]!.current).toMatchObject({ tasks: 3, successfulTasks: 2, failedTasks: 1 });
    expect(report.rows[1]!.current).toMatchObject({ tasks: 1, successfulTasks: 1, failedTasks: 0 });
    expect(report.totals.current).toMatchObject({ tasks: 4, successfulTasks: 3 });
  });

  it('counts active users and user-months, spreading each month over its days', async () => {
    const report = await createDuckdbReportReader(store.database.connection).report(query());
    expect(report.rows[0]!.current.activeUsers).toBe(2);
    expect(report.rows[0]!.current.activeUserMonths).toBeCloseTo((2 * 7) / 31, 12);
    expect(report.totals.current.activeUsers).toBe(3);
    // The week before: u1 in February (6 of 28 days), and chat's two March users on 1 March (1 of 31).
    expect(report.rows[0]!.previous!.activeUserMonths).toBeCloseTo(6 / 28 + 2 / 31, 12);
  });

  it('attributes plan revenue and records by cost share, spread over their month, in exact picodollars', async () => {
    const report = await createDuckdbReportReader(store.database.connection).report(query());
    const [chat, search, none] = report.rows;
    // u1's $20 March seat goes to chat (all u1's priced spend), spread as 7 of 31 days, rounded down.
    expect(chat!.current.planRevenuePicodollars).toBe((20_000_000_000_000n * 7n) / 31n);
    // u1's $3 record of March, spread the same way.
    expect(chat!.current.recordRevenuePicodollars).toBe((dollars(3) * 7n) / 31n);
    // u3's seat goes to search; u3's $5 record names search.
    expect(search!.current.planRevenuePicodollars).toBe(4_516_129_032_258n);
    expect(search!.current.recordRevenuePicodollars).toBe((dollars(5) * 7n) / 31n);
    // u9 paid $1 but made no call: the record stays, under no feature.
    expect(none!.current).toMatchObject({ calls: 0, recordRevenuePicodollars: (dollars(1) * 7n) / 31n });
    expect(report.totals.current.planRevenuePicodollars).toBe((40_000_000_000_000n * 7n) / 31n);
    expect(report.totals.current.recordRevenuePicodollars).toBe((dollars(9) * 7n) / 31n);
    // The previous week: 6/28 of u1's February seat and 1/31 of chat's March revenue.
    expect(chat!.previous!.planRevenuePicodollars).toBe((20_000_000_000_000n * 6n) / 28n + (20_000_000_000_000n * 1n) / 31n);
    expect(report.revenueTracked).toBe(true);
  });

  it('shows an unknown model as unpriced, with its calls and tokens, and never in the cost', async () => {
    const report = await createDuckdbReportReader(store.database.connection).report(query());
    expect(report.rows[1]!.current).toMatchObject({ calls: 2, pricedCalls: 1, unpricedCalls: 1, unpricedInputTokens: 700, unpricedOutputTokens: 50 });
    expect(report.rows[1]!.current.costPicodollars.total).toBe(dollars(0.5));
    expect(report.rows[1]!.current.tierCalls.unpriced).toBe(1);
    const mystery = report.requestTypes.find((type) => type.model === 'mystery-model');
    expect(mystery).toEqual({ feature: 'search', model: 'mystery-model', calls: 1, unpricedCalls: 1, costPicodollars: 0n });
  });

  it('compares with the week before, where a feature new this week had only its share of March revenue', async () => {
    const report = await createDuckdbReportReader(store.database.connection).report(query());
    expect(report.rows[0]!.previous).toMatchObject({ calls: 1, tasks: 1, successfulTasks: 1 });
    expect(report.rows[0]!.previous!.costPicodollars.total).toBe(dollars(0.05));
    // 1 March is in the week before, and gets 1/31 of search's March seat although search's calls came later.
    expect(report.rows[1]!.previous).toMatchObject({ calls: 0, planRevenuePicodollars: 20_000_000_000_000n / 31n });
    expect(report.rows[2]!.previous).toMatchObject({ calls: 0, recordRevenuePicodollars: dollars(1) / 31n });
    expect(report.totals.previous.calls).toBe(1);
  });

  it('buckets by week, day and month, each compared with the bucket before', async () => {
    const reader = createDuckdbReportReader(store.database.connection);
    const weeks = await reader.report(query({ period: 'week', from: '2026-02-23', to: '2026-03-09', groupBy: [] }));
    expect(weeks.rows.map((row) => [row.bucket.from, row.previousBucket.from, row.current.calls, row.previous?.calls])).toEqual([
      ['2026-02-23', '2026-02-16', 1, 0],
      ['2026-03-02', '2026-02-23', 7, 1],
    ]);
    const days = await reader.report(query({ period: 'day', groupBy: ['feature'] }));
    expect(days.rows.filter((row) => row.current.calls > 0).map((row) => [row.bucket.from, row.keys.feature, row.current.calls])).toEqual([
      ['2026-03-03', 'chat', 2],
      ['2026-03-04', 'chat', 1],
      ['2026-03-05', 'chat', 2],
      ['2026-03-06', 'search', 2],
    ]);
    // Plan revenue is earned every day of the month, calls or not: a day without calls still has chat's 1/31.
    const quietDay = days.rows.find((row) => row.bucket.from === '2026-03-02' && row.keys.feature === 'chat')!;
    expect(quietDay.current).toMatchObject({ calls: 0, planRevenuePicodollars: 20_000_000_000_000n / 31n });
    const months = await reader.report(query({ period: 'month', from: '2026-02-01', to: '2026-04-01', groupBy: ['feature'] }));
    const marchChat = months.rows.find((row) => row.bucket.from === '2026-03-01' && row.keys.feature === 'chat')!;
    // Whole months: the seat, unprorated; February is March's previous period.
    expect(marchChat.current.planRevenuePicodollars).toBe(dollars(20));
    expect(marchChat.previous!.planRevenuePicodollars).toBe(dollars(20));
    expect(marchChat.current.activeUserMonths).toBe(2);
  });

  it('filters by tags, and by several values of one tag', async () => {
    const reader = createDuckdbReportReader(store.database.connection);
    const teamA = await reader.report(query({ groupBy: ['model'], where: [{ dimension: 'team', values: ['a'] }] }));
    expect(teamA.rows.map((row) => [row.keys.model, row.current.calls])).toEqual([
      ['frontier-model', 2],
      ['budget-model', 3],
    ]);
    expect(teamA.totals.current.calls).toBe(5);
    const models = await reader.report(query({ groupBy: [], where: [{ dimension: 'model', values: ['budget-model', 'mystery-model'] }] }));
    expect(models.totals.current).toMatchObject({ calls: 5, unpricedCalls: 1 });
  });

  it('treats SQL in a filter value as a value, and refuses a dimension outside the list', async () => {
    const reader = createDuckdbReportReader(store.database.connection);
    const injected = await reader.report(query({ where: [{ dimension: 'feature', values: ["chat' OR '1'='1"] }] }));
    expect(injected.rows).toEqual([]);
    expect(injected.totals.current.calls).toBe(0);
    await expect(reader.report(query({ groupBy: ['feature; DROP TABLE usage_events' as 'feature'] }))).rejects.toThrow(/cannot group or filter by/);
    await expect(reader.report(query({ where: [{ dimension: '1=1) OR (feature' as 'feature', values: ['x'] }] }))).rejects.toThrow(/cannot group or filter by/);
    const count = await store.database.connection.runAndReadAll('SELECT count(*) AS n FROM usage_events');
    expect(Number(count.getRowObjectsJS()[0]!.n)).toBe(8);
  });

  it('groups by user and session from the raw events with the same measures', async () => {
    const reader = createDuckdbReportReader(store.database.connection);
    const users = await reader.report(query({ groupBy: ['user_id'] }));
    expect(users.rows.map((row) => [row.keys.user_id, row.current.calls, row.current.activeUsers, row.current.planRevenuePicodollars + row.current.recordRevenuePicodollars])).toEqual([
      ['u3', 1, 1, 4_516_129_032_258n + (dollars(5) * 7n) / 31n],
      ['u1', 3, 1, 4_516_129_032_258n + (dollars(3) * 7n) / 31n],
      ['u2', 3, 1, 0n],
      ['u9', 0, 0, (dollars(1) * 7n) / 31n],
    ]);
    const sessions = await reader.report(query({ groupBy: ['session_id'], where: [{ dimension: 'user_id', values: ['u2'] }] }));
    expect(sessions.rows.map((row) => [row.keys.session_id, row.current.calls, row.current.successfulTasks])).toEqual([['s2', 3, 1]]);
  });

  it('gives the same sums from the summaries and from the raw events', async () => {
    const summaries = createDuckdbReportReader(store.database.connection, { source: 'summaries' });
    const events = createDuckdbReportReader(store.database.connection, { source: 'events' });
    for (const variant of [
      query({ groupBy: ['feature'], period: 'day' }),
      query({ groupBy: ['model', 'team'], period: 'week', from: '2026-02-23' }),
      query({ groupBy: ['user_tier'], where: [{ dimension: 'team', values: ['a', 'b'] }] }),
      query({ groupBy: [], period: 'month', from: '2026-02-01', to: '2026-04-01' }),
    ]) {
      expect(await events.report(variant)).toEqual(await summaries.report(variant));
    }
  });

  it('gives a report by user or session the same totals and request types, though it reads them from the summaries', async () => {
    const chosen = createDuckdbReportReader(store.database.connection);
    const events = createDuckdbReportReader(store.database.connection, { source: 'events' });
    for (const variant of [
      query({ groupBy: ['user_tier', 'user_id'] }),
      query({ groupBy: ['session_id'], period: 'week', from: '2026-02-23' }),
      query({ groupBy: ['user_id'], where: [{ dimension: 'team', values: ['a'] }], from: '2026-02-20' }),
      query({ groupBy: ['feature'], where: [{ dimension: 'user_id', values: ['u1', 'u9'] }] }),
    ]) {
      expect(await chosen.report(variant)).toEqual(await events.report(variant));
    }
  });

  it('answers the KPI query for the last week of data and the week before', async () => {
    const kpis = await createDuckdbReportReader(store.database.connection).kpis({ period: 'week', revenue: fixtureRevenue, tiers: defaultModelTierSettings });
    expect(kpis.window).toEqual({ from: '2026-02-28', to: '2026-03-07' });
    const explicit = await createDuckdbReportReader(store.database.connection).kpis({ period: 'week', to: '2026-03-09', revenue: fixtureRevenue, tiers: defaultModelTierSettings });
    expect(explicit.window).toEqual(fixtureWeek);
    expect(explicit.features.map((feature) => [feature.feature, feature.current.calls, feature.previous?.calls ?? null])).toEqual([
      ['chat', 5, 1],
      ['search', 2, 0],
      [null, 0, 0],
    ]);
    expect(explicit.overall.current.calls).toBe(7);
  });
});

describe('the report summaries', () => {
  it('pick up appended events, late outcomes and repriced days', async () => {
    const store = await createTestReportStore();
    try {
      await fillReportFixture(store);
      const reader = createDuckdbReportReader(store.database.connection);
      expect((await reader.report(query())).totals.current.calls).toBe(7);
      // An event of a new day, and an outcome that arrives days after its task.
      await store.addCalls([{ ts: '2026-03-08T08:00:00Z', feature: 'search', userId: 'u4', userTier: 'pro', taskId: 't5', model: 'budget-model', input: 10, output: 1, costUsd: 0.25 }]);
      await store.addOutcome('t5', 'success', '2026-03-20T00:00:00Z');
      const after = await reader.report(query());
      expect(after.totals.current).toMatchObject({ calls: 8, activeUsers: 4, successfulTasks: 4 });
      expect(after.totals.current.costPicodollars.total).toBe(dollars(1.25));
      // A revenue record added after the revenue was cached.
      await store.addRevenue('u4', 2, '2026-03-08T09:00:00Z');
      expect((await reader.report(query())).totals.current.recordRevenuePicodollars).toBe((dollars(11) * 7n) / 31n);
      // A reprice changes costs, not counts: the writer names the days it changed.
      await store.database.connection.run(`UPDATE usage_events SET cost_total = 750000000000, cost_input = 750000000000 WHERE task_id = 't5'`);
      await refreshReportSummaries(store.database.connection, { fromMs: Date.parse('2026-03-08T00:00:00Z'), toMs: Date.parse('2026-03-09T00:00:00Z') });
      expect((await reader.report(query())).totals.current.costPicodollars.total).toBe(dollars(1.75));
    } finally {
      store.dispose();
    }
  });

  it('finish a refresh that was cut short', async () => {
    const store = await createTestReportStore();
    try {
      await fillReportFixture(store);
      const reader = createDuckdbReportReader(store.database.connection);
      const before = await reader.report(query());
      // As if a refresh had written down a day to redo and died after deleting its summaries.
      await store.database.connection.run(`INSERT INTO report_pending_days VALUES (DATE '2026-03-03')`);
      await store.database.connection.run(`DELETE FROM report_daily WHERE day = DATE '2026-03-03'`);
      expect(await reader.report(query())).toEqual(before);
    } finally {
      store.dispose();
    }
  });

  it('report an empty store as having no window', async () => {
    const store = await createTestReportStore();
    try {
      const report = await createDuckdbReportReader(store.database.connection).report(query({ from: undefined, to: undefined }));
      expect(report.window).toBeNull();
      expect(report.rows).toEqual([]);
    } finally {
      store.dispose();
    }
  });
});
