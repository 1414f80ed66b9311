import { compareNullable } from '../core/kpi/build-report.js';
import { emptyGroupAggregate, type GroupAggregate } from '../core/kpi/group-aggregate.js';
import { classifyModelTier, modelTiers, type ModelTierSettings } from '../core/kpi/model-tier.js';
import { addDays, nextBucketStart, planReportPeriods, type DayWindow, type ReportPeriods } from '../core/kpi/report-periods.js';
import type { RevenueSettings } from '../core/kpi/revenue-settings.js';
import type {
  AggregateRow,
  KpiAggregates,
  KpiQuery,
  ReportAggregates,
  ReportDimension,
  ReportFilter,
  ReportQuery,
  RequestTypeSpend,
  UserEconomics,
  UserEconomicsQuery,
} from './report-reader.js';
import {
  activeUsersSql,
  checkedDimension,
  dataWindowSql,
  eventExtras,
  revenueRowsSql,
  requestTypesSql,
  tasksSql,
  tierCandidatesSql,
  usageSql,
  userCostSql,
  userMonthsSql,
  userMonthUnits,
  type ReportSqlScope,
  type TierAssignment,
} from './sql/report-queries.js';
import { eventMonthlyUsage, planRevenueByMonthSql, recordRevenueByMonthSql, spreadRevenueSql } from './sql/report-revenue-queries.js';
import type { ChainedSql } from './sql/relation-chain.js';
import type { SqlDialect } from './sql/sql-dialect.js';

/*
 * How a report, the KPI dashboard and the users-at-a-loss view are put together from a backend's measure
 * rows, the same for every backend: which slices and groups, which rows a report shows and in what order,
 * what the KPIs and the user list take from it. A backend hands over rows (ReportBackend); one that
 * answers from raw events needs only to run SQL (eventReportBackend).
 *
 * Row contract (what report-queries.ts and report-revenue-queries.ts return, and a backend's own tables
 * must too): slice_id and the group dimensions by name; counts as numbers, bigints or decimal text;
 * picodollars as bigints or exact decimal text (never a JSON number, which would round).
 */

/** A query result row. */
export type Row = Record<string, unknown>;

/** Sums and tier mix as columns by name: cheaper than row objects when a report by user has 10⁵ rows of ~40 sums. */
export interface ColumnRows {
  length: number;
  columns: Record<string, unknown[]>;
}

/** The measures of one scope (groups, filter, slices), as rows. */
export interface MeasureReader {
  usage(tiers: readonly TierAssignment[]): Promise<ColumnRows>;
  /** Distinct users per slice and group, or 'one-per-user' when each group is one known user (no query needed). */
  activeUsers(): Promise<Row[] | 'one-per-user'>;
  userMonths(): Promise<Row[]>;
  tasks(): Promise<Row[]>;
  planRevenue(revenue: RevenueSettings): Promise<Row[]>;
  recordRevenue(revenue: RevenueSettings): Promise<Row[]>;
  /** Request types over the scope's slices (the caller passes the window's only). */
  requestTypes(): Promise<Row[]>;
  /** (user_tier, user_id, calls, user_cost) over the scope's range. */
  userCost(): Promise<Row[]>;
}

/** What a backend gives the assembly. */
export interface ReportBackend {
  /** Runs one report (its every query) with whatever the backend needs around it (summaries refreshed, memory raised). */
  session<T>(run: () => Promise<T>): Promise<T>;
  dataWindow(): Promise<DayWindow | null>;
  revenueTracked(revenue: RevenueSettings): Promise<boolean>;
  tierCandidates(): Promise<Row[]>;
  /** The measures of a scope; `use` says which part of which view asks (a backend may read different tables for each). */
  measures(scope: ReportSqlScope, use: 'rows' | 'totals' | 'user-economics'): MeasureReader;
}

/** How long the KPI dashboard's period is, in days. */
export const kpiPeriodDays = { day: 1, week: 7, month: 30 } as const;

