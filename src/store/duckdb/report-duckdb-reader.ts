import type { DuckDBConnection } from '@duckdb/node-api';
import { compareNullable } from '../../core/kpi/build-report.js';
import { emptyGroupAggregate, type GroupAggregate } from '../../core/kpi/group-aggregate.js';
import { classifyModelTier, modelTiers, type ModelTierSettings } from '../../core/kpi/model-tier.js';
import { addDays, nextBucketStart, planReportPeriods, type DayWindow, type ReportPeriods } from '../../core/kpi/report-periods.js';
import type { RevenueSettings } from '../../core/kpi/revenue-settings.js';
import type {
  AggregateRow,
  KpiAggregates,
  KpiQuery,
  ReportAggregates,
  ReportDimension,
  ReportQuery,
  ReportReader,
  RequestTypeSpend,
  UserEconomics,
  UserEconomicsQuery,
} from '../report-reader.js';
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
  type ReportScope,
  type ReportSource,
  type TierAssignment,
} from './report-sql.js';
import { cachedRevenueQueries, cachedUserRevenueQueries } from './report-revenue-cache.js';
import { planRevenueQuery, recordRevenueQuery } from './report-revenue-sql.js';
import { columnsOf, count, exact, rowsOf } from './report-rows.js';
import { refreshReportSummaries } from './report-summaries.js';
import { runSpendSeries } from './spend-series-reader.js';

/** How long the KPI dashboard's period is, in days. */
export const kpiPeriodDays = { day: 1, week: 7, month: 30 } as const;

/** Options for tests and benchmarks: force the raw-event path to check it against the summaries. */
export interface DuckdbReportReaderOptions {
  source?: ReportSource;
}

/** Answers report and KPI queries from a DuckDB store, refreshing its summary tables first when events changed. */
export function createDuckdbReportReader(connection: DuckDBConnection, options: DuckdbReportReaderOptions = {}): ReportReader {
  return {
    report: (query) => runReport(connection, query, options),
    kpis: (query) => runKpis(connection, query, options),
    userEconomics: (query) => runUserEconomics(connection, query, options),
    spendSeries: (query) => runSpendSeries(connection, query),
  };
}

async function runKpis(connection: DuckDBConnection, query: KpiQuery, options: DuckdbReportReaderOptions): Promise<KpiAggregates> {
  await refreshReportSummaries(connection);
  const to = query.to ?? (await dataWindow(connection))?.to;
  if (to === undefined) {
    return { window: null, previousWindow: null, overall: { current: emptyGroupAggregate(), previous: emptyGroupAggregate() }, features: [], revenueTracked: await revenueTracked(connection, query.revenue) };
  }
  const report = await runReport(
    connection,
    { groupBy: ['feature'], period: null, from: addDays(to, -kpiPeriodDays[query.period]), to, where: query.where ?? [], revenue: query.revenue, tiers: query.tiers },
    { ...options, withoutRequestTypes: true },
  );
  return {
    window: report.window,
    previousWindow: report.previousWindow,
    overall: report.totals,
    features: report.rows.map((row) => ({ feature: row.keys.feature ?? null, current: row.current, previous: row.previous })),
    revenueTracked: report.revenueTracked,
  };
}

