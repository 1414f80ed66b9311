import { listValue, type DuckDBConnection } from '@duckdb/node-api';
import type { ReportSum } from '../../core/kpi/report-fields.js';
import { nextBucketStart, type DayWindow } from '../../core/kpi/report-periods.js';
import type { RevenueSettings } from '../../core/kpi/revenue-settings.js';
import { assembleKpis, assembleReport, assembleUserEconomics, count, type KeptGroupValues, type MeasureReader, type ReportBackend, type Row, type TopRows } from '../report-assembly.js';
import type { ReportDimension, ReportReader } from '../report-reader.js';
import { cachedRevenueQueries, cachedUserRevenueQueries } from './report-revenue-cache.js';
import { planRevenueQuery, recordRevenueQuery } from './report-revenue-sql.js';
import { columnsOf, measureColumnsOf, rowsOf, type BoundQuery } from './report-rows.js';
import {
  activeUsersQuery,
  checkedDimension,
  reportSource,
  requestTypesQuery,
  tasksQuery,
  tierCandidatesSql,
  usageQuery,
  userCostQuery,
  userMonthsQuery,
  userSummaryMeasuresQuery,
  userUsageCostNamesOf,
  type ReportScope,
  type ReportSource,
  type TierAssignment,
} from './report-sql.js';
import { refreshReportSummaries } from './report-summaries.js';
import { runSpendSeries } from './spend-series-reader.js';

export { kpiPeriodDays } from '../report-assembly.js';

/** Options for tests and benchmarks: force the raw-event path to check it against the summaries. */
export interface DuckdbReportReaderOptions {
  source?: ReportSource;
}

/**
 * Answers report and KPI queries from a DuckDB store, refreshing its summary tables first when events
 * changed. The report is put together by report-assembly.ts, as on every backend; DuckDB supplies each
 * measure from its summary tables (its fast paths) or, when told to, from the raw events through the
 * queries every backend shares.
 */
export function createDuckdbReportReader(connection: DuckDBConnection, options: DuckdbReportReaderOptions = {}): ReportReader {
  const backend = duckdbReportBackend(connection, options);
  return {
    report: (query) => assembleReport(backend, query),
    kpis: (query) => assembleKpis(backend, query),
    userEconomics: (query) => assembleUserEconomics(backend, query),
    spendSeries: (query) => runSpendSeries(connection, query),
  };
}

function duckdbReportBackend(connection: DuckDBConnection, options: DuckdbReportReaderOptions): ReportBackend {
  return {
    async session(run) {
      await refreshReportSummaries(connection);
      const restoreMemory = options.source === 'events' ? await raiseMemoryLimit(connection, rawEventsMemoryBytes) : async () => {};
      try {
        return await run();
      } finally {
        await restoreMemory();
      }
    },
    dataWindow: () => dataWindow(connection),
    revenueTracked: (revenue) => revenueTracked(connection, revenue),
    tierCandidates: () => rowsOf(connection, { sql: tierCandidatesSql, values: {} }),
    measures(sqlScope, use) {
      // A report by user or session reads the per-user summaries for its rows; its totals and request types
      // group by neither, so the per-day summaries give them (the same sums) unless the filter names a user or session.
      const source: ReportSource =
        use === 'user-economics'
          ? options.source === 'events'
            ? 'events'
            : 'user-summaries'
          : (options.source ?? reportSource(use === 'rows' ? sqlScope.groupBy : [], sqlScope.where));
      return duckdbMeasures(connection, { ...sqlScope, source });
    },
  };
}

