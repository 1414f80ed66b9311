import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { buildReport } from '../src/core/kpi/build-report.js';
import { buildKpiDashboard } from '../src/core/kpi/kpi-dashboard.js';
import { defaultKpiThresholds } from '../src/core/kpi/kpi-thresholds.js';
import { defaultModelTierSettings } from '../src/core/kpi/model-tier.js';
import type { RevenueSettings } from '../src/core/kpi/revenue-settings.js';
import { DuckdbStore } from '../src/store/duckdb/duckdb-store.js';
import { createDuckdbReportReader } from '../src/store/duckdb/report-duckdb-reader.js';
import { dropReportSummaries, refreshReportSummaries } from '../src/store/duckdb/report-summaries.js';
import type { ReportQuery } from '../src/store/report-reader.js';
import { ensureReportStore, timed, type Timing } from './kept-report-store.js';
import type { Benchmark, BenchmarkOptions, BenchmarkOutcome } from './benchmark.js';
import { timePerUserReports } from './report-per-user.js';

// A single timed run is the cold figure (the first report after a refresh): no warm-up before it.
const timedReport = (repetitions: number, work: () => Promise<unknown>): Promise<Timing> => timed(repetitions, work, { warmUp: repetitions > 1 });

/** What reports are held to; missing one is reported, not failed, since timings on a shared machine vary. */
export const reportTargets = {
  /** The full KPI set (unitcost kpis) over 10M events. */
  kpisSecondsAt10M: 1,
  /** The same over 100M events. */
  kpisSecondsAt100M: 10,
};

const defaults = { sizes: [10_000_000, 100_000_000], repetitions: 5, seed: 7 };

const revenue: RevenueSettings = {
  plans: {
    free: { seat_price_usd_per_month: 0 },
    pro: { seat_price_usd_per_month: 20 },
    enterprise: { seat_price_usd_per_month: 60, included_usd: 40, overage_markup: 0.2 },
  },
  attribution: { method: 'cost_share' },
};

const reportQuery = (overrides: Partial<ReportQuery>): ReportQuery => ({ groupBy: ['feature'], period: null, where: [], revenue, tiers: defaultModelTierSettings, ...overrides });

/** The report and KPI latencies over generated stores of 10M and 100M events (or --calls N). */
export const benchmark: Benchmark = {
  name: 'report',
  description: 'unitcost report and kpis latency over 10M and 100M stored events, and the cost of refreshing the report summaries',
  run: runReportBenchmark,
};

