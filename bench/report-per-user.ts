import { loadavg } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { buildNarrowedReport, buildReport, reportJson } from '../src/core/kpi/build-report.js';
import { sumsOfFields, type ReportField } from '../src/core/kpi/report-fields.js';
import { addDays } from '../src/core/kpi/report-periods.js';
import type { DuckdbStore } from '../src/store/duckdb/duckdb-store.js';
import { createDuckdbReportReader } from '../src/store/duckdb/report-duckdb-reader.js';
import type { ReportQuery } from '../src/store/report-reader.js';

/**
 * Reports by user and by session (what a feature page reads: one feature, a date range) and the users at a
 * loss, from the per-user summaries, each timed in turn with the plain GROUP BY of issue 15 as the reference
 * (`SELECT user_id, count(*), sum(cost_total) FROM usage_events GROUP BY user_id`): reference and case
 * alternate run by run, so that a busy machine slows both alike, and each case is given as a ratio to the
 * reference's median in the same run, with the load average beside it.
 */

/** The target of issue 15: a report by user or session under 1 s at 10M calls. */
export const perUserTargetSeconds = 1;

/** What the feature page asks of its users' report since issue 15 round 4 (`fields=`): all it reads of each row. */
export const featurePageUserFields: readonly ReportField[] = ['calls', 'cost_usd', 'revenue_usd', 'cost_per_active_user_month_usd'];

export interface PerUserTiming {
  seconds: number[];
  median: number;
  referenceSeconds: number[];
  referenceMedian: number;
  ratio: number;
  /** Process CPU seconds per run (DuckDB's threads included), median: steadier than wall time on a busy machine. */
  cpuMedian: number;
  referenceCpuMedian: number;
  load: [number, number];
}