/** Each measure of a scope from the source it names, through the summaries' revenue caches where they apply. */
function duckdbMeasures(connection: DuckDBConnection, scope: ReportScope): MeasureReader {
  let cache: Promise<{ plan: BoundQuery; records: BoundQuery } | null> | undefined;
  const cached = (revenue: RevenueSettings): Promise<{ plan: BoundQuery; records: BoundQuery } | null> => {
    cache ??=
      scope.source === 'summaries'
        ? cachedRevenueQueries(connection, scope, revenue)
        : scope.source === 'user-summaries'
          ? cachedUserRevenueQueries(connection, scope, revenue)
          : Promise.resolve(null);
    return cache;
  };
  return {
    // Read by column: a report by user or session has 10⁵ rows of ~40 sums, and objects of that many keys cost more
    // than the sums; its sums come as doubles into typed arrays (exact, see usageQuery).
    usage: (tiers, sums) =>
      scope.source === 'user-summaries'
        ? measureColumnsOf(connection, usageQuery(scope, tiers, { costsAsDoubles: true, sums }), { exactSums: userUsageCostNamesOf(sums) })
        : columnsOf(connection, usageQuery(scope, tiers, { sums })),
    // From the per-user summaries, usage, user-months, tasks and distinct users come in one result (see userSummaryMeasuresQuery).
    // Given top rows, narrowed to the top groups in SQL, before their ids are joined (see userSummaryMeasuresQuery).
    ...(scope.source === 'user-summaries'
      ? {
          usageWithCounts: (tiers: readonly TierAssignment[], top?: TopRows, sums?: readonly ReportSum[]) =>
            measureColumnsOf(connection, userSummaryMeasuresQuery(scope, tiers, top, sums), { exactSums: userUsageCostNamesOf(sums) }),
        }
      : {}),
    async activeUsers() {
      // A group of one user has one active user in every slice it called in: no query needed.
      if (scope.source === 'user-summaries' && scope.groupBy.includes('user_id')) return 'one-per-user';
      // Distinct users are OR-ed bitmaps, one per group and slice in memory at once: a report with many of
      // them runs in batches that keep those bitmaps to about 32 MB.
      const batch = scope.source === 'summaries' ? await bitmapBatchSize(connection, scope.groupBy) : Number.MAX_SAFE_INTEGER;
      const rows: Row[] = [];
      for (let index = 0; index < scope.slices.length; index += batch) {
        const slices = scope.slices.slice(index, index + batch);
        const range = { from: minOf(slices.map((slice) => slice.from)), to: maxOf(slices.map((slice) => slice.to)) };
        // One by one: spreading 10⁵ rows (a report by session) as arguments overflows the call stack.
        for (const row of await rowsOf(connection, activeUsersQuery({ ...scope, slices, range }))) rows.push(row);
      }
      return rows;
    },
    async userMonths() {
      const batch = scope.source === 'summaries' ? await bitmapBatchSize(connection, scope.groupBy) : Number.MAX_SAFE_INTEGER;
      const months = [...new Set(scope.monthParts.map((part) => part.month))].sort();
      const rows: Row[] = [];
      for (let index = 0; index < months.length; index += batch) {
        const batchMonths = months.slice(index, index + batch);
        const monthParts = scope.monthParts.filter((part) => batchMonths.includes(part.month));
        const monthRange = { from: batchMonths[0]!, to: nextBucketStart(batchMonths.at(-1)!, 'month') };
        // One by one: spreading 10⁵ rows (a report by session) as arguments overflows the call stack.
        for (const row of await rowsOf(connection, userMonthsQuery({ ...scope, monthParts, monthRange }))) rows.push(row);
      }
      return rows;
    },
    tasks: () => rowsOf(connection, tasksQuery(scope)),
    planRevenue: async (revenue, kept) => rowsOf(connection, ofKeptGroups((await cached(revenue))?.plan ?? planRevenueQuery(scope, revenue), kept)),
    recordRevenue: async (revenue, kept) => rowsOf(connection, ofKeptGroups((await cached(revenue))?.records ?? recordRevenueQuery(scope, revenue), kept)),
    requestTypes: () => rowsOf(connection, requestTypesQuery(scope)),
    userCost: () => rowsOf(connection, userCostQuery(scope.range, scope.source)),
  };
}

/**
 * A revenue query's rows of the kept groups only (each group dimension one of its kept values), or the query as
 * it is. A filter on the grouped columns, which DuckDB applies before it spreads each month over the slices.
 */
