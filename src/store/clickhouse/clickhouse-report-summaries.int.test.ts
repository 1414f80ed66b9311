import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../app/create-app.js';
import { repriceCalls } from '../../app/reprice-service.js';
import { defaultModelTierSettings } from '../../core/kpi/model-tier.js';
import type { RevenueSettings } from '../../core/kpi/revenue-settings.js';
import { startClickhouseServer, type ClickhouseTestServer } from '../../testing/clickhouse-server.js';
import { assembleKpis, assembleReport } from '../report-assembly.js';
import type { KpiAggregates, KpiQuery, ReportQuery } from '../report-reader.js';
import type { StoredUsageRow } from '../stored-rows.js';
import { rowValues, usageColumns } from './clickhouse-columns.js';
import { clickhouseReportBackend } from './clickhouse-report-reader.js';
import { refreshClickhouseSummaries } from './clickhouse-report-summaries.js';
import { withRefreshLock } from './clickhouse-refresh-lock.js';
import { ClickhouseStore } from './clickhouse-store.js';

/*
 * The ClickHouse report summaries stay right as the events change under them: after each kind of write the
 * KPIs and reports read from the summaries equal those read from the raw events (FINAL), which
 * clickhouse-report.int.test.ts holds equal to DuckDB's. Each test changes the figures, so that a summary
 * left stale would fail it.
 */

let server: ClickhouseTestServer;
let directory: string;
let databases = 0;

const revenue: RevenueSettings = { plans: { pro: { seat_price_usd_per_month: 20, included_requests: 1, overage_usd_per_request: 0.5 } }, attribution: { method: 'cost_share' } };
// A few queries, each read twice per check (a ClickHouse 18.16 report is ~15 round trips): KPIs, a report by
// two dimensions by week, and one by team by day filtered by feature.
const kpiQuery: KpiQuery = { period: 'week', to: '2026-03-09', revenue, tiers: defaultModelTierSettings };
const reportQueries: ReportQuery[] = [
  { groupBy: ['model', 'provider'], period: 'week', from: '2026-02-16', to: '2026-03-09', where: [], revenue, tiers: defaultModelTierSettings },
  { groupBy: ['team'], period: 'day', from: '2026-03-01', to: '2026-03-09', where: [{ dimension: 'feature', values: ['chat'] }], revenue, tiers: defaultModelTierSettings },
];

let sequence = 0;
/** A priced call (a dollar of input per million tokens) on a day of March 2026 unless told otherwise. */
function call(overrides: Partial<StoredUsageRow> & { day?: string } = {}): StoredUsageRow {
  const n = (sequence += 1);
  const { day = '2026-03-03', ...rest } = overrides;
  const input = 1000 + n;
  const cost = input * 1_000_000;
  return {
    id: `call-${n}`,
    contentHash: `hash-${n}`,
    timestampMs: Date.parse(`${day}T10:00:00Z`) + n * 1000,
    provider: 'test',
    model: 'budget-model',
    pricedProvider: 'test',
    pricedModel: 'budget-model',
    priceId: 'price:budget-model',
    unpricedReason: null,
    inputTokens: input,
    cacheReadTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    outputTokens: 10,
    reasoningTokens: 0,
    inputAudioTokens: 0,
    outputAudioTokens: 0,
    webSearchRequests: 0,
    costInput: cost,
    costCacheRead: 0,
    costCacheWrite5m: 0,
    costCacheWrite1h: 0,
    costOutput: 0,
    costReasoning: 0,
    costAudio: 0,
    costRequest: 0,
    costWebSearch: 0,
    costTotal: cost,
    feature: 'chat',
    team: 'a',
    userTier: 'pro',
    userId: `u${n % 3}`,
    sessionId: null,
    taskId: `t${n}`,
    step: null,
    environment: null,
    attributes: null,
    status: 'ok',
    retryOf: null,
    latencyMs: null,
    timeToFirstTokenMs: null,
    responseCache: null,
    reportedCostUsd: null,
    source: null,
    ...rest,
  };
}

/** A store in a database of its own, with calls over three weeks, some with outcomes, and a revenue record. */
async function filledStore(): Promise<ClickhouseStore> {
  const store = await ClickhouseStore.open(server.settings(`summaries_${(databases += 1)}`));
  const calls = [
    call({ day: '2026-02-18' }),
    call({ day: '2026-02-25', feature: 'search', team: 'b' }),
    call({ day: '2026-03-02' }),
    call({ day: '2026-03-03', userTier: 'free', model: 'frontier-model', pricedModel: 'frontier-model', priceId: 'price:frontier-model' }),
    call({ day: '2026-03-04', feature: 'search', team: 'b', status: 'error' }),
    call({ day: '2026-03-05', team: 'b', taskId: 't-shared' }),
    call({ day: '2026-03-06', taskId: 't-shared' }),
  ];
  await store.appendUsage(calls);
  await store.appendOutcomes([{ taskId: calls[2]!.taskId!, outcome: 'success', timestampMs: Date.parse('2026-03-02T11:00:00Z'), feature: null, contentHash: 'o1', source: null }]);
  await store.appendRevenue([{ id: 'r1', userId: 'u1', amountPicodollars: 3_000_000_000_000n, timestampMs: Date.parse('2026-03-04T00:00:00Z'), feature: null, userTier: 'pro', contentHash: 'r1', source: null }]);
  return store;
}

