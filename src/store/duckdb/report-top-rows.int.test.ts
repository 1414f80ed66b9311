import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport, reportJson } from '../../core/kpi/build-report.js';
import { defaultModelTierSettings } from '../../core/kpi/model-tier.js';
import { planReportPeriods } from '../../core/kpi/report-periods.js';
import type { ReportQuery, ReportReader } from '../report-reader.js';
import { createDuckdbReportReader } from './report-duckdb-reader.js';
import { fillReportFixture, fixtureRevenue } from './report-fixture.js';
import { measureColumnsOf } from './report-rows.js';
import { userSummaryMeasuresQuery, type ReportScope } from './report-sql.js';
import { createTestReportStore, type TestCall, type TestReportStore } from './report-test-store.js';

// A report asked for its top N rows (`--top`, `top=`) lists exactly the first N rows of each bucket of the
// report of every row, with the same totals, request types and everything else, and counts the rows with
// calls of the whole report; DuckDB narrows a report by user or session to those groups in SQL.

// Sessions of one feature in the week of 2026-03-02 with costs that tie at several cuts (s-tie-a and s-tie-b
// cost the same, s-tie-b in more calls; s-same-1 and s-same-2 the same cost and calls), calls without a session
// (the untagged group, the costliest), sessions of the week before (each row's previous period), and sessions on
// March 1, outside the window but in its month: their users' plan revenue makes rows with revenue and no call.
const calls: TestCall[] = [
  ...[0.8, 0.5, 0.3, 0.21, 0.13].map((costUsd, index) => ({ ts: `2026-03-0${3 + index}T08:00:00Z`, feature: 'agent', userId: `a${index}`, userTier: 'pro', sessionId: `s${index}`, taskId: `ta${index}`, model: 'frontier-model', costUsd })),
  { ts: '2026-03-05T09:00:00Z', feature: 'agent', userId: 'a5', userTier: 'pro', sessionId: 's-tie-a', model: 'budget-model', costUsd: 0.4 },
  { ts: '2026-03-05T09:00:00Z', feature: 'agent', userId: 'a6', userTier: 'free', sessionId: 's-tie-b', model: 'budget-model', costUsd: 0.15 },
  { ts: '2026-03-05T10:00:00Z', feature: 'agent', userId: 'a6', userTier: 'free', sessionId: 's-tie-b', model: 'budget-model', costUsd: 0.25 },
  { ts: '2026-03-06T09:00:00Z', feature: 'agent', userId: 'a7', userTier: 'pro', sessionId: 's-same-2', model: 'budget-model', costUsd: 0.09 },
  { ts: '2026-03-06T09:00:00Z', feature: 'agent', userId: 'a7', userTier: 'pro', sessionId: 's-same-1', model: 'budget-model', costUsd: 0.09 },
  { ts: '2026-03-07T09:00:00Z', feature: 'agent', userId: 'a8', userTier: 'pro', sessionId: null, model: 'frontier-model', costUsd: 1.5 },
  { ts: '2026-03-08T09:00:00Z', feature: 'agent', userId: null, userTier: null, sessionId: null, model: 'mystery-model', costUsd: null },
  { ts: '2026-02-25T09:00:00Z', feature: 'agent', userId: 'a0', userTier: 'pro', sessionId: 's0', model: 'frontier-model', costUsd: 0.6 },
  { ts: '2026-02-26T09:00:00Z', feature: 'agent', userId: 'a1', userTier: 'pro', sessionId: 's-old', model: 'budget-model', costUsd: 0.2 },
  { ts: '2026-03-01T09:00:00Z', feature: 'agent', userId: 'a9', userTier: 'pro', sessionId: 's-march-first', model: 'budget-model', costUsd: 0.05 },
  { ts: '2026-03-01T10:00:00Z', feature: 'agent', userId: 'a2', userTier: 'pro', sessionId: 's-march-first-2', model: 'budget-model', costUsd: 0.07 },
];

const query = (overrides: Partial<ReportQuery>): ReportQuery => ({
  groupBy: ['session_id'],
  period: null,
  from: '2026-03-02',
  to: '2026-03-09',
  where: [{ dimension: 'feature', values: ['agent'] }],
  revenue: fixtureRevenue,
  tiers: defaultModelTierSettings,
  ...overrides,
});

const variants: Record<string, ReportQuery> = {
  'by session of a feature, as the feature page asks': query({}),
  'by user of a feature': query({ groupBy: ['user_id'] }),
  'by session, by day': query({ period: 'day' }),
  'by user and model, every feature': query({ groupBy: ['user_id', 'model'], where: [] }),
};

/** What `unitcost report --json` prints for the query. */
async function printed(reader: ReportReader, variant: ReportQuery): Promise<Record<string, unknown>> {
  const aggregates = await reader.report(variant);
  return reportJson(buildReport(aggregates, { groupBy: variant.groupBy, period: variant.period, where: variant.where, attribution: variant.revenue.attribution.method }));
}