async function runReport(connection: DuckDBConnection, query: ReportQuery, options: DuckdbReportReaderOptions & { withoutRequestTypes?: boolean }): Promise<ReportAggregates> {
  const groupBy = [...new Set(query.groupBy.map(checkedDimension))];
  const where = query.where.map((filter) => ({ dimension: checkedDimension(filter.dimension), values: filter.values }));
  await refreshReportSummaries(connection);
  const tracked = await revenueTracked(connection, query.revenue);
  const stored = query.from === undefined || query.to === undefined ? await dataWindow(connection) : null;
  const from = query.from ?? stored?.from;
  const to = query.to ?? stored?.to;
  if (from === undefined || to === undefined) {
    return { window: null, previousWindow: null, rows: [], totals: { current: emptyGroupAggregate(), previous: emptyGroupAggregate() }, requestTypes: [], revenueTracked: tracked };
  }
  const source = options.source ?? reportSource(groupBy, where);
  // A report by user or session reads the raw events for its rows; its totals and request types group by
  // neither, so the summaries give them (the same sums) unless the filter names a user or session.
  const totalsSource = options.source ?? reportSource([], where);
  const tiers = await tierAssignments(connection, query.tiers);
  const periods = planReportPeriods({ from, to }, query.period);
  const totalsPeriods = planReportPeriods({ from, to }, null);

  const restoreMemory = source === 'events' || totalsSource === 'events' ? await raiseMemoryLimit(connection, rawEventsMemoryBytes) : async () => {};
  let grouped: Map<string, GroupSlices>;
  let totals: Map<string, GroupSlices>;
  try {
    grouped = await aggregateSlices(connection, scopeOf(source, groupBy, where, periods), tiers, query.revenue, tracked);
    totals = await aggregateSlices(connection, scopeOf(totalsSource, [], where, totalsPeriods), tiers, query.revenue, tracked);
  } finally {
    await restoreMemory();
  }
  const rows: AggregateRow[] = [];
  for (const bucket of periods.buckets) {
    for (const group of grouped.values()) {
      const current = group.bySlice.get(bucket.current.id);
      if (!current || !hasActivity(current)) continue;
      const previous = group.bySlice.get(bucket.previous.id);
      rows.push({
        keys: group.keys,
        bucket: { from: bucket.current.from, to: bucket.current.to },
        previousBucket: { from: bucket.previous.from, to: bucket.previous.to },
        current,
        previous: previous && hasActivity(previous) ? previous : null,
      });
    }
  }
  rows.sort((a, b) => (a.bucket.from === b.bucket.from ? compareCost(b.current, a.current) || compareKeys(a.keys, b.keys, groupBy) : a.bucket.from < b.bucket.from ? -1 : 1));
  const totalsGroup = totals.get('[]');
  const requestTypes = options.withoutRequestTypes ? [] : await readRequestTypes(connection, scopeOf(totalsSource, [], where, totalsPeriods));
  return {
    window: periods.window,
    previousWindow: periods.previousWindow,
    rows,
    totals: {
      current: totalsGroup?.bySlice.get(totalsPeriods.buckets[0]!.current.id) ?? emptyGroupAggregate(),
      previous: totalsGroup?.bySlice.get(totalsPeriods.buckets[0]!.previous.id) ?? emptyGroupAggregate(),
    },
    requestTypes,
    revenueTracked: tracked,
  };
}

/**
 * A report by (user_tier, user_id) computes every measure (usage, distinct users, user-months, tasks) for
 * the window and the one before. Cost and revenue of the window need one grouping of the per-user
 * summaries (or, forced, of the events) and the revenue queries, given the report's own scope cut to the
 * window's slice, so that revenue is attributed by the very same SQL.
 */
