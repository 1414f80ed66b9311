import { compareNullable } from '../core/kpi/build-report.js';
import { emptyGroupAggregate, type GroupAggregate } from '../core/kpi/group-aggregate.js';
import { classifyModelTier, type ModelTierSettings } from '../core/kpi/model-tier.js';
import type { ReportSum } from '../core/kpi/report-fields.js';
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
import { count, exact, gatherUsage, type GroupSlices } from './report-usage-aggregates.js';
import {
  activeUsersSql,
  checkedDimension,
  dataWindowSql,
  eventExtras,
  revenueRowsSql,
  requestTypesSql,
  sumsWanted,
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
  /** Arrays of values, or typed arrays of numbers. */
  columns: Record<string, ArrayLike<unknown>>;
}

/**
 * A report's request for its top rows, as a backend may narrow its result to them: the `rows` costliest groups
 * (by cost, then calls) of each bucket's current slice, and for each of those groups its previous slice too.
 */
export interface TopRows {
  rows: number;
  buckets: ReadonlyArray<{ current: number; previous: number }>;
}

/** The values each group dimension takes among the groups a report keeps (its top rows), null for the untagged group. */
export type KeptGroupValues = ReadonlyArray<{ dimension: ReportDimension; values: ReadonlyArray<string | null> }>;

/** The measures of one scope (groups, filter, slices), as rows. */
export interface MeasureReader {
  /** Given `sums` (ReportQuery.sums), the other usage sums and tier mix may be left out of the result. */
  usage(tiers: readonly TierAssignment[], sums?: readonly ReportSum[]): Promise<ColumnRows>;
  /**
   * Optional, in place of usage, userMonths, tasks and (when it gives an active_users column) activeUsers: the
   * usage columns with active_user_month_units, tasks, successful_tasks and failed_tasks beside them, one row per
   * slice and group that any of them has, and optionally user_months_only (1 where the row has user-months alone). A backend whose groups are many (DuckDB's reports by user) reads one
   * result instead of four. Given `top`, it may return only the rows TopRows names (ties at the cut included),
   * with a column groups_with_calls: in each row of a current slice, how many groups called in that slice. Given
   * `sums`, the measures not among them may be left out (no column).
   */
  usageWithCounts?(tiers: readonly TierAssignment[], top?: TopRows, sums?: readonly ReportSum[]): Promise<ColumnRows>;
  /** Distinct users per slice and group, or 'one-per-user' when each group is one known user (no query needed). */
  activeUsers(): Promise<Row[] | 'one-per-user'>;
  userMonths(): Promise<Row[]>;
  tasks(): Promise<Row[]>;
  /** Revenue per slice and group; given `kept`, the rows of other groups may be left out. */
  planRevenue(revenue: RevenueSettings, kept?: KeptGroupValues): Promise<Row[]>;
  recordRevenue(revenue: RevenueSettings, kept?: KeptGroupValues): Promise<Row[]>;
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

// Shared with the backends' readers, which import them from here.
export { count, exact } from './report-usage-aggregates.js';

/** How long the KPI dashboard's period is, in days. */
export const kpiPeriodDays = { day: 1, week: 7, month: 30 } as const;

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
  const top = query.top === undefined ? undefined : { rows: checkedTop(query.top), buckets: periods.buckets.map((bucket) => ({ current: bucket.current.id, previous: bucket.previous.id })) };
  const { groups: grouped, groupsWithCalls } = await aggregateSlices(backend.measures(scopeOf(groupBy, where, periods), 'rows'), scopeOf(groupBy, where, periods), tiers, query.revenue, tracked, top, query.sums);
  const totalsScope = scopeOf([], where, totalsPeriods);
  // A narrowed report's totals sum what its rows do, and the unpriced calls and tokens every report states.
  const totalsSums = query.sums === undefined ? undefined : [...query.sums, ...unpricedSums];
  const { groups: totals } = await aggregateSlices(backend.measures(totalsScope, 'totals'), totalsScope, tiers, query.revenue, tracked, undefined, totalsSums);
  const rows: AggregateRow[] = [];
  for (const bucket of periods.buckets) {
    // One pair of day windows per bucket, shared by its rows (a report by user has 10⁵ rows of one bucket).
    const days = { from: bucket.current.from, to: bucket.current.to };
    const previousDays = { from: bucket.previous.from, to: bucket.previous.to };
    for (const group of grouped.values()) {
      const current = group.bySlice[bucket.current.id];
      if (!current || !hasActivity(current)) continue;
      const previous = group.bySlice[bucket.previous.id];
      rows.push({ keys: group.keys, bucket: days, previousBucket: previousDays, current, previous: previous && hasActivity(previous) ? previous : null });
    }
  }
  sortRows(rows, groupBy);
  // The top rows of each bucket: the first `top` of the bucket's rows in the report's order (rows are sorted by bucket first).
  const groupCount = top === undefined ? 0 : (groupsWithCalls ?? rows.reduce((calling, row) => calling + (row.current.calls > 0 ? 1 : 0), 0));
  if (top !== undefined) {
    let kept = 0;
    let inBucket = 0;
    for (let index = 0; index < rows.length; index += 1) {
      inBucket = index > 0 && rows[index]!.bucket.from === rows[index - 1]!.bucket.from ? inBucket + 1 : 0;
      if (inBucket < top.rows) rows[kept++] = rows[index]!;
    }
    rows.length = kept;
  }
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
      current: totalsGroup?.bySlice[totalsPeriods.buckets[0]!.current.id] ?? emptyGroupAggregate(),
      previous: totalsGroup?.bySlice[totalsPeriods.buckets[0]!.previous.id] ?? emptyGroupAggregate(),
    },
    requestTypes,
    revenueTracked: tracked,
    ...(top === undefined ? {} : { top: { rows: top.rows, groupCount } }),
  };
}

