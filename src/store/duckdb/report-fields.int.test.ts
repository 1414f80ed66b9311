import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNarrowedReport, buildReport, reportJson } from '../../core/kpi/build-report.js';
import { defaultModelTierSettings } from '../../core/kpi/model-tier.js';
import { reportFields, sumsOfFields, type ReportField } from '../../core/kpi/report-fields.js';
import { planReportPeriods } from '../../core/kpi/report-periods.js';
import { narrowedReportJson } from '../../testing/narrowed-report-json.js';
import type { ReportQuery, ReportReader } from '../report-reader.js';
import { createDuckdbReportReader } from './report-duckdb-reader.js';
import { fillReportFixture, fixtureRevenue } from './report-fixture.js';
import { userSummaryMeasuresQuery, type ReportScope } from './report-sql.js';
import { createTestReportStore, type TestCall, type TestReportStore } from './report-test-store.js';

// A report narrowed to some measures (`--fields`) prints the full report's rows, in its order, each cut to those
// measures, with the same values to the bit: from the per-user summaries, the per-day summaries and the raw events.
// Its store sums only what the measures need.

// Beyond the fixture: users of a second feature over two weeks, tasks, a response cache and an unknown user.
const moreCalls: TestCall[] = [
  { ts: '2026-02-26T08:00:00Z', feature: 'agent', userId: 'a1', userTier: 'pro', sessionId: 'x1', taskId: 'tx1', model: 'frontier-model', input: 900, output: 90, costUsd: 0.7 },
  { ts: '2026-03-03T08:00:00Z', feature: 'agent', userId: 'a1', userTier: 'pro', sessionId: 'x2', taskId: 'tx2', model: 'frontier-model', input: 800, cacheRead: 300, output: 80, costUsd: 0.9 },
  { ts: '2026-03-04T08:00:00Z', feature: 'agent', userId: 'a2', userTier: 'free', sessionId: 'x3', taskId: 'tx3', model: 'budget-model', input: 500, output: 50, costUsd: 0.04, responseCache: 'hit' },
  { ts: '2026-03-05T08:00:00Z', feature: 'agent', userId: 'a3', userTier: 'pro', sessionId: 'x4', model: 'mystery-model', input: 100, output: 10, costUsd: null },
  { ts: '2026-03-06T08:00:00Z', feature: 'agent', userId: null, userTier: null, sessionId: null, model: 'budget-model', input: 200, output: 20, costUsd: 0.02, status: 'error' },
  { ts: '2026-03-01T08:00:00Z', feature: 'agent', userId: 'a4', userTier: 'pro', sessionId: 'x5', model: 'budget-model', input: 100, output: 10, costUsd: 0.01 },
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

/** What the feature page asks of its users' report. */
const pageFields: ReportField[] = ['calls', 'cost_usd', 'revenue_usd', 'cost_per_active_user_month_usd'];

const variants: Record<string, ReportQuery> = {
  'by user of a feature, as the feature page asks': query({ where: [{ dimension: 'feature', values: ['agent'] }] }),
  'by user, every feature': query({}),
  'by session, by week, top 2': query({ groupBy: ['session_id'], period: 'week', from: '2026-02-23', top: 2 }),
  'by tier and user, by day': query({ groupBy: ['user_tier', 'user_id'], period: 'day' }),
  'by feature (the per-day summaries)': query({ groupBy: ['feature'] }),
};

const fieldSets: Record<string, ReportField[]> = {
  "the feature page's": pageFields,
  'tasks, distinct users, tier and cache shares': ['task_success_rate', 'active_users', 'frontier_call_share', 'budget_cost_share', 'response_cache_hit_rate', 'cost_cache_write_usd', 'inference_margin'],
  'every measure, in reverse': [...reportFields].reverse(),
};

/** What `unitcost report --json` prints for the query, narrowed to `fields` when given. */
async function printed(reader: ReportReader, variant: ReportQuery, fields?: ReportField[]): Promise<Record<string, unknown>> {
  const request = { groupBy: variant.groupBy, period: variant.period, where: variant.where, attribution: variant.revenue.attribution.method };
  if (fields === undefined) return reportJson(buildReport(await reader.report(variant), request));
  return reportJson(buildNarrowedReport(await reader.report({ ...variant, sums: sumsOfFields(fields) }), { ...request, fields }));
}

describe('a report narrowed to some measures', () => {
  let store: TestReportStore;
  let summaries: ReportReader;
  let events: ReportReader;
  beforeAll(async () => {
    store = await createTestReportStore();
    await fillReportFixture(store);
    await store.addCalls(moreCalls);
    await store.addOutcome('tx2', 'success', '2026-03-03T09:00:00Z');
    await store.addOutcome('tx3', 'failure', '2026-03-04T09:00:00Z');
    summaries = createDuckdbReportReader(store.database.connection);
    events = createDuckdbReportReader(store.database.connection, { source: 'events' });
  });
  afterAll(() => store.dispose());

  for (const [name, variant] of Object.entries(variants)) {
    it(`prints the full report's rows cut to its fields, the same to the bit, from the summaries and the raw events (${name})`, async () => {
      for (const reader of [summaries, events]) {
        const full = await printed(reader, variant);
        expect((full.rows as unknown[]).length).toBeGreaterThan(1);
        for (const [set, fields] of Object.entries(fieldSets)) {
          expect(JSON.stringify(await printed(reader, variant, fields)), `${set} fields`).toBe(JSON.stringify(narrowedReportJson(full, fields)));
        }
      }
    });
  }

  it('keeps the rows of users with revenue and no call (u9, a4) when no revenue measure is asked for', async () => {
    const variant = query({});
    const narrowed = await printed(summaries, variant, ['cost_usd']);
    const users = (narrowed.rows as Array<{ user_id: string | null }>).map((row) => row.user_id);
    expect(users).toEqual(expect.arrayContaining(['u9', 'a4']));
    expect(users).toEqual((((await printed(summaries, variant)).rows) as Array<{ user_id: string | null }>).map((row) => row.user_id));
  });

  it("sums for the page's fields only calls, priced calls, cost and user-months: no tokens, tier mix, tasks or distinct users", () => {
    const periods = planReportPeriods({ from: '2026-03-02', to: '2026-03-09' }, null);
    const scope: ReportScope = { source: 'user-summaries', groupBy: ['user_id'], where: [{ dimension: 'feature', values: ['agent'] }], slices: periods.slices, monthParts: periods.monthParts, range: periods.range, monthRange: periods.monthRange };
    const full = userSummaryMeasuresQuery(scope, []).sql;
    const narrowed = userSummaryMeasuresQuery(scope, [], undefined, sumsOfFields(pageFields)).sql;
    for (const part of ['input_tokens', 'tier_', 'report_task_user_daily', 'cost_output', 'response_cache']) {
      expect(full).toContain(part);
      expect(narrowed, part).not.toContain(part);
    }
    for (const part of ['d.calls', 'd.priced_calls', 'd.cost_total', 'active_user_month_units']) expect(narrowed).toContain(part);
  });
});