/** Every query from the summaries equals the same query from the raw events; the KPIs of the week, to compare before and after. */
async function summariesAgree(store: ClickhouseStore): Promise<KpiAggregates> {
  const events = clickhouseReportBackend(store.connection, { source: 'events' });
  for (const query of reportQueries) expect(await store.report(query)).toEqual(await assembleReport(events, query));
  const kpis = await store.kpis(kpiQuery);
  expect(kpis).toEqual(await assembleKpis(events, kpiQuery));
  return kpis;
}

/** Waits for the server's clock to pass the second of the last write: a change in the second a refresh started counts as after it. */
const nextSecond = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1100));

beforeAll(async () => {
  server = await startClickhouseServer();
  directory = mkdtempSync(join(tmpdir(), 'unitcost-ch-summaries-'));
}, 60_000);

afterAll(async () => {
  await server?.stop();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

describe('ClickHouse report summaries', { timeout: 120_000 }, () => {
  it('are built on the first read, and a read with nothing changed recomputes nothing', async () => {
    const store = await filledStore();
    try {
      await nextSecond();
      const first = await refreshClickhouseSummaries(store.connection);
      expect(first).toMatchObject({ days: 7, tasksRebuilt: true });
      expect(await refreshClickhouseSummaries(store.connection)).toMatchObject({ days: 0, tasksRebuilt: false });
      const kpis = await summariesAgree(store);
      expect(kpis.overall.current.calls).toBe(5);
    } finally {
      await store.close();
    }
  });

  it('recompute only the days a second ingest wrote into, and count their calls, users and tasks', async () => {
    const store = await filledStore();
    try {
      const before = await store.kpis(kpiQuery);
      // Every day summarized after its last change, so that only the second ingest's days are stale.
      await nextSecond();
      await refreshClickhouseSummaries(store.connection);
      await store.appendUsage([call({ day: '2026-03-03', userId: 'new-user' }), call({ day: '2026-03-06', taskId: 't-shared', team: 'c' })]);
      expect(await refreshClickhouseSummaries(store.connection)).toMatchObject({ days: 2, tasksRebuilt: true });
      const after = await summariesAgree(store);
      expect(after.overall.current.calls).toBe(before.overall.current.calls + 2);
      expect(after.overall.current.activeUsers).toBe(before.overall.current.activeUsers + 1);
    } finally {
      await store.close();
    }
  });

  it("move a task to an earlier day's group when a later batch brings an earlier first call, recomputing only that task's days", async () => {
    const store = await filledStore();
    try {
      await store.appendUsage([call({ day: '2026-03-06', taskId: 't-move', team: 'a' })]);
      await nextSecond();
      await refreshClickhouseSummaries(store.connection);
      const tasksOf = async (team: string): Promise<Array<{ day: string; tasks: string }>> =>
        store.connection.rows(`SELECT toString(day) AS day, toString(sum(tasks)) AS tasks FROM report_task_daily WHERE team = '${team}' GROUP BY day ORDER BY day`);
      expect(await tasksOf('z')).toEqual([]);
      const before = await tasksOf('a');
      await store.appendUsage([call({ day: '2026-03-02', taskId: 't-move', team: 'z' })]);
      expect(await refreshClickhouseSummaries(store.connection)).toMatchObject({ days: 1, tasksRebuilt: true });
      // The task now counts on March 2nd in team z, and no longer on March 6th in team a.
      expect(await tasksOf('z')).toEqual([{ day: '2026-03-02', tasks: '1' }]);
      const after = await tasksOf('a');
      const on = (rows: Array<{ day: string; tasks: string }>, day: string): number => Number(rows.find((row) => row.day === day)?.tasks ?? 0);
      expect(on(after, '2026-03-06')).toBe(on(before, '2026-03-06') - 1);
      // One task row, not two: the task's old row was replaced, not added to.
      const [rows] = await store.connection.rows<{ rows: string }>("SELECT toString(count()) AS rows FROM report_tasks WHERE task_id = 't-move'");
      expect(rows!.rows).toBe('1');
      await summariesAgree(store);
    } finally {
      await store.close();
    }
  });

  it('count a call two writers raced to insert once, though it bypassed the change log', async () => {
    const store = await filledStore();
    try {
      const before = await store.kpis(kpiQuery);
      const raced = rowValues(usageColumns, call({ day: '2026-03-05' }), 'raced');
      await store.connection.insert('usage_events', [...usageColumns.map((column) => column.name), 'version'], [raced, raced].map((row) => [...row, 0]));
      const after = await summariesAgree(store);
      expect(after.overall.current.calls).toBe(before.overall.current.calls + 1);
    } finally {
      await store.close();
    }
  });

  it('follow a reprice, even once a merge has collapsed the new row versions back to the same row count', async () => {
    const store = await filledStore();
    try {
      await store.appendUsage([call({ day: '2026-03-04', model: 'in-house-llm', provider: null, pricedProvider: null, pricedModel: null, priceId: null, unpricedReason: 'unknown model', costInput: null, costCacheRead: null, costCacheWrite5m: null, costCacheWrite1h: null, costOutput: null, costReasoning: null, costAudio: null, costRequest: null, costWebSearch: null, costTotal: null })]);
      const before = await store.kpis(kpiQuery);
      expect(before.overall.current.unpricedCalls).toBe(1);
      // Every day summarized after its last change, so that only what the reprice does can make one stale.
      await nextSecond();
      await refreshClickhouseSummaries(store.connection);
      expect(await refreshClickhouseSummaries(store.connection)).toMatchObject({ days: 0 });
      const configDirectory = mkdtempSync(join(directory, 'config-'));
      writeFileSync(join(configDirectory, 'unitcost.config.json'), JSON.stringify({ models: [{ id: 'in-house-llm', prices: { input: 1, output: 2 } }] }));
      const configured = createApp({ directory: configDirectory, environment: {}, now: () => new Date('2026-03-20T00:00:00Z') });
      expect((await repriceCalls(configured, store)).totals.newlyPriced).toBe(1);
      await store.connection.run('OPTIMIZE TABLE usage_events FINAL');
      // The merge left as many rows as were summarized: the change log alone says which days moved.
      const [rows] = await store.connection.rows<{ stored: string; summarized: string }>('SELECT (SELECT count() FROM usage_events) AS stored, (SELECT sum(raw_rows) FROM report_days) AS summarized');
      expect(rows!.stored).toBe(rows!.summarized);
      const after = await summariesAgree(store);
      // The configured catalog knows in-house-llm and not the test models: the week's five other calls lose their price.
      expect(after.overall.current.unpricedCalls).toBe(5);
      expect(after.overall.current.pricedCalls).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('count task outcomes that arrive after their calls were summarized', async () => {
    const store = await filledStore();
    try {
      const before = await store.kpis(kpiQuery);
      await store.appendOutcomes([{ taskId: 't-shared', outcome: 'failure', timestampMs: Date.parse('2026-03-07T00:00:00Z'), feature: null, contentHash: 'late', source: null }]);
      const after = await summariesAgree(store);
      expect(after.overall.current.failedTasks).toBe(before.overall.current.failedTasks + 1);
    } finally {
      await store.close();
    }
  });

  it('attribute revenue recorded after the calls were summarized', async () => {
    const store = await filledStore();
    try {
      const before = await store.kpis(kpiQuery);
      await store.appendRevenue([{ id: 'r2', userId: 'u2', amountPicodollars: 7_000_000_000_000n, timestampMs: Date.parse('2026-03-05T00:00:00Z'), feature: null, userTier: 'pro', contentHash: 'r2', source: null }]);
      const after = await summariesAgree(store);
      // Both records ($3 and $7 in March) spread over the days of March: the week has 7/31 of them.
      expect(before.overall.current.recordRevenuePicodollars).toBe((3_000_000_000_000n * 7n) / 31n);
      expect(after.overall.current.recordRevenuePicodollars).toBe((10_000_000_000_000n * 7n) / 31n);
    } finally {
      await store.close();
    }
  });

  it('answer a read with nothing changed without waiting for another process that holds the refresh lock', async () => {
    const store = await filledStore();
    const other = await ClickhouseStore.open(server.settings(`summaries_${databases}`));
    let release: (() => void) | undefined;
    let holding: Promise<void> | undefined;
    try {
      await nextSecond();
      await refreshClickhouseSummaries(store.connection);
      holding = withRefreshLock(other.connection, () => new Promise<void>((resolve) => (release = resolve)));
      // The lock is held once its work has started.
      await expect.poll(() => release !== undefined).toBe(true);
      const read = await Promise.race([refreshClickhouseSummaries(store.connection), new Promise((resolve) => setTimeout(() => resolve('waited for the lock'), 10_000))]);
      expect(read).toMatchObject({ days: 0, tasksRebuilt: false });
    } finally {
      release?.();
      await holding;
      await other.close();
      await store.close();
    }
  });

  it('stay whole when two processes refresh at once: no day missing or doubled', async () => {
    const store = await filledStore();
    const other = await ClickhouseStore.open(server.settings(`summaries_${databases}`));
    try {
      await store.kpis(kpiQuery);
      await store.appendUsage([call({ day: '2026-03-02' }), call({ day: '2026-02-18', feature: 'search' })]);
      await Promise.all([refreshClickhouseSummaries(store.connection), refreshClickhouseSummaries(other.connection), refreshClickhouseSummaries(store.connection)]);
      const days = await store.connection.rows<{ day: string; rows: string }>('SELECT toString(day) AS day, count() AS rows FROM report_days GROUP BY day HAVING rows <> 1');
      expect(days).toEqual([]);
      await summariesAgree(store);
    } finally {
      await other.close();
      await store.close();
    }
  });
});
