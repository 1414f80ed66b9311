import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNarrowedReport, buildReport, reportJson } from '../../core/kpi/build-report.js';
import { defaultModelTierSettings } from '../../core/kpi/model-tier.js';
import { sumsOfFields, type ReportField } from '../../core/kpi/report-fields.js';
import type { RevenueSettings } from '../../core/kpi/revenue-settings.js';
import { picodollarsOfUsd } from '../../core/kpi/unit-ratios.js';
import { startClickhouseServer, type ClickhouseTestServer } from '../../testing/clickhouse-server.js';
import { narrowedReportJson } from '../../testing/narrowed-report-json.js';
import { createDuckdbReportReader } from '../duckdb/report-duckdb-reader.js';
import { DuckdbStore } from '../duckdb/duckdb-store.js';
import { fillReportFixture, fixtureRevenue } from '../duckdb/report-fixture.js';
import type { TestCall, TestReportStore } from '../duckdb/report-test-store.js';
import type { KpiQuery, ReportQuery, ReportReader } from '../report-reader.js';
import type { Store } from '../store.js';
import type { StoredOutcomeRow, StoredPriceRow, StoredRevenueRow, StoredUsageRow } from '../stored-rows.js';
import { rowValues, usageColumns } from './clickhouse-columns.js';
import { ClickhouseStore } from './clickhouse-store.js';

/*
 * The proof the ClickHouse backend asks for: the same events in a DuckDB store and a ClickHouse store give
 * the same reports, KPIs and users at a loss, to the picodollar (whole objects compared). DuckDB answers
 * from its summary tables (what users see) and from its raw events (the queries both backends share).
 */

let server: ClickhouseTestServer;
let clickhouse: ClickhouseStore;
let duckdb: DuckdbStore;
let directory: string;

/** Writes a test's calls, outcomes, revenue and prices through a store's own append methods, as ingest would. */
function filler(stores: Store[]): Pick<TestReportStore, 'addPrice' | 'addCalls' | 'addOutcome' | 'addRevenue'> {
  let sequence = 0;
  const next = (): number => (sequence += 1);
  const appendAll = async (append: (store: Store) => Promise<unknown>): Promise<void> => {
    for (const store of stores) await append(store);
  };
  return {
    async addCalls(calls: TestCall[]) {
      const rows = calls.map((call) => usageRowOf(call, next()));
      await appendAll((store) => store.appendUsage(rows));
    },
    async addOutcome(taskId, outcome, ts) {
      const row: StoredOutcomeRow = { taskId, outcome, timestampMs: Date.parse(ts), feature: null, contentHash: `outcome-${next()}`, source: null };
      await appendAll((store) => store.appendOutcomes([row]));
    },
    async addRevenue(userId, amountUsd, ts, options = {}) {
      const n = next();
      const row: StoredRevenueRow = {
        id: `revenue-${n}`,
        userId,
        amountPicodollars: picodollarsOfUsd(amountUsd),
        timestampMs: Date.parse(ts),
        feature: options.feature ?? null,
        userTier: options.userTier ?? null,
        contentHash: `revenue-${n}`,
        source: null,
      };
      await appendAll((store) => store.appendRevenue([row]));
    },
    async addPrice(priceId, provider, model, inputUsdPerMillion, outputUsdPerMillion) {
      const zero = { cacheReadRate: 0, cacheWrite5mRate: 0, cacheWrite1hRate: 0, reasoningRate: 0, inputAudioRate: 0, outputAudioRate: 0, requestFee: 0 };
      const row: StoredPriceRow = { priceId, provider, model, sources: 'test', inputRate: Math.round(inputUsdPerMillion * 1_000_000), outputRate: Math.round(outputUsdPerMillion * 1_000_000), tiers: '[]', ...zero };
      await appendAll((store) => store.upsertPrices([row]));
    },
  };
}