function ofKeptGroups(query: BoundQuery, kept: KeptGroupValues | undefined): BoundQuery {
  if (!kept || kept.length === 0) return query;
  const values = { ...query.values };
  const conditions = kept.map(({ dimension, values: kept }, index) => {
    const name = `kept_${index}`;
    const named = kept.filter((value): value is string => value !== null);
    const column = checkedDimension(dimension);
    // A semi join on the list's values (a hash join), not list_contains per row: at 3,000 kept sessions, 0.2 s against 1.1 s.
    const either: string[] = [];
    if (named.length > 0) {
      values[name] = listValue(named);
      either.push(`${column} IN (SELECT unnest($${name}::VARCHAR[]))`);
    }
    if (named.length < kept.length) either.push(`${column} IS NULL`);
    return `(${either.join(' OR ')})`;
  });
  return { sql: `SELECT * FROM (${query.sql}) AS revenue_rows WHERE ${conditions.join(' AND ')}`, values };
}

/** What a report from raw events may use: grouping every user-day with its sums does not fit the store's default. */
const rawEventsMemoryBytes = 2 ** 30;

/**
 * Raises DuckDB's memory limit to at least `bytes` for a report that groups raw events by user or session,
 * and returns what puts it back. The summaries answer every other report within the store's own limit.
 */
async function raiseMemoryLimit(connection: DuckDBConnection, bytes: number): Promise<() => Promise<void>> {
  const current = String((await rowsOf(connection, { sql: `SELECT current_setting('memory_limit') AS limit_text`, values: {} }))[0]!.limit_text);
  const match = /^([\d.]+)\s*([KMGT]?i?B)$/i.exec(current.trim());
  const units: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KIB: 2 ** 10, MIB: 2 ** 20, GIB: 2 ** 30, TIB: 2 ** 40 };
  const currentBytes = match ? Number(match[1]) * (units[match[2]!.toUpperCase()] ?? 1) : Number.POSITIVE_INFINITY;
  if (currentBytes >= bytes) return async () => {};
  await connection.run(`SET memory_limit = '${Math.ceil(bytes / 2 ** 20)}MiB'`);
  return async () => {
    await connection.run(`SET memory_limit = '${Math.floor(currentBytes / 2 ** 20)}MiB'`);
  };
}

/** How many slices (or months) one distinct-user query may take, from the bitmap width and the groups there can be. */
async function bitmapBatchSize(connection: DuckDBConnection, groupBy: readonly ReportDimension[]): Promise<number> {
  const groups = groupBy.length === 0 ? 'SELECT 1' : `SELECT DISTINCT ${groupBy.map((dimension) => checkedDimension(dimension)).join(', ')} FROM report_combos`;
  const row = (await rowsOf(connection, { sql: `SELECT (SELECT max(user_bits) FROM report_summary_state) AS bits, (SELECT count(*) FROM (${groups})) AS groups`, values: {} }))[0]!;
  const bitmapBytes = Math.max(1, count(row.bits) / 8);
  return Math.max(1, Math.floor((32 * 2 ** 20) / (bitmapBytes * Math.max(1, count(row.groups)))));
}

/** The first stored day and the day after the last, from the summaries. */
async function dataWindow(connection: DuckDBConnection): Promise<DayWindow | null> {
  const row = (await rowsOf(connection, { sql: 'SELECT strftime(min(day), \'%Y-%m-%d\') AS first, strftime(max(day) + 1, \'%Y-%m-%d\') AS after FROM report_daily', values: {} }))[0];
  if (!row || row.first === null) return null;
  return { from: row.first as string, to: row.after as string };
}

async function revenueTracked(connection: DuckDBConnection, revenue: RevenueSettings): Promise<boolean> {
  if (Object.keys(revenue.plans).length > 0) return true;
  const row = (await rowsOf(connection, { sql: 'SELECT count(*) AS n FROM (SELECT 1 FROM revenue LIMIT 1)', values: {} }))[0];
  return count(row?.n) > 0;
}

function minOf(days: string[]): string {
  return days.reduce((earliest, day) => (day < earliest ? day : earliest));
}

function maxOf(days: string[]): string {
  return days.reduce((latest, day) => (day > latest ? day : latest));
}