/** Times each case against the reference; checks at one size that the summaries give what the raw events give. */
export async function timePerUserReports(
  store: DuckdbStore,
  reportQuery: (overrides: Partial<ReportQuery>) => ReportQuery,
  options: { repetitions: number; checkRawEvents: boolean; log: (line: string) => void },
): Promise<{ passed: boolean; timings: Record<string, PerUserTiming>; rawEventsSeconds?: number }> {
  const connection = store.database.connection;
  const window = (await store.report(reportQuery({ groupBy: [] }))).window!;
  const month = { from: addDays(window.to, -30), to: window.to };
  const feature = [{ dimension: 'feature' as const, values: ['coding-agent'] }];
  const printed = async (query: ReportQuery) =>
    buildReport(await store.report(query), { groupBy: query.groupBy, period: query.period, where: query.where, attribution: query.revenue.attribution.method });
  // Narrowed to the page's fields (--fields): the store sums only what they need, and each row has those four measures.
  const narrowed = async (query: ReportQuery) =>
    buildNarrowedReport(await store.report({ ...query, sums: sumsOfFields(featurePageUserFields) }), {
      groupBy: query.groupBy,
      period: query.period,
      where: query.where,
      attribution: query.revenue.attribution.method,
      fields: featurePageUserFields,
    });
  const byUserOfFeature = reportQuery({ groupBy: ['user_id'], where: feature, ...month });
  const cases: Record<string, () => Promise<unknown>> = {
    'report --by user_id --where feature=coding-agent, last 30 days': () => printed(byUserOfFeature),
    // What the feature page asks for since issue 15 round 4: the report above with only the measures it reads.
    'the same --fields calls,cost_usd,revenue_usd,cost_per_active_user_month_usd': () => narrowed(byUserOfFeature),
    'report --by session_id --where feature=coding-agent, last 30 days': () => printed(reportQuery({ groupBy: ['session_id'], where: feature, ...month })),
    // What the feature page's scatter asks for since 2026-12-05 (top=3000): the full listing above is not under 1 s.
    'report --by session_id --where feature=coding-agent --top 3000, 30 days': () => printed(reportQuery({ groupBy: ['session_id'], where: feature, ...month, top: 3000 })),
    'report --by user_id, all days': () => printed(reportQuery({ groupBy: ['user_id'] })),
    'report --by user_id, all days, --fields (the page\'s four)': () => narrowed(reportQuery({ groupBy: ['user_id'] })),
    'users at a loss (userEconomics), last 30 days': () => store.userEconomics({ ...month, revenue: reportQuery({}).revenue }),
  };
  const reference = () => connection.runAndReadAll('SELECT user_id, count(*), sum(cost_total) FROM usage_events GROUP BY user_id');
  const timings: Record<string, PerUserTiming> = {};
  for (const [name, work] of Object.entries(cases)) {
    // The first run fills the per-user revenue cache for these months (as the first read after a refresh does).
    const started = performance.now();
    await work();
    options.log(`  ${name}: first run ${((performance.now() - started) / 1000).toFixed(2)} s`);
    await reference();
    const loadBefore = loadavg()[0]!;
    const seconds: number[] = [];
    const referenceSeconds: number[] = [];
    const cpu: number[] = [];
    const referenceCpu: number[] = [];
    for (let repetition = 0; repetition < options.repetitions; repetition += 1) {
      const referenceRun = await timeOf(reference);
      referenceSeconds.push(referenceRun.seconds);
      referenceCpu.push(referenceRun.cpuSeconds);
      const run = await timeOf(work);
      seconds.push(run.seconds);
      cpu.push(run.cpuSeconds);
    }
    const median = medianOf(seconds);
    const referenceMedian = medianOf(referenceSeconds);
    timings[name] = {
      seconds,
      median,
      referenceSeconds,
      referenceMedian,
      ratio: median / referenceMedian,
      cpuMedian: medianOf(cpu),
      referenceCpuMedian: medianOf(referenceCpu),
      load: [loadBefore, loadavg()[0]!],
    };
  }
  for (const [name, timing] of Object.entries(timings)) {
    options.log(
      `  ${name.padEnd(66)} median ${timing.median.toFixed(3)} s; plain GROUP BY ${timing.referenceMedian.toFixed(3)} s; ratio ${timing.ratio.toFixed(1)}×; ` +
        `CPU ${timing.cpuMedian.toFixed(3)} s against ${timing.referenceCpuMedian.toFixed(3)} s; load ${timing.load[0].toFixed(1)}→${timing.load[1].toFixed(1)}; ` +
        `target ${perUserTargetSeconds} s ${timing.median < perUserTargetSeconds ? 'met' : 'MISSED'}`,
    );
  }
  // The narrowed report is the full one cut to its fields: the same rows, in the same order, the same values.
  const cut = (row: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(['user_id', ...featurePageUserFields].map((name) => [name, row[name]]));
  const fullRows = (reportJson(await printed(byUserOfFeature)).rows as Array<Record<string, unknown>>).map(cut);
  const narrowedRows = (reportJson(await narrowed(byUserOfFeature)).rows as Array<Record<string, unknown>>).map(cut);
  const narrowedSame = isDeepStrictEqual(fullRows, narrowedRows);
  options.log(`  the narrowed report by user of a feature equals the full one cut to its fields (${narrowedRows.length} rows): ${narrowedSame ? 'yes' : 'NO'}`);
  if (!options.checkRawEvents) return { passed: narrowedSame, timings };
  // What the same report costs from the raw events (the path before the per-user summaries), and whether both agree.
  const events = createDuckdbReportReader(connection, { source: 'events' });
  const started = performance.now();
  const fromEvents = await events.report(byUserOfFeature);
  const rawEventsSeconds = (performance.now() - started) / 1000;
  const same = isDeepStrictEqual(await store.report(byUserOfFeature), fromEvents);
  options.log(`  the same report by user from the raw events: ${rawEventsSeconds.toFixed(2)} s; the summaries agree with it on every figure: ${same ? 'yes' : 'NO'}`);
  return { passed: same && narrowedSame, timings, rawEventsSeconds };
}

/** Wall seconds and process CPU seconds (user + system, every thread: DuckDB's work is on its own threads) of one run. */
async function timeOf(work: () => Promise<unknown>): Promise<{ seconds: number; cpuSeconds: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const used = process.cpuUsage(cpu);
  return { seconds: (performance.now() - started) / 1000, cpuSeconds: (used.user + used.system) / 1e6 };
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