async function runUserEconomics(connection: DuckDBConnection, query: UserEconomicsQuery, options: DuckdbReportReaderOptions): Promise<UserEconomics[]> {
  const source: ReportSource = options.source === 'events' ? 'events' : 'user-summaries';
  if (source !== 'events') await refreshReportSummaries(connection);
  const tracked = await revenueTracked(connection, query.revenue);
  const periods = planReportPeriods({ from: query.from, to: query.to }, null);
  const slice = periods.buckets[0]!.current;
  // Revenue is attributed month by month, each month on its own, so leaving out the previous window's months changes no figure.
  const monthParts = periods.monthParts.filter((part) => part.sliceId === slice.id);
  const months = monthParts.map((part) => part.month).sort();
  const scope: ReportScope = {
    source,
    groupBy: ['user_tier', 'user_id'],
    where: [],
    slices: [slice],
    monthParts,
    range: { from: slice.from, to: slice.to },
    monthRange: { from: months[0]!, to: nextBucketStart(months.at(-1)!, 'month') },
  };
  const users = new Map<string, UserEconomics & { calls: number }>();
  const userOf = (row: Record<string, unknown>): UserEconomics & { calls: number } => {
    const userTier = (row.user_tier as string | null) ?? null;
    const userId = (row.user_id as string | null) ?? null;
    const key = JSON.stringify([userTier, userId]);
    let user = users.get(key);
    if (!user) {
      user = { userTier, userId, calls: 0, costPicodollars: 0n, planRevenuePicodollars: 0n, recordRevenuePicodollars: 0n };
      users.set(key, user);
    }
    return user;
  };
  const restoreMemory = source === 'events' ? await raiseMemoryLimit(connection, rawEventsMemoryBytes) : async () => {};
  try {
    for (const row of await rowsOf(connection, userCostQuery(scope.range, source))) {
      const user = userOf(row);
      user.calls = count(row.calls);
      user.costPicodollars = exact(row.cost_total);
    }
    if (tracked) {
      // The report by (user_tier, user_id) reads the per-user revenue cache, and so does this: the same attributed figures.
      const cached = source === 'user-summaries' ? await cachedUserRevenueQueries(connection, scope, query.revenue) : null;
      if (Object.keys(query.revenue.plans).length > 0) {
        for (const row of await rowsOf(connection, cached?.plan ?? planRevenueQuery(scope, query.revenue))) userOf(row).planRevenuePicodollars = exact(row.plan_revenue);
      }
      for (const row of await rowsOf(connection, cached?.records ?? recordRevenueQuery(scope, query.revenue))) userOf(row).recordRevenuePicodollars = exact(row.record_revenue);
    }
  } finally {
    await restoreMemory();
  }
  // The report's rows are the groups with activity; a task implies a call of its group in the window, so calls and revenue decide.
  return [...users.values()]
    .filter((user) => user.calls > 0 || user.planRevenuePicodollars !== 0n || user.recordRevenuePicodollars !== 0n)
    .map(({ calls: _calls, ...user }) => user)
    .sort((a, b) => compareNullable(a.userTier, b.userTier) || compareNullable(a.userId, b.userId));
}

function scopeOf(source: ReportSource, groupBy: ReportDimension[], where: ReportQuery['where'], periods: ReportPeriods): ReportScope {
  return { source, groupBy, where, slices: periods.slices, monthParts: periods.monthParts, range: periods.range, monthRange: periods.monthRange };
}

interface GroupSlices {
  keys: Partial<Record<ReportDimension, string | null>>;
  bySlice: Map<number, GroupAggregate>;
}