/** A test call as the stored row report-test-store.ts would insert for it. */
function usageRowOf(call: TestCall, n: number): StoredUsageRow {
  const total = call.costUsd === null ? null : picodollarsOfUsd(call.costUsd);
  const output = total === null ? null : picodollarsOfUsd(call.outputCostUsd ?? 0);
  const cacheRead = total === null ? null : picodollarsOfUsd(call.cacheReadCostUsd ?? 0);
  const model = call.model ?? 'test-model';
  const provider = call.provider === undefined ? 'test' : call.provider;
  const priced = (value: bigint | null): number | null => (total === null ? null : Number(value ?? 0n));
  return {
    id: call.id ?? `call-${n}`,
    contentHash: `call-${n}`,
    timestampMs: Date.parse(call.ts),
    provider,
    model,
    pricedProvider: total === null ? null : provider,
    pricedModel: total === null ? null : model,
    priceId: call.priceId !== undefined ? call.priceId : total === null ? null : `price:${model}`,
    unpricedReason: total === null ? 'unknown model' : null,
    inputTokens: call.input ?? 0,
    cacheReadTokens: call.cacheRead ?? 0,
    cacheWrite5mTokens: call.cacheWrite ?? 0,
    cacheWrite1hTokens: 0,
    outputTokens: call.output ?? 0,
    reasoningTokens: call.reasoning ?? 0,
    inputAudioTokens: 0,
    outputAudioTokens: 0,
    webSearchRequests: 0,
    costInput: priced(total === null ? null : total - (output ?? 0n) - (cacheRead ?? 0n)),
    costCacheRead: priced(cacheRead),
    costCacheWrite5m: priced(0n),
    costCacheWrite1h: priced(0n),
    costOutput: priced(output),
    costReasoning: priced(0n),
    costAudio: priced(0n),
    costRequest: priced(0n),
    costWebSearch: priced(0n),
    costTotal: priced(total),
    feature: call.feature === undefined ? 'chat' : call.feature,
    team: call.team ?? null,
    userTier: call.userTier ?? null,
    userId: call.userId ?? null,
    sessionId: call.sessionId ?? null,
    taskId: call.taskId ?? null,
    step: null,
    environment: call.environment ?? null,
    attributes: null,
    status: call.status ?? 'ok',
    retryOf: null,
    latencyMs: null,
    timeToFirstTokenMs: null,
    responseCache: call.responseCache ?? null,
    reportedCostUsd: null,
    source: null,
  };
}

// Beyond the report fixture: several months, a user over two features, teams and sessions, calls without
// user or session, an environment, a task whose first call is two users' events at one instant, an
// unpriced call of a known user, a refund and overage.
const moreCalls: TestCall[] = [
  { ts: '2026-01-20T08:00:00Z', feature: 'coding', team: 'c', userId: 'u4', userTier: 'team', sessionId: 'c0', taskId: 't9', model: 'frontier-model', costUsd: 2.5, environment: 'prod' },
  { ts: '2026-02-03T08:00:00Z', feature: 'coding', team: 'c', userId: 'u4', userTier: 'team', sessionId: 'c1', taskId: 't10', model: 'frontier-model', costUsd: 1.25, environment: 'prod' },
  { ts: '2026-02-21T08:00:00Z', feature: 'coding', team: 'c', userId: 'u4', userTier: 'team', sessionId: 'c2', taskId: 't11', model: 'frontier-model', costUsd: 0.4, outputCostUsd: 0.3 },
  { ts: '2026-02-22T08:00:00Z', feature: 'chat', team: 'd', userId: 'u4', userTier: 'team', sessionId: 'c2', model: 'budget-model', costUsd: 0.03, status: 'error' },
  { ts: '2026-03-07T08:00:00Z', feature: 'chat', team: 'a', userId: 'u4', userTier: 'pro', sessionId: 'c3', taskId: 't12', model: 'budget-model', costUsd: 0.07, cacheRead: 300, cacheReadCostUsd: 0.01 },
  { ts: '2026-03-07T09:00:00Z', feature: 'search', team: 'b', userId: 'u4', userTier: 'pro', sessionId: 'c3', taskId: 't12', model: 'frontier-model', costUsd: 0.21 },
  { ts: '2026-03-08T09:00:00Z', feature: 'search', team: 'e', userId: 'u4', userTier: 'pro', sessionId: 'shared', model: 'budget-model', costUsd: 0.13 },
  { ts: '2026-03-08T10:00:00Z', feature: 'search', team: 'e', userId: 'u5', userTier: 'free', sessionId: 'shared', model: 'budget-model', costUsd: 0.11 },
  { ts: '2026-02-10T10:00:00Z', feature: 'chat', team: 'a', userId: 'u5', userTier: 'free', model: 'budget-model', costUsd: 0.6 },
  { ts: '2026-03-04T11:00:00Z', feature: 'chat', team: 'a', userId: null, userTier: null, sessionId: 'anonymous', taskId: 't13', model: 'budget-model', costUsd: 0.09 },
  { ts: '2026-03-04T12:00:00Z', feature: 'search', team: 'b', userId: 'u6', userTier: null, model: 'budget-model', costUsd: 0.02 },
  { ts: '2026-03-05T13:00:00Z', feature: 'chat', team: 'a', userId: 'u6', userTier: 'pro', sessionId: 'twin-a', taskId: 't14', model: 'budget-model', costUsd: 0.04 },
  { ts: '2026-03-05T13:00:00Z', feature: 'chat', team: 'a', userId: 'u7', userTier: 'pro', sessionId: 'twin-b', taskId: 't14', model: 'budget-model', costUsd: 0.05 },
  { ts: '2026-03-05T12:00:00Z', feature: null, team: null, userId: 'u7', userTier: 'free', model: 'mystery-model', costUsd: null, input: 400, output: 40 },
  { ts: '2026-03-10T12:00:00Z', feature: 'chat', team: 'a', userId: 'u7', userTier: 'pro', model: 'frontier-model', costUsd: 0.000000000001 },
  { ts: '2026-03-10T12:00:00Z', feature: 'search', team: 'a', userId: 'u7', userTier: 'pro', model: 'frontier-model', costUsd: 0.000000000001 },
  { ts: '2026-03-10T12:00:00Z', feature: 'coding', team: 'a', userId: 'u7', userTier: 'pro', model: 'frontier-model', costUsd: 0.000000000001 },
];