/** A count read from a store (a bigint, a number, decimal text or null) as a number. */
export function count(value: unknown): number {
  if (value === null || value === undefined) return 0;
  return Number(value);
}

/** An exact sum read from a store (a bigint, a safe number or decimal text) as a bigint; null is 0. */
export function exact(value: unknown): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'string') {
    if (!/^-?\d+$/.test(value)) throw new Error(`not an exact integer from the store: ${JSON.stringify(value.slice(0, 40))}`);
    return BigInt(value);
  }
  return BigInt(value as number);
}

export async function assembleKpis(backend: ReportBackend, query: KpiQuery): Promise<KpiAggregates> {
  return backend.session(async () => {
    const to = query.to ?? (await backend.dataWindow())?.to;
    if (to === undefined) {
      return { window: null, previousWindow: null, overall: { current: emptyGroupAggregate(), previous: emptyGroupAggregate() }, features: [], revenueTracked: await backend.revenueTracked(query.revenue) };
    }
    const report = await reportWithin(
      backend,
      { groupBy: ['feature'], period: null, from: addDays(to, -kpiPeriodDays[query.period]), to, where: query.where ?? [], revenue: query.revenue, tiers: query.tiers },
      true,
    );
    return {
      window: report.window,
      previousWindow: report.previousWindow,
      overall: report.totals,
      features: report.rows.map((row) => ({ feature: row.keys.feature ?? null, current: row.current, previous: row.previous })),
      revenueTracked: report.revenueTracked,
    };
  });
}

export async function assembleReport(backend: ReportBackend, query: ReportQuery): Promise<ReportAggregates> {
  return backend.session(() => reportWithin(backend, query, false));
}