type JsonRow = Record<string, unknown> & { calls: number; period_start?: string };

/** The first `top` rows of each bucket of a report of every row. */
function firstRowsOfEachBucket(rows: JsonRow[], top: number): JsonRow[] {
  const seen = new Map<string, number>();
  return rows.filter((row) => {
    const bucket = row.period_start ?? '';
    const count = seen.get(bucket) ?? 0;
    seen.set(bucket, count + 1);
    return count < top;
  });
}

describe('a report of its top rows', () => {
  let store: TestReportStore;
  let summaries: ReportReader;
  let events: ReportReader;
  beforeAll(async () => {
    store = await createTestReportStore();
    await fillReportFixture(store);
    await store.addCalls(calls);
    await store.addOutcome('ta0', 'success', '2026-03-03T09:00:00Z');
    await store.addOutcome('ta2', 'failure', '2026-03-05T09:00:00Z');
    await store.addRevenue('a3', 3, '2026-03-06T00:00:00Z');
    summaries = createDuckdbReportReader(store.database.connection);
    events = createDuckdbReportReader(store.database.connection, { source: 'events' });
  });
  afterAll(() => store.dispose());

  for (const [name, variant] of Object.entries(variants)) {
    it(`lists the first N rows of each bucket of the full report, with the same totals and the count of rows with calls (${name})`, async () => {
      for (const reader of [summaries, events]) {
        const full = await printed(reader, variant);
        const fullRows = full.rows as JsonRow[];
        expect(fullRows.length).toBeGreaterThan(3);
        // Without top, the report is printed as before: no top, no group_count.
        expect(full).not.toHaveProperty('top');
        expect(full).not.toHaveProperty('group_count');
        for (const top of [1, 2, 4, 9, fullRows.length + 10]) {
          const { rows, top: topField, group_count: groupCount, ...rest } = await printed(reader, { ...variant, top });
          const { rows: _rows, ...fullRest } = full;
          expect(rows, `top ${top}`).toEqual(firstRowsOfEachBucket(fullRows, top));
          expect(rest, `top ${top}`).toEqual(fullRest);
          expect(topField).toBe(top);
          expect(groupCount, `top ${top}`).toBe(fullRows.filter((row) => row.calls > 0).length);
        }
      }
    });
  }

  it('keeps the rows with revenue and no call when a bucket has no more groups than asked for', async () => {
    const full = (await printed(summaries, query({}))).rows as JsonRow[];
    const revenueOnly = full.filter((row) => row.calls === 0);
    expect(revenueOnly.map((row) => row.session_id)).toContain('s-march-first');
    const all = (await printed(summaries, query({ top: full.length }))).rows as JsonRow[];
    expect(all).toEqual(full);
  });

  it('narrows the per-user summaries to the top groups in SQL, counting every group that called', async () => {
    const periods = planReportPeriods({ from: '2026-03-02', to: '2026-03-09' }, null);
    const scope: ReportScope = { source: 'user-summaries', groupBy: ['session_id'], where: [{ dimension: 'feature', values: ['agent'] }], slices: periods.slices, monthParts: periods.monthParts, range: periods.range, monthRange: periods.monthRange };
    const connection = store.database.connection;
    const every = await measureColumnsOf(connection, userSummaryMeasuresQuery(scope, []));
    const top = { rows: 2, buckets: periods.buckets.map((bucket) => ({ current: bucket.current.id, previous: bucket.previous.id })) };
    const narrowed = await measureColumnsOf(connection, userSummaryMeasuresQuery(scope, [], top));
    const current = periods.buckets[0]!.current.id;
    const sessionsOf = (result: typeof every, sliceId: number): unknown[] =>
      Array.from({ length: result.length }, (_, index) => index).filter((index) => Number(result.columns.slice_id![index]) === sliceId).map((index) => result.columns.session_id![index]);
    // The untagged group ($1.50) and s0 ($0.80) are the costliest of the window, and their week before is kept too (s0 called then).
    expect(sessionsOf(narrowed, current).sort()).toEqual([null, 's0']);
    expect(sessionsOf(narrowed, periods.buckets[0]!.previous.id).sort()).toEqual([null, 's0']);
    expect(every.length).toBeGreaterThan(narrowed.length + 8);
    const callingGroups = Array.from({ length: every.length }, (_, index) => index).filter((index) => Number(every.columns.slice_id![index]) === current && Number(every.columns.calls![index]) > 0).length;
    expect(Array.from(narrowed.columns.groups_with_calls!).filter((_, index) => Number(narrowed.columns.slice_id![index]) === current)).toEqual([callingGroups, callingGroups]);
  });
});