/** Runs every measure's query over the scope and gathers the results per group and slice. */
async function aggregateSlices(
  connection: DuckDBConnection,
  scope: ReportScope,
  tiers: readonly TierAssignment[],
  revenue: RevenueSettings,
  tracked: boolean,
): Promise<Map<string, GroupSlices>> {
  const groups = new Map<string, GroupSlices>();
  const aggregateFor = (row: Record<string, unknown>): GroupAggregate => {
    const keys: Partial<Record<ReportDimension, string | null>> = {};
    for (const dimension of scope.groupBy) keys[dimension] = (row[dimension] as string | null) ?? null;
    // One dimension (a report by user or session: 10⁵ groups, each met once per measure) keys by its value alone.
    const single = scope.groupBy.length === 1 ? keys[scope.groupBy[0]!] : undefined;
    const groupKey = single === undefined ? JSON.stringify(scope.groupBy.map((dimension) => keys[dimension])) : single === null ? '\u0000' : `=${single}`;
    let group = groups.get(groupKey);
    if (!group) {
      group = { keys, bySlice: new Map() };
      groups.set(groupKey, group);
    }
    const sliceId = Number(row.slice_id);
    let aggregate = group.bySlice.get(sliceId);
    if (!aggregate) {
      aggregate = emptyGroupAggregate();
      group.bySlice.set(sliceId, aggregate);
    }
    return aggregate;
  };

  // Read by column: a report by user or session has 10⁵ rows of ~40 sums, and objects of that many keys cost more than the sums.
  const usage = await columnsOf(connection, usageQuery(scope, tiers));
  const columns = usage.columns;
  const keyNames = ['slice_id', ...scope.groupBy];
  for (let index = 0; index < usage.length; index += 1) {
    const keys: Record<string, unknown> = {};
    for (const name of keyNames) keys[name] = columns[name]![index];
    const aggregate = aggregateFor(keys);
    aggregate.calls = count(columns.calls![index]);
    aggregate.pricedCalls = count(columns.priced_calls![index]);
    aggregate.unpricedCalls = count(columns.unpriced_calls![index]);
    aggregate.failedCalls = count(columns.failed_calls![index]);
    aggregate.tokens = {
      input: count(columns.input_tokens![index]),
      cacheRead: count(columns.cache_read_tokens![index]),
      cacheWrite5m: count(columns.cache_write_5m_tokens![index]),
      cacheWrite1h: count(columns.cache_write_1h_tokens![index]),
      output: count(columns.output_tokens![index]),
      reasoning: count(columns.reasoning_tokens![index]),
      inputAudio: count(columns.input_audio_tokens![index]),
      outputAudio: count(columns.output_audio_tokens![index]),
    };
    aggregate.unpricedInputTokens = count(columns.unpriced_input_tokens![index]);
    aggregate.unpricedOutputTokens = count(columns.unpriced_output_tokens![index]);
    aggregate.costPicodollars = {
      input: exact(columns.cost_input![index]),
      cacheRead: exact(columns.cost_cache_read![index]),
      cacheWrite5m: exact(columns.cost_cache_write_5m![index]),
      cacheWrite1h: exact(columns.cost_cache_write_1h![index]),
      output: exact(columns.cost_output![index]),
      reasoning: exact(columns.cost_reasoning![index]),
      audio: exact(columns.cost_audio![index]),
      request: exact(columns.cost_request![index]),
      total: exact(columns.cost_total![index]),
    };
    aggregate.responseCacheHits = count(columns.response_cache_hits![index]);
    aggregate.responseCacheLookups = count(columns.response_cache_lookups![index]);
    for (const tier of modelTiers) {
      aggregate.tierCalls[tier] = count(columns[`tier_${tier}_calls`]![index]);
      aggregate.tierCostPicodollars[tier] = exact(columns[`tier_${tier}_cost`]![index]);
    }
  }
  // Distinct users are OR-ed bitmaps, one per group and slice (or month) in memory at once: a report with many
  // of them runs in batches that keep those bitmaps to about 32 MB.
  const batch = scope.source === 'summaries' ? await bitmapBatchSize(connection, scope.groupBy) : Number.MAX_SAFE_INTEGER;
  // A group of one user has one active user in every slice it called in, unless its user is unknown: no query needed.
  const onePerUser = scope.source === 'user-summaries' && scope.groupBy.includes('user_id');
  if (onePerUser) {
    for (const group of groups.values()) {
      if (group.keys.user_id === null) continue;
      for (const aggregate of group.bySlice.values()) aggregate.activeUsers = aggregate.calls > 0 ? 1 : 0;
    }
  }
  for (let index = 0; index < scope.slices.length && !onePerUser; index += batch) {
    const slices = scope.slices.slice(index, index + batch);
    const range = { from: minOf(slices.map((slice) => slice.from)), to: maxOf(slices.map((slice) => slice.to)) };
    for (const row of await rowsOf(connection, activeUsersQuery({ ...scope, slices, range }))) aggregateFor(row).activeUsers = count(row.active_users);
  }
  const months = [...new Set(scope.monthParts.map((part) => part.month))].sort();
  for (let index = 0; index < months.length; index += batch) {
    const batchMonths = months.slice(index, index + batch);
    const monthParts = scope.monthParts.filter((part) => batchMonths.includes(part.month));
    const monthRange = { from: batchMonths[0]!, to: nextBucketStart(batchMonths.at(-1)!, 'month') };
    for (const row of await rowsOf(connection, userMonthsQuery({ ...scope, monthParts, monthRange }))) {
      aggregateFor(row).activeUserMonths += Number(row.active_user_months ?? 0);
    }
  }
  for (const row of await rowsOf(connection, tasksQuery(scope))) {
    const aggregate = aggregateFor(row);
    aggregate.tasks = count(row.tasks);
    aggregate.successfulTasks = count(row.successful_tasks);
    aggregate.failedTasks = count(row.failed_tasks);
  }
  if (tracked) {
    const cached =
      scope.source === 'summaries'
        ? await cachedRevenueQueries(connection, scope, revenue)
        : scope.source === 'user-summaries'
          ? await cachedUserRevenueQueries(connection, scope, revenue)
          : null;
    if (Object.keys(revenue.plans).length > 0) {
      for (const row of await rowsOf(connection, cached?.plan ?? planRevenueQuery(scope, revenue))) aggregateFor(row).planRevenuePicodollars = exact(row.plan_revenue);
    }
    for (const row of await rowsOf(connection, cached?.records ?? recordRevenueQuery(scope, revenue))) aggregateFor(row).recordRevenuePicodollars = exact(row.record_revenue);
  }
  return groups;
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

async function readRequestTypes(connection: DuckDBConnection, scope: ReportScope): Promise<RequestTypeSpend[]> {
  const current = { ...scope, slices: scope.slices.filter((slice) => slice.id === 0) };
  return (await rowsOf(connection, requestTypesQuery(current))).map((row) => ({
    feature: (row.feature as string | null) ?? null,
    model: row.model as string,
    calls: count(row.calls),
    unpricedCalls: count(row.unpriced_calls),
    costPicodollars: exact(row.cost_total),
  }));
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

async function tierAssignments(connection: DuckDBConnection, settings: ModelTierSettings): Promise<TierAssignment[]> {
  return (await rowsOf(connection, { sql: tierCandidatesSql, values: {} })).map((row) => ({
    model: row.model as string,
    provider: (row.provider as string | null) ?? null,
    priceId: (row.price_id as string | null) ?? null,
    tier: classifyModelTier(
      {
        model: row.model as string,
        provider: (row.provider as string | null) ?? null,
        pricedModel: (row.priced_model as string | null) ?? null,
        pricedProvider: (row.priced_provider as string | null) ?? null,
        inputRate: row.input_rate === null || row.input_rate === undefined ? null : Number(row.input_rate),
        outputRate: row.output_rate === null || row.output_rate === undefined ? null : Number(row.output_rate),
      },
      settings,
    ),
  }));
}


function hasActivity(aggregate: GroupAggregate): boolean {
  return aggregate.calls > 0 || aggregate.tasks > 0 || aggregate.planRevenuePicodollars !== 0n || aggregate.recordRevenuePicodollars !== 0n;
}

function compareCost(a: GroupAggregate, b: GroupAggregate): number {
  return a.costPicodollars.total === b.costPicodollars.total ? a.calls - b.calls : a.costPicodollars.total > b.costPicodollars.total ? 1 : -1;
}

function compareKeys(a: AggregateRow['keys'], b: AggregateRow['keys'], groupBy: readonly ReportDimension[]): number {
  for (const dimension of groupBy) {
    const left = a[dimension] ?? '';
    const right = b[dimension] ?? '';
    if (left !== right) return left < right ? -1 : 1;
  }
  return 0;
}

function minOf(days: string[]): string {
  return days.reduce((earliest, day) => (day < earliest ? day : earliest));
}

function maxOf(days: string[]): string {
  return days.reduce((latest, day) => (day > latest ? day : latest));
}