async function reportWithin(backend: ReportBackend, query: ReportQuery, withoutRequestTypes: boolean): Promise<ReportAggregates> {
  const groupBy = [...new Set(query.groupBy.map(checkedDimension))];
  const where = query.where.map((filter) => ({ dimension: checkedDimension(filter.dimension), values: filter.values }));
  const tracked = await backend.revenueTracked(query.revenue);
  const stored = query.from === undefined || query.to === undefined ? await backend.dataWindow() : null;
  const from = query.from ?? stored?.from;
  const to = query.to ?? stored?.to;
  if (from === undefined || to === undefined) {
    return { window: null, previousWindow: null, rows: [], totals: { current: emptyGroupAggregate(), previous: emptyGroupAggregate() }, requestTypes: [], revenueTracked: tracked };
  }
  const tiers = await tierAssignments(backend, query.tiers);
  const periods = planReportPeriods({ from, to }, query.period);
  const totalsPeriods = planReportPeriods({ from, to }, null);
  const grouped = await aggregateSlices(backend.measures(scopeOf(groupBy, where, periods), 'rows'), scopeOf(groupBy, where, periods), tiers, query.revenue, tracked);
  const totalsScope = scopeOf([], where, totalsPeriods);
  const totals = await aggregateSlices(backend.measures(totalsScope, 'totals'), totalsScope, tiers, query.revenue, tracked);
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
  let requestTypes: RequestTypeSpend[] = [];
  if (!withoutRequestTypes) {
    const windowScope = { ...totalsScope, slices: totalsScope.slices.filter((slice) => slice.id === 0) };
    requestTypes = (await backend.measures(windowScope, 'totals').requestTypes()).map((row) => ({
      feature: (row.feature as string | null) ?? null,
      model: row.model as string,
      calls: count(row.calls),
      unpricedCalls: count(row.unpriced_calls),
      costPicodollars: exact(row.cost_total),
    }));
  }
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
 * The users of a window with their cost and attributed revenue: a report by (user_tier, user_id) computes
 * every measure for the window and the one before; this needs one grouping by user and the revenue
 * queries, given the report's own scope cut to the window's slice, so that revenue is attributed by the
 * very same SQL.
 */
export async function assembleUserEconomics(backend: ReportBackend, query: UserEconomicsQuery): Promise<UserEconomics[]> {
  return backend.session(async () => {
    const tracked = await backend.revenueTracked(query.revenue);
    const periods = planReportPeriods({ from: query.from, to: query.to }, null);
    const slice = periods.buckets[0]!.current;
    // Revenue is attributed month by month, each month on its own, so leaving out the previous window's months changes no figure.
    const monthParts = periods.monthParts.filter((part) => part.sliceId === slice.id);
    const months = monthParts.map((part) => part.month).sort();
    const scope: ReportSqlScope = {
      groupBy: ['user_tier', 'user_id'],
      where: [],
      slices: [slice],
      monthParts,
      range: { from: slice.from, to: slice.to },
      monthRange: { from: months[0]!, to: nextBucketStart(months.at(-1)!, 'month') },
    };
    const measures = backend.measures(scope, 'user-economics');
    const users = new Map<string, UserEconomics & { calls: number }>();
    const userOf = (row: Row): UserEconomics & { calls: number } => {
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
    for (const row of await measures.userCost()) {
      const user = userOf(row);
      user.calls = count(row.calls);
      user.costPicodollars = exact(row.user_cost);
    }
    if (tracked) {
      if (Object.keys(query.revenue.plans).length > 0) {
        for (const row of await measures.planRevenue(query.revenue)) userOf(row).planRevenuePicodollars = exact(row.plan_revenue);
      }
      for (const row of await measures.recordRevenue(query.revenue)) userOf(row).recordRevenuePicodollars = exact(row.record_revenue);
    }
    // The report's rows are the groups with activity; a task implies a call of its group in the window, so calls and revenue decide.
    return [...users.values()]
      .filter((user) => user.calls > 0 || user.planRevenuePicodollars !== 0n || user.recordRevenuePicodollars !== 0n)
      .map(({ calls: _calls, ...user }) => user)
      .sort((a, b) => compareNullable(a.userTier, b.userTier) || compareNullable(a.userId, b.userId));
  });
}

function scopeOf(groupBy: ReportDimension[], where: ReportFilter[], periods: ReportPeriods): ReportSqlScope {
  return { groupBy, where, slices: periods.slices, monthParts: periods.monthParts, range: periods.range, monthRange: periods.monthRange };
}

interface GroupSlices {
  keys: Partial<Record<ReportDimension, string | null>>;
  bySlice: Map<number, GroupAggregate>;
}

/** Runs every measure over the scope and gathers the results per group and slice. */
async function aggregateSlices(
  measures: MeasureReader,
  scope: ReportSqlScope,
  tiers: readonly TierAssignment[],
  revenue: RevenueSettings,
  tracked: boolean,
): Promise<Map<string, GroupSlices>> {
  const groups = new Map<string, GroupSlices>();
  const aggregateFor = (row: Row): GroupAggregate => {
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

  const usage = await measures.usage(tiers);
  const columns = usage.columns;
  const keyNames = ['slice_id', ...scope.groupBy];
  for (let index = 0; index < usage.length; index += 1) {
    const keys: Row = {};
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
  const activeUsers = await measures.activeUsers();
  if (activeUsers === 'one-per-user') {
    // A group of one user has one active user in every slice it called in, unless its user is unknown.
    for (const group of groups.values()) {
      if (group.keys.user_id === null) continue;
      for (const aggregate of group.bySlice.values()) aggregate.activeUsers = aggregate.calls > 0 ? 1 : 0;
    }
  } else {
    for (const row of activeUsers) aggregateFor(row).activeUsers = count(row.active_users);
  }
  // One row per slice and group, in exact units of a month (userMonthUnits): divided once, the same on every engine.
  for (const row of await measures.userMonths()) aggregateFor(row).activeUserMonths = Number(row.active_user_month_units ?? 0) / userMonthUnits;
  for (const row of await measures.tasks()) {
    const aggregate = aggregateFor(row);
    aggregate.tasks = count(row.tasks);
    aggregate.successfulTasks = count(row.successful_tasks);
    aggregate.failedTasks = count(row.failed_tasks);
  }
  if (tracked) {
    if (Object.keys(revenue.plans).length > 0) {
      for (const row of await measures.planRevenue(revenue)) aggregateFor(row).planRevenuePicodollars = exact(row.plan_revenue);
    }
    for (const row of await measures.recordRevenue(revenue)) aggregateFor(row).recordRevenuePicodollars = exact(row.record_revenue);
  }
  return groups;
}

async function tierAssignments(backend: ReportBackend, settings: ModelTierSettings): Promise<TierAssignment[]> {
  return (await backend.tierCandidates()).map((row) => ({
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

/** Runs SQL: all a backend that answers from raw events must provide. */
export interface SqlRunner {
  /** A query's rows. */
  rows(sql: string): Promise<Row[]>;
  /** A statement (a scratch table created or dropped). */
  run(sql: string): Promise<void>;
}

/** Runs a chained query: its scratch tables first, then the query, and drops them whatever happens. */
async function rowsOfChain(runner: SqlRunner, query: ChainedSql): Promise<Row[]> {
  try {
    for (const statement of query.setup) await runner.run(statement);
    return await runner.rows(query.sql);
  } finally {
    for (const statement of query.cleanup) await runner.run(statement);
  }
}

/** Rows as columns by name. */
export function columnsOfRows(rows: readonly Row[]): ColumnRows {
  const columns: Record<string, unknown[]> = {};
  for (const name of Object.keys(rows[0] ?? {})) columns[name] = rows.map((row) => row[name]);
  return { length: rows.length, columns };
}

/** Every measure of a scope from the raw events, through the shared queries in the dialect given. */
export function eventMeasures(dialect: SqlDialect, runner: SqlRunner, scope: ReportSqlScope): MeasureReader {
  const usage = eventMonthlyUsage(dialect, scope.monthRange, eventExtras(scope));
  const revenueScope = { groupBy: scope.groupBy, where: scope.where, months: scope.monthRange };
  const run = (sql: string): Promise<Row[]> => runner.rows(sql);
  const spread = (byMonth: ChainedSql, column: 'plan_revenue' | 'record_revenue'): Promise<Row[]> =>
    rowsOfChain(runner, { ...byMonth, sql: spreadRevenueSql(dialect, scope, byMonth.sql, column) });
  return {
    usage: async (tiers) => columnsOfRows(await run(usageSql(dialect, scope, tiers))),
    activeUsers: () => run(activeUsersSql(dialect, scope)),
    userMonths: () => run(userMonthsSql(dialect, scope)),
    tasks: () => run(tasksSql(dialect, scope)),
    planRevenue: (revenue) => spread(planRevenueByMonthSql(dialect, usage, revenueScope, revenue), 'plan_revenue'),
    recordRevenue: (revenue) => spread(recordRevenueByMonthSql(dialect, usage, revenueScope, revenue), 'record_revenue'),
    requestTypes: () => run(requestTypesSql(dialect, scope)),
    userCost: () => run(userCostSql(dialect, scope.range)),
  };
}

/** A backend that answers every report from its raw events, through the shared queries: all it supplies is a way to run SQL. */
export function eventReportBackend(dialect: SqlDialect, runner: SqlRunner): ReportBackend {
  const run = (sql: string): Promise<Row[]> => runner.rows(sql);
  return {
    session: (body) => body(),
    async dataWindow() {
      const row = (await run(dataWindowSql(dialect)))[0];
      if (!row || count(row.calls) === 0) return null;
      return { from: row.first_day as string, to: row.after_day as string };
    },
    async revenueTracked(revenue) {
      if (Object.keys(revenue.plans).length > 0) return true;
      return count((await run(revenueRowsSql(dialect)))[0]?.records) > 0;
    },
    tierCandidates: () => run(tierCandidatesSql(dialect)),
    measures: (scope) => eventMeasures(dialect, runner, scope),
  };
}