const overage: RevenueSettings = {
  plans: {
    pro: { seat_price_usd_per_month: 20, included_requests: 2, overage_usd_per_request: 0.5 },
    team: { seat_price_usd_per_month: 40, included_usd: 1, overage_markup: 0.25 },
  },
  attribution: { method: 'request_share' },
};
const weights: RevenueSettings = { plans: { pro: { seat_price_usd_per_month: 10 } }, attribution: { method: 'fixed_weights', weights: { chat: 2, search: 1 } } };
const recordsOnly: RevenueSettings = { plans: {}, attribution: { method: 'cost_share' } };

const query = (overrides: Partial<ReportQuery>): ReportQuery => ({
  groupBy: ['feature'],
  period: null,
  from: '2026-03-02',
  to: '2026-03-09',
  where: [],
  revenue: fixtureRevenue,
  tiers: defaultModelTierSettings,
  ...overrides,
});

const reports: Record<string, ReportQuery> = {
  'by feature over the stored window': query({ from: undefined, to: undefined }),
  'by user of one feature, by week': query({ groupBy: ['user_id'], period: 'week', from: '2026-02-16', to: '2026-03-16', where: [{ dimension: 'feature', values: ['chat', 'search'] }] }),
  'by model, by day, of one team': query({ groupBy: ['model'], period: 'day', where: [{ dimension: 'team', values: ['a'] }] }),
  'by model and provider, by month, with overage': query({ groupBy: ['model', 'provider'], period: 'month', from: '2026-01-01', to: '2026-04-01', revenue: overage }),
  'by tier and user, fixed weights': query({ groupBy: ['user_tier', 'user_id'], from: '2026-02-20', to: '2026-03-12', revenue: weights }),
  // Only the top rows (--top): DuckDB narrows them in SQL, ClickHouse and the raw events cut the full report.
  'the top 2 users of two features, by week': query({ groupBy: ['user_id'], period: 'week', from: '2026-02-16', to: '2026-03-16', where: [{ dimension: 'feature', values: ['chat', 'search'] }], top: 2 }),
  'the top 3 by tier and user, fixed weights': query({ groupBy: ['user_tier', 'user_id'], from: '2026-02-20', to: '2026-03-12', revenue: weights, top: 3 }),
  'by session and team, filtered by two users': query({ groupBy: ['session_id', 'team'], period: 'week', from: '2026-02-16', where: [{ dimension: 'user_id', values: ['u4', 'u7'] }] }),
  'by environment, records only': query({ groupBy: ['environment'], period: 'month', from: '2026-01-01', to: '2026-04-01', revenue: recordsOnly }),
};

const kpiQueries: Record<string, KpiQuery> = {
  day: { period: 'day', revenue: fixtureRevenue, tiers: defaultModelTierSettings },
  week: { period: 'week', to: '2026-03-09', revenue: overage, tiers: defaultModelTierSettings },
  month: { period: 'month', to: '2026-03-11', where: [{ dimension: 'feature', values: ['chat'] }], revenue: weights, tiers: defaultModelTierSettings },
};

beforeAll(async () => {
  server = await startClickhouseServer();
  directory = mkdtempSync(join(tmpdir(), 'unitcost-ch-report-'));
  duckdb = await DuckdbStore.open(join(directory, 'store.duckdb'), { threads: 1 });
  clickhouse = await ClickhouseStore.open({
    ...server.settings('reports'),
  });
  const both = filler([duckdb, clickhouse]);
  await fillReportFixture(both);
  await both.addCalls(moreCalls);
  await both.addOutcome('t12', 'failure', '2026-03-07T10:00:00Z');
  await both.addOutcome('t12', 'success', '2026-03-07T10:00:00Z');
  await both.addOutcome('t14', 'success', '2026-03-05T14:00:00Z');
  await both.addRevenue('u4', 12.5, '2026-02-25T00:00:00Z');
  await both.addRevenue('u4', -2, '2026-03-08T00:00:00Z', { feature: 'search' });
  await both.addRevenue('u8', -1.5, '2026-03-03T00:00:00Z', { userTier: 'pro' });
  await both.addRevenue('u7', 0.000000000007, '2026-03-10T00:00:00Z');
  // What a second writer that raced the first would add: a call stored twice. Every read collapses it (FINAL).
  const raced = usageRowOf(moreCalls[4]!, 999);
  await duckdb.appendUsage([raced]);
  const columns = usageColumns.map((column) => column.name);
  await clickhouse.connection.insert('usage_events', [...columns, 'version'], [rowValues(usageColumns, raced, 'raced'), rowValues(usageColumns, raced, 'raced')].map((row) => [...row, 0]));
}, 120_000);