async function runReportBenchmark(options: BenchmarkOptions): Promise<BenchmarkOutcome> {
  const sizes = options.calls ? [options.calls] : defaults.sizes;
  const repetitions = options.repetitions ?? defaults.repetitions;
  const seed = options.seed ?? defaults.seed;
  const directory = join(tmpdir(), 'unitcost-bench');
  mkdirSync(directory, { recursive: true });
  const results: Record<string, unknown> = { repetitions, seed, stores: directory };
  let passed = true;
  for (const size of sizes) {
    const path = join(directory, `report-${size}-${seed}.duckdb`);
    const generation = await ensureReportStore(path, { events: size, days: 90, start: '2026-01-01', seed });
    const store = await DuckdbStore.open(path);
    try {
      const connection = store.database.connection;
      log(`${count(size)} events in ${path}${generation === null ? ' (reused)' : ` (generated in ${generation.toFixed(1)} s)`}`);
      await dropReportSummaries(connection);
      const build = await refreshReportSummaries(connection);
      log(`  report summaries built from scratch in ${build.seconds.toFixed(1)} s (${build.usageDays} days)`);
      const featureReport = async () => buildReport(await store.report(reportQuery({})), { groupBy: ['feature'], period: null, where: [], attribution: 'cost_share' });
      const cold = await timedReport(1, featureReport);
      log(`  first report after the build (attributes every month's revenue into the cache): ${cold.best.toFixed(2)} s`);
      const lastDay = Date.parse(`${(await store.report(reportQuery({ groupBy: [] }))).window!.to}T00:00:00Z`) - 86_400_000;
      const incremental = await refreshReportSummaries(connection, { fromMs: lastDay, toMs: lastDay + 86_400_000 });
      log(`  refreshing one changed day (what the first report after a day's ingest does): ${incremental.seconds.toFixed(2)} s`);
      const afterDay = await timedReport(1, featureReport);
      log(`  the report after it (re-attributes that month's revenue): ${afterDay.best.toFixed(2)} s`);
      const timings: Record<string, Timing> = {
        'kpis --period week (full KPI set)': await timedReport(repetitions, async () =>
          buildKpiDashboard(await store.kpis({ period: 'week', revenue, tiers: defaultModelTierSettings }), 'week', defaultKpiThresholds),
        ),
        'kpis --period month': await timedReport(repetitions, async () =>
          buildKpiDashboard(await store.kpis({ period: 'month', revenue, tiers: defaultModelTierSettings }), 'month', defaultKpiThresholds),
        ),
        'report --by feature (all days)': await timedReport(repetitions, async () =>
          buildReport(await store.report(reportQuery({})), { groupBy: ['feature'], period: null, where: [], attribution: 'cost_share' }),
        ),
        'report --by feature,model --period week': await timedReport(repetitions, async () =>
          buildReport(await store.report(reportQuery({ groupBy: ['feature', 'model'], period: 'week' })), { groupBy: ['feature', 'model'], period: 'week', where: [], attribution: 'cost_share' }),
        ),
        'report --by team,user_tier --period day': await timedReport(repetitions, async () =>
          buildReport(await store.report(reportQuery({ groupBy: ['team', 'user_tier'], period: 'day' })), { groupBy: ['team', 'user_tier'], period: 'day', where: [], attribution: 'cost_share' }),
        ),
        'report --by model --where feature=coding-agent': await timedReport(repetitions, async () =>
          store.report(reportQuery({ groupBy: ['model'], where: [{ dimension: 'feature', values: ['coding-agent'] }] })),
        ),
      };
      // The raw-event path (grouping by user or session) scans every event: timed once, at the smaller size only.
      if (size <= 10_000_000) {
        const reader = createDuckdbReportReader(connection, { source: 'events' });
        timings['report --by feature, raw events (as --by user_id reads them)'] = await timedReport(1, () => reader.report(reportQuery({})));
        const fromSummaries = await store.report(reportQuery({ period: 'week' }));
        const fromEvents = await reader.report(reportQuery({ period: 'week' }));
        const same = isDeepStrictEqual(fromSummaries, fromEvents);
        log(`  summaries and raw events agree on every sum of report --by feature --period week: ${same ? 'yes' : 'NO'}`);
        passed &&= same;
      }
      for (const [name, timing] of Object.entries(timings)) log(`  ${name.padEnd(62)} median ${timing.median.toFixed(3)} s, best ${timing.best.toFixed(3)} s`);
      // Reports by user and session (issue 15), each against the plain GROUP BY in the same run.
      const perUser = await timePerUserReports(store, reportQuery, { repetitions, checkRawEvents: size <= 10_000_000, log });
      passed &&= perUser.passed;
      const kpis = timings['kpis --period week (full KPI set)']!;
      const target = size >= 100_000_000 ? reportTargets.kpisSecondsAt100M : size >= 10_000_000 ? reportTargets.kpisSecondsAt10M : null;
      if (target !== null) log(`  target: full KPI set under ${target} s — median ${kpis.median.toFixed(3)} s: ${kpis.median < target ? 'met' : 'MISSED'}`);
      results[String(size)] = {
        events: size,
        generationSeconds: generation,
        summaryBuildSeconds: build.seconds,
        oneDayRefreshSeconds: incremental.seconds,
        coldReportSeconds: cold.best,
        reportAfterOneDayRefreshSeconds: afterDay.best,
        timings,
        perUser,
        storeBytes: await storeSize(connection),
      };
    } finally {
      await store.close();
    }
  }
  return { passed, results };
}




async function storeSize(connection: DuckdbStore['database']['connection']): Promise<string> {
  return String((await connection.runAndReadAll('SELECT database_size FROM pragma_database_size() WHERE database_name = current_database()')).getRowObjectsJS()[0]?.database_size);
}

function count(value: number): string {
  return value >= 1_000_000 ? `${value / 1_000_000}M` : value.toLocaleString('en-US');
}

function log(line: string): void {
  console.log(line);
}