/** What a report says of its unpriced calls (Report.unpriced), read from its totals whatever its fields. */
const unpricedSums: readonly ReportSum[] = ['unpriced_calls', 'unpriced_input_tokens', 'unpriced_output_tokens'];

/** The number of top rows asked for: a whole number of at least 1 (checked where it is parsed; here against other callers). */
function checkedTop(rows: number): number {
  if (!Number.isSafeInteger(rows) || rows < 1) throw new Error(`a report's top must be a whole number of rows of at least 1, got ${rows}`);
  return rows;
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

/**
 * Runs every measure over the scope and gathers the results per group and slice. Given `top`, a backend may
 * hand back only the top groups' rows (see TopRows); `groupsWithCalls` is then the count of rows with calls
 * over every group, which the gathered groups no longer show. Given `sums`, the measures not among them are left
 * 0 and their queries are not run (revenue is always read when tracked: it makes rows of its own).
 */
async function aggregateSlices(
  measures: MeasureReader,
  scope: ReportSqlScope,
  tiers: readonly TierAssignment[],
  revenue: RevenueSettings,
  tracked: boolean,
  top?: TopRows,
  sums?: readonly ReportSum[],
): Promise<{ groups: Map<string | null, GroupSlices>; groupsWithCalls: number | null }> {
  // Keyed by the value itself when by one dimension (null for its untagged group), else by the values as JSON.
  const groups = new Map<string | null, GroupSlices>();
  const groupBy = scope.groupBy;
  const groupOf = (valueAt: (dimension: ReportDimension) => unknown): GroupSlices => {
    let groupKey: string | null;
    if (groupBy.length === 1) {
      groupKey = (valueAt(groupBy[0]!) as string | null | undefined) ?? null;
    } else {
      groupKey = JSON.stringify(groupBy.map((dimension) => (valueAt(dimension) as string | null | undefined) ?? null));
    }
    let group = groups.get(groupKey);
    if (!group) {
      const keys: Partial<Record<ReportDimension, string | null>> = {};
      for (const dimension of groupBy) keys[dimension] = (valueAt(dimension) as string | null | undefined) ?? null;
      group = { keys, bySlice: [] };
      groups.set(groupKey, group);
    }
    return group;
  };
  const aggregateFor = (row: Row): GroupAggregate => {
    // By one dimension the group is looked up by its value first (a revenue row per user and slice: 10⁵ of them).
    const group = (groupBy.length === 1 && groups.get((row[groupBy[0]!] as string | null | undefined) ?? null)) || groupOf((dimension) => row[dimension]);
    const sliceId = Number(row.slice_id);
    return (group.bySlice[sliceId] ??= idleAggregate(group, sliceId));
  };
  const idleAggregate = (group: GroupSlices, sliceId: number): GroupAggregate => {
    const aggregate = emptyGroupAggregate();
    aggregate.activeUserMonths = (group.idleUserMonthUnits?.[sliceId] ?? 0) / userMonthUnits;
    return aggregate;
  };

  // The usage sums, each row made one group's aggregate by gatherUsage.
  let combined = measures.usageWithCounts ? await measures.usageWithCounts(tiers, top, sums) : null;
  const callingGroups = top && combined ? topOnly(combined, top) : null;
  // A bucket with no more groups than asked for shows its revenue-only rows too, which a narrowed result misses: all rows then.
  if (top && combined?.columns.groups_with_calls && callingGroups === null) combined = await measures.usageWithCounts!(tiers, undefined, sums);
  const usage = combined ?? (await measures.usage(tiers, sums));
  const activeUsersColumn = combined?.columns.active_users;
  gatherUsage(usage, combined !== null, groupBy, groups, groupOf, sums);
  // A narrowed report (sums) runs only the queries of the measures it shows.
  const activeUsers = activeUsersColumn || !sumsWanted(sums, 'active_users') ? [] : await measures.activeUsers();
  if (activeUsers === 'one-per-user') {
    // A group of one user has one active user in every slice it called in, unless its user is unknown.
    for (const group of groups.values()) {
      if (group.keys.user_id === null) continue;
      for (const aggregate of group.bySlice) if (aggregate) aggregate.activeUsers = aggregate.calls > 0 ? 1 : 0;
    }
  } else {
    for (const row of activeUsers) aggregateFor(row).activeUsers = count(row.active_users);
  }
  for (const row of combined || !sumsWanted(sums, 'active_user_months') ? [] : await measures.userMonths()) aggregateFor(row).activeUserMonths = Number(row.active_user_month_units ?? 0) / userMonthUnits;
  for (const row of combined || !sumsWanted(sums, 'tasks') ? [] : await measures.tasks()) {
    const aggregate = aggregateFor(row);
    aggregate.tasks = count(row.tasks);
    aggregate.successfulTasks = count(row.successful_tasks);
    aggregate.failedTasks = count(row.failed_tasks);
  }
  if (tracked) {
    // Narrowed to the top groups, revenue of any other group is left out: each bucket has more groups that called
    // than it shows, so a group with revenue alone (no call, cost 0) would come after all of them.
    const kept = callingGroups === null ? undefined : keptValues(groups, groupBy);
    const revenueAggregate = (row: Row): GroupAggregate | undefined => {
      if (callingGroups === null) return aggregateFor(row);
      const group = groups.get(groupBy.length === 1 ? ((row[groupBy[0]!] as string | null | undefined) ?? null) : JSON.stringify(groupBy.map((dimension) => (row[dimension] as string | null | undefined) ?? null)));
      if (!group) return undefined;
      const sliceId = Number(row.slice_id);
      return (group.bySlice[sliceId] ??= idleAggregate(group, sliceId));
    };
    if (Object.keys(revenue.plans).length > 0) {
      for (const row of await measures.planRevenue(revenue, kept)) {
        const aggregate = revenueAggregate(row);
        if (aggregate) aggregate.planRevenuePicodollars = exact(row.plan_revenue);
      }
    }
    for (const row of await measures.recordRevenue(revenue, kept)) {
      const aggregate = revenueAggregate(row);
      if (aggregate) aggregate.recordRevenuePicodollars = exact(row.record_revenue);
    }
  }
  // Rows show only groups and slices with activity (calls, tasks or revenue), and those have their aggregate by now;
  // the totals show their one group's slices whatever they hold, so they get the idle ones too.
  if (scope.groupBy.length === 0) {
    for (const group of groups.values()) group.idleUserMonthUnits?.forEach((_, sliceId) => (group.bySlice[sliceId] ??= idleAggregate(group, sliceId)));
  }
  return { groups, groupsWithCalls: callingGroups };
}

/**
 * When a backend narrowed its result to the top groups (it gave groups_with_calls), the number of groups that
 * called over every bucket's current slice; null when it did not narrow, or when a bucket has no more groups
 * that called than asked for (then rows with revenue alone would be among its top, and need the whole result).
 */
function topOnly(result: ColumnRows, top: TopRows): number | null {
  const counts = result.columns.groups_with_calls;
  if (!counts) return null;
  const sliceIds = result.columns.slice_id!;
  const bySlice = new Map<number, number>();
  for (let index = 0; index < result.length; index += 1) bySlice.set(Number(sliceIds[index]), Number(counts[index] ?? 0));
  let total = 0;
  for (const bucket of top.buckets) {
    const calling = bySlice.get(bucket.current) ?? 0;
    if (calling <= top.rows) return null;
    total += calling;
  }
  return total;
}

/** The values each group dimension takes among the groups gathered. */
function keptValues(groups: Map<string | null, GroupSlices>, groupBy: readonly ReportDimension[]): KeptGroupValues {
  return groupBy.map((dimension) => ({ dimension, values: [...new Set([...groups.values()].map((group) => group.keys[dimension] ?? null))] }));
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

/**
 * By bucket, then by cost (highest first), calls, and keys. The cost is compared as a double first, taken once
 * per row: Number() keeps the order of bigints (it never reverses two), so only equal doubles need the exact
 * comparison, and a report by user sorts 10⁵ rows without a bigint comparison per step.
 */
function sortRows(rows: AggregateRow[], groupBy: readonly ReportDimension[]): void {
  // Row numbers sorted, the costs in a typed array beside them: no object per row.
  const costs = Float64Array.from(rows, (row) => Number(row.current.costPicodollars.total));
  const order = Array.from(rows, (_, index) => index);
  order.sort((left, right) => {
    const a = rows[left]!;
    const b = rows[right]!;
    if (a.bucket.from !== b.bucket.from) return a.bucket.from < b.bucket.from ? -1 : 1;
    if (costs[left] !== costs[right]) return costs[left]! < costs[right]! ? 1 : -1;
    return compareCost(b.current, a.current) || compareKeys(a.keys, b.keys, groupBy);
  });
  const sorted = order.map((index) => rows[index]!);
  sorted.forEach((row, index) => (rows[index] = row));
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
    usage: async (tiers, sums) => columnsOfRows(await run(usageSql(dialect, scope, tiers, sums))),
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