afterAll(async () => {
  await clickhouse?.close();
  await duckdb?.close();
  await server?.stop();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

/** DuckDB's answer from its summaries, and from its raw events through the shared queries. */
const duckdbReaders = (): Record<string, ReportReader> => ({
  summaries: createDuckdbReportReader(duckdb.database.connection),
  events: createDuckdbReportReader(duckdb.database.connection, { source: 'events' }),
});

describe('ClickHouse reports equal DuckDB’s to the picodollar', () => {
  for (const [name, variant] of Object.entries(reports)) {
    it(`report ${name}`, async () => {
      const answer = await clickhouse.report(variant);
      expect(answer.rows.length).toBeGreaterThan(0);
      expect(answer.totals.current.costPicodollars.total).toBeGreaterThan(0n);
      for (const reader of Object.values(duckdbReaders())) expect(answer).toEqual(await reader.report(variant));
    });
  }

  for (const [name, variant] of Object.entries(kpiQueries)) {
    it(`KPIs of a ${name}`, async () => {
      const answer = await clickhouse.kpis(variant);
      expect(answer.window).not.toBeNull();
      for (const reader of Object.values(duckdbReaders())) expect(answer).toEqual(await reader.kpis(variant));
    });
  }

  it('a report narrowed to some measures (--fields): the full report\'s rows cut to them, as DuckDB prints it', async () => {
    const printed = async (reader: ReportReader, variant: ReportQuery, fields?: ReportField[]): Promise<Record<string, unknown>> => {
      const request = { groupBy: variant.groupBy, period: variant.period, where: variant.where, attribution: variant.revenue.attribution.method };
      if (fields === undefined) return reportJson(buildReport(await reader.report(variant), request));
      return reportJson(buildNarrowedReport(await reader.report({ ...variant, sums: sumsOfFields(fields) }), { ...request, fields }));
    };
    const fieldSets: ReportField[][] = [
      ['calls', 'cost_usd', 'revenue_usd', 'cost_per_active_user_month_usd'],
      ['task_success_rate', 'active_users', 'frontier_cost_share', 'output_input_ratio', 'inference_margin'],
    ];
    for (const name of ['by user of one feature, by week', 'by tier and user, fixed weights', 'the top 2 users of two features, by week', 'by model, by day, of one team']) {
      const variant = reports[name]!;
      const full = await printed(duckdbReaders().summaries!, variant);
      for (const fields of fieldSets) {
        const expected = JSON.stringify(narrowedReportJson(full, fields));
        expect(JSON.stringify(await printed(clickhouse, variant, fields)), `${name}: ${fields.join(',')}`).toBe(expected);
        expect(JSON.stringify(await printed(duckdbReaders().summaries!, variant, fields)), `${name}: ${fields.join(',')}`).toBe(expected);
      }
    }
  });

  it('attributes plan and record revenue below the feature, refunds included', async () => {
    const answer = await clickhouse.report(reports['by model and provider, by month, with overage']!);
    const rows = answer.rows.map((row) => row.current);
    expect(rows.some((row) => row.planRevenuePicodollars > 0n)).toBe(true);
    expect(rows.some((row) => row.recordRevenuePicodollars < 0n)).toBe(true);
    expect(answer).toEqual(await duckdbReaders().events!.report(reports['by model and provider, by month, with overage']!));
  });

  it('users at a loss, across a month end, with overage', async () => {
    const variant = { from: '2026-02-16', to: '2026-03-16', revenue: overage };
    const answer = await clickhouse.userEconomics(variant);
    expect(answer.some((user) => user.planRevenuePicodollars > 0n && user.recordRevenuePicodollars !== 0n)).toBe(true);
    for (const reader of Object.values(duckdbReaders())) expect(answer).toEqual(await reader.userEconomics(variant));
  });

  it('an empty store has no window, as DuckDB’s', async () => {
    const empty = await ClickhouseStore.open(server.settings('empty_reports'));
    try {
      const answer = await empty.kpis({ period: 'week', revenue: recordsOnly, tiers: defaultModelTierSettings });
      expect(answer).toMatchObject({ window: null, features: [], revenueTracked: false });
      expect((await empty.report(query({ from: undefined, to: undefined }))).window).toBeNull();
    } finally {
      await empty.close();
    }
  });
});
