import type { DayWindow } from '../../core/kpi/report-periods.js';
import type { ReportDimension, ReportFilter } from '../../core/kpi/report-aggregates.js';
import type { ReportSum } from '../../core/kpi/report-fields.js';
import { addMonthlyUsageRelation, type MonthlyUsage } from './report-revenue-queries.js';
import {
  checkedDimension,
  comboDimensions,
  eventDimension,
  eventSums,
  groupKeys,
  lastOutcomesSql,
  monthPartsRelation,
  namedFilter,
  renamedGroups,
  taskFirstOrder,
  summedColumns,
  usageOfGroupedSql,
  usageSumColumns,
  userMonthUnits,
  type EventDimension,
  type ReportSqlScope,
  type TierAssignment,
} from './report-queries.js';
import type { SqlDialect } from './sql-dialect.js';

/*
 * What a report asks of per-day summaries of the events, written once for every SQL backend: how each
 * summary is filled from the events of some days, and the usage sums, distinct users, user-months, tasks,
 * request types, tier candidates, data window and the month-by-user usage of revenue attribution read from
 * them. Each answers with the columns and figures of the raw-event query of the same name in
 * report-queries.ts / report-revenue-queries.ts (the equivalence tests hold them to it); a backend keeps
 * only how the summaries are stored and swapped in (src/store/clickhouse/clickhouse-report-summaries.ts).
 *
 * The summaries, every one keyed by day (or month) and the combo dimensions (comboDimensions, read as
 * eventDimension reads them), so that a report groups and filters by any of feature, team, user_tier, model,
 * provider and environment over any days. ClickHouse keeps them (a report by user or session, which needs
 * the user or session in the key, reads the events); DuckDB keeps its own (src/store/duckdb/report-summary-tables.ts).
 * - report_daily: the usage sums of the day's calls (usageSumColumns).
 * - report_user_daily: per user too, calls, requests (calls that did not fail) and cost.
 * - report_user_monthly: report_user_daily summed per month, with each user's last day of the month in the
 *   combo (what revenue is attributed by: eventMonthlyUsage's relation) and the days of the month the user was
 *   active in it as bits (active_days: bit n for day n + 1), so that distinct users over any days and groups
 *   are an exact count(DISTINCT user_id) over ~10⁵ user-months rather than millions of user-days.
 * - report_task_firsts: each task's first call of the day (taskFirstOrder); its first call of all is the least
 *   of its days' by the same order.
 * - report_tasks: each task with the day and combo of its first call of all and how it ended (its last outcome).
 * - report_task_daily: report_tasks counted per day and combo.
 * Every row carries `refreshed_at`, the refresh that wrote it, in seconds.
 */

/** The summary tables, by role. */
export const summaryTables = {
  daily: 'report_daily',
  userDaily: 'report_user_daily',
  userMonthly: 'report_user_monthly',
  taskFirsts: 'report_task_firsts',
  tasks: 'report_tasks',
  taskDaily: 'report_task_daily',
} as const;

/** A SELECT that fills a summary, with the summary's columns in its order. */
export interface SummaryFill {
  columns: string[];
  sql: string;
}

/** Only the events of the days listed (alias e). */
function eventsOfListedDays(d: SqlDialect, e: string, days: readonly string[]): string {
  if (days.length === 0) throw new Error('a summary fill needs at least one day');
  return `${d.eventDate(e)} IN (${days.map((day) => d.date(day)).join(', ')})`;
}

const stampOf = (d: SqlDialect, refreshedAt: number): string => d.narrow(String(Math.trunc(refreshedAt)));

/** report_daily's rows for the days given: usage sums per day and combo (a count over no rows, null on ClickHouse, as 0; picodollar sums are never null). */
export function dailyFillSql(d: SqlDialect, days: readonly string[], refreshedAt: number): SummaryFill {
  const sums = eventSums(d, 'e');
  const inner = `SELECT ${d.eventDate('e')} AS k_day${comboDimensions.map((dimension) => `, ${eventDimension(dimension, 'e')} AS k_${dimension}`).join('')},
      ${usageSumColumns.map((column) => `${column.startsWith('cost_') ? sums[column] : `coalesce(${sums[column]}, 0)`} AS s_${column}`).join(', ')}
    FROM ${d.table('usage_events', 'e')}
    WHERE ${eventsOfListedDays(d, 'e', days)}
    GROUP BY k_day${comboDimensions.map((dimension) => `, k_${dimension}`).join('')}`;
  const columns = ['day', ...comboDimensions, ...usageSumColumns, 'refreshed_at'];
  return {
    columns,
    sql: `SELECT x.k_day AS day${comboDimensions.map((dimension) => `, x.k_${dimension} AS ${dimension}`).join('')}, ${usageSumColumns.map((column) => `x.s_${column} AS ${column}`).join(', ')}, ${stampOf(d, refreshedAt)} AS refreshed_at
      FROM (${inner}) AS x`,
  };
}

/** report_user_daily's rows for the days given: calls, requests and cost per day, combo and user (calls without a user are left out). */
export function userDailyFillSql(d: SqlDialect, days: readonly string[], refreshedAt: number): SummaryFill {
  const inner = `SELECT ${d.eventDate('e')} AS k_day${comboDimensions.map((dimension) => `, ${eventDimension(dimension, 'e')} AS k_${dimension}`).join('')}, coalesce(e.user_id, '') AS k_user,
      count(*) AS s_calls, ${d.countIf("e.status = 'ok'")} AS s_requests, sum(${d.wide('coalesce(e.cost_total, 0)')}) AS s_cost
    FROM ${d.table('usage_events', 'e')}
    WHERE e.user_id IS NOT NULL AND ${eventsOfListedDays(d, 'e', days)}
    GROUP BY k_day${comboDimensions.map((dimension) => `, k_${dimension}`).join('')}, k_user`;
  return {
    columns: ['day', ...comboDimensions, 'user_id', 'calls', 'requests', 'cost', 'refreshed_at'],
    sql: `SELECT x.k_day AS day${comboDimensions.map((dimension) => `, x.k_${dimension} AS ${dimension}`).join('')}, x.k_user AS user_id, x.s_calls AS calls, x.s_requests AS requests, x.s_cost AS cost, ${stampOf(d, refreshedAt)} AS refreshed_at
      FROM (${inner}) AS x`,
  };
}

/** report_user_monthly's rows for the months given (their first days) from report_user_daily's rows in `source`. */
export function userMonthlyFillSql(d: SqlDialect, source: string, months: readonly string[], refreshedAt: number): SummaryFill {
  if (months.length === 0) throw new Error('a summary fill needs at least one month');
  const inner = `SELECT ${d.monthStart('u.day')} AS k_month${comboDimensions.map((dimension) => `, u.${dimension} AS k_${dimension}`).join('')}, u.user_id AS k_user,
      sum(u.calls) AS s_calls, sum(u.requests) AS s_requests, sum(u.cost) AS s_cost, max(u.day) AS s_last_day, sum(${d.dayOfMonthBit('u.day')}) AS s_active_days
    FROM ${source} AS u
    WHERE ${d.monthStart('u.day')} IN (${months.map((month) => d.date(month)).join(', ')})
    GROUP BY k_month${comboDimensions.map((dimension) => `, k_${dimension}`).join('')}, k_user`;
  return {
    columns: ['month', ...comboDimensions, 'user_id', 'calls', 'requests', 'cost', 'last_day', 'active_days', 'refreshed_at'],
    sql: `SELECT x.k_month AS month${comboDimensions.map((dimension) => `, x.k_${dimension} AS ${dimension}`).join('')}, x.k_user AS user_id, x.s_calls AS calls, x.s_requests AS requests, x.s_cost AS cost, x.s_last_day AS last_day, x.s_active_days AS active_days, ${stampOf(d, refreshedAt)} AS refreshed_at
      FROM (${inner}) AS x`,
  };
}

/** report_task_firsts' rows for the days given: each task's first call of the day, with what orders it. */
export function taskFirstsFillSql(d: SqlDialect, days: readonly string[], refreshedAt: number): SummaryFill {
  const order = taskFirstOrder(d, 'e');
  const keyed: Array<[string, string]> = [
    ...comboDimensions.map((dimension): [string, string] => [dimension, eventDimension(dimension, 'e')]),
    ['user_id', 'e.user_id'],
    ['session_id', 'e.session_id'],
  ];
  const inner = `SELECT ${d.eventDate('e')} AS k_day, coalesce(e.task_id, '') AS k_task, min(${d.eventUs('e')}) AS s_first_us${keyed.map(([name, expression]) => `, ${d.argMinBy(expression, order)} AS s_${name}`).join('')}
    FROM ${d.table('usage_events', 'e')}
    WHERE e.task_id IS NOT NULL AND ${eventsOfListedDays(d, 'e', days)}
    GROUP BY k_day, k_task`;
  return {
    columns: ['day', 'task_id', 'first_us', ...keyed.map(([name]) => name), 'refreshed_at'],
    sql: `SELECT x.k_day AS day, x.k_task AS task_id, x.s_first_us AS first_us${keyed.map(([name]) => `, x.s_${name} AS ${name}`).join('')}, ${stampOf(d, refreshedAt)} AS refreshed_at FROM (${inner}) AS x`,
  };
}

/** Which tasks a fill of report_tasks' rows takes: one of `count` parts by a hash of the id, and only those of `among` (a relation of task_id) when given. */
export interface TaskSelection {
  part?: { index: number; count: number };
  among?: string;
}

/**
 * report_tasks' rows from report_task_firsts' rows in `source`: each task selected with the day and combo of
 * its first call of all and how it ended (as tasksSql counts it: its last outcome, a success winning a tie).
 * A task's candidates are of different days, so the earliest instant alone picks among them
 * (taskFirstOrder's other keys settled ties within a day). The rows of every part are the rows of the whole,
 * so a backend may fill in parts to bound memory, and the rows of some tasks replace just those tasks' rows.
 */
export function taskRowsFillSql(d: SqlDialect, source: string, refreshedAt: number, selection: TaskSelection = {}): SummaryFill {
  const order = ['c.first_us'];
  const selected = (column: string): string =>
    [
      selection.part && selection.part.count > 1 ? `${d.md5Bits32(column)} % ${selection.part.count} = ${selection.part.index}` : '1 = 1',
      selection.among === undefined ? '1 = 1' : `${column} IN (SELECT task_id FROM ${selection.among})`,
    ].join(' AND ');
  const firsts = `SELECT c.task_id AS k_task, ${d.argMinBy('c.day', order)} AS k_day${comboDimensions.map((dimension) => `, ${d.argMinBy(`c.${dimension}`, order)} AS k_${dimension}`).join('')}
    FROM ${source} AS c
    WHERE ${selected('c.task_id')}
    GROUP BY c.task_id`;
  const outcomes = lastOutcomesSql(d, selected('o.task_id'));
  return {
    columns: ['task_id', 'day', ...comboDimensions, 'successful', 'failed', 'refreshed_at'],
    sql: `SELECT t.k_task AS task_id, t.k_day AS day${comboDimensions.map((dimension) => `, t.k_${dimension} AS ${dimension}`).join('')},
        CASE WHEN o.o_found = 1 AND o.o_last % 2 = 1 THEN 1 ELSE 0 END AS successful, CASE WHEN o.o_found = 1 AND o.o_last % 2 = 0 THEN 1 ELSE 0 END AS failed, ${stampOf(d, refreshedAt)} AS refreshed_at
      FROM (${firsts}) AS t ${d.join('left')} (${outcomes}) AS o ON t.k_task = o.o_task`,
  };
}

/** report_task_daily's rows from report_tasks' rows in `source`: tasks per day and combo of their first call, with how they ended. */
export function taskDailyFillSql(d: SqlDialect, source: string, refreshedAt: number): SummaryFill {
  const inner = `SELECT t.day AS g_day${comboDimensions.map((dimension) => `, t.${dimension} AS g_${dimension}`).join('')}, count(*) AS s_tasks, sum(t.successful) AS s_successful, sum(t.failed) AS s_failed
    FROM ${source} AS t
    GROUP BY g_day${comboDimensions.map((dimension) => `, g_${dimension}`).join('')}`;
  return {
    columns: ['day', ...comboDimensions, 'tasks', 'successful_tasks', 'failed_tasks', 'refreshed_at'],
    sql: `SELECT x.g_day AS day${comboDimensions.map((dimension) => `, x.g_${dimension} AS ${dimension}`).join('')}, x.s_tasks AS tasks, x.s_successful AS successful_tasks, x.s_failed AS failed_tasks, ${stampOf(d, refreshedAt)} AS refreshed_at
      FROM (${inner}) AS x`,
  };
}

/** Summary rows (alias x) of the scope's days, joined to their slices (alias s), with the report's filter. */
function summaryInSlices(d: SqlDialect, table: string, scope: ReportSqlScope): string {
  return `${table} AS x ${d.join('inner')} ${d.sliceDays(scope.slices)} AS s ON x.day = s.slice_day
    WHERE x.day >= ${d.date(scope.range.from)} AND x.day < ${d.date(scope.range.to)}${summaryFilter(d, scope.where)}`;
}

const summaryFilter = (d: SqlDialect, where: readonly ReportFilter[]): string => namedFilter(d, 'x', where);

/** Usage sums and tier mix per slice and group, from report_daily: the columns of usageSql (given `wanted`, only those sums). */
export function summaryUsageSql(d: SqlDialect, scope: ReportSqlScope, tiers: readonly TierAssignment[], wanted?: readonly ReportSum[]): string {
  const dimensions = [...new Set<EventDimension>([...scope.groupBy.map(checkedDimension), 'model', 'provider', 'price_id'])];
  const inner = `SELECT s.slice_id AS slice_id${dimensions.map((dimension) => `, x.${dimension} AS k_${dimension}`).join('')},
      ${summedColumns(wanted).map((column) => `sum(x.${column}) AS s_${column}`).join(', ')}
    FROM ${summaryInSlices(d, summaryTables.daily, scope)}
    GROUP BY s.slice_id${dimensions.map((dimension) => `, k_${dimension}`).join('')}`;
  return usageOfGroupedSql(d, scope, tiers, inner, wanted);
}

/**
 * The month pieces of each slice: (slice_id, piece_month, piece_low = 2^(its first day of the month − 1),
 * piece_span = 2^(its days)), so that a user-month was active in the piece when
 * (active_days ÷ piece_low) mod piece_span is not 0.
 */
function slicePiecesRelation(d: SqlDialect, slices: ReportSqlScope['slices']): string {
  const pieces: string[] = [];
  for (const slice of slices) {
    let start = slice.from;
    while (start < slice.to) {
      const nextMonth = new Date(Date.UTC(Number(start.slice(0, 4)), Number(start.slice(5, 7)), 1)).toISOString().slice(0, 10);
      const end = nextMonth < slice.to ? nextMonth : slice.to;
      const first = Number(start.slice(8, 10)) - 1;
      const days = Math.round((Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / 86_400_000);
      pieces.push(
        `SELECT ${d.narrow(String(slice.id))} AS slice_id, ${d.date(`${start.slice(0, 7)}-01`)} AS piece_month, ${d.narrow(String(2 ** first))} AS piece_low, ${d.narrow(String(2 ** days))} AS piece_span`,
      );
      start = end;
    }
  }
  return pieces.join(' UNION ALL ');
}

/** Distinct users per slice and group, from report_user_monthly's active days: the columns of activeUsersSql. */
export function summaryActiveUsersSql(d: SqlDialect, scope: ReportSqlScope): string {
  const groups = scope.groupBy.map(checkedDimension);
  const inner = `SELECT p.slice_id AS slice_id${groups.map((dimension) => `, x.${dimension} AS k_${dimension}`).join('')}, count(DISTINCT x.user_id) AS s_users
    FROM ${summaryTables.userMonthly} AS x ${d.join('inner')} (${slicePiecesRelation(d, scope.slices)}) AS p ON x.month = p.piece_month
    WHERE x.month >= ${d.date(scope.monthRange.from)} AND x.month < ${d.date(scope.monthRange.to)}${summaryFilter(d, scope.where)}
      AND ${d.integerDivide('x.active_days', 'p.piece_low')} % p.piece_span <> 0
    GROUP BY p.slice_id${groups.map((dimension) => `, k_${dimension}`).join('')}`;
  return `SELECT q.slice_id AS slice_id${renamedGroups('q', groups)}, q.s_users AS active_users FROM (${inner}) AS q`;
}

/** User-months per slice and group, in units, from report_user_monthly: the columns of userMonthsSql. */
export function summaryUserMonthsSql(d: SqlDialect, scope: ReportSqlScope): string {
  const groups = scope.groupBy.map(checkedDimension);
  const mau = `SELECT x.month AS k_month${groups.map((dimension) => `, x.${dimension} AS k_${dimension}`).join('')}, count(DISTINCT x.user_id) AS s_users
    FROM ${summaryTables.userMonthly} AS x
    WHERE x.month >= ${d.date(scope.monthRange.from)} AND x.month < ${d.date(scope.monthRange.to)}${summaryFilter(d, scope.where)}
    GROUP BY k_month${groups.map((dimension) => `, k_${dimension}`).join('')}`;
  return `SELECT p.slice_id AS slice_id${renamedGroups('mau', groups)}, sum(mau.s_users * p.part_days * ${d.integerDivide(String(userMonthUnits), 'p.part_month_days')}) AS active_user_month_units
    FROM (${mau}) AS mau ${d.join('inner')} (${monthPartsRelation(d, scope.monthParts)}) AS p ON mau.k_month = p.part_month
    GROUP BY p.slice_id${groupKeys('mau', groups)}`;
}

/** Tasks per slice and group of their first call, from report_task_daily: the columns of tasksSql. */
export function summaryTasksSql(d: SqlDialect, scope: ReportSqlScope): string {
  const groups = scope.groupBy.map(checkedDimension);
  const inner = `SELECT s.slice_id AS slice_id${groups.map((dimension) => `, x.${dimension} AS k_${dimension}`).join('')},
      sum(x.tasks) AS s_tasks, sum(x.successful_tasks) AS s_successful, sum(x.failed_tasks) AS s_failed
    FROM ${summaryInSlices(d, summaryTables.taskDaily, scope)}
    GROUP BY s.slice_id${groups.map((dimension) => `, k_${dimension}`).join('')}`;
  return `SELECT t.slice_id AS slice_id${renamedGroups('t', groups)}, t.s_tasks AS tasks, t.s_successful AS successful_tasks, t.s_failed AS failed_tasks FROM (${inner}) AS t`;
}

/** Spend per request type (feature × model) over the scope's slices, from report_daily: the columns and order of requestTypesSql. */
export function summaryRequestTypesSql(d: SqlDialect, scope: ReportSqlScope): string {
  const inner = `SELECT x.feature AS k_feature, x.model AS k_model, sum(x.calls) AS s_calls, sum(x.unpriced_calls) AS s_unpriced, sum(x.cost_total) AS s_cost
    FROM ${summaryInSlices(d, summaryTables.daily, scope)}
    GROUP BY k_feature, k_model`;
  return `SELECT r.k_feature AS feature, r.k_model AS model, r.s_calls AS calls, r.s_unpriced AS unpriced_calls, ${d.exactText('r.s_cost')} AS cost_total
    FROM (${inner}) AS r
    ORDER BY r.k_feature NULLS FIRST, r.k_model`;
}

/** The models stored with their provider and price row, from report_daily: tierCandidatesSql's `storedModels`. */
export function summaryModelsSql(): string {
  return `SELECT DISTINCT x.model AS k_model, x.provider AS k_provider, x.price_id AS k_price_id FROM ${summaryTables.daily} AS x`;
}

/** The first summarized day and the day after the last, and the calls: the columns of dataWindowSql. */
export function summaryDataWindowSql(d: SqlDialect): string {
  return `SELECT ${d.text('min(x.day)')} AS first_day, ${d.text('max(x.day) + 1')} AS after_day, sum(x.calls) AS calls FROM ${summaryTables.daily} AS x`;
}

/** Calls per month, user and combo from report_user_monthly: the usage revenue is attributed by, as eventMonthlyUsage gives it without user or session groups. */
export function summaryMonthlyUsage(d: SqlDialect, months: DayWindow): MonthlyUsage {
  const dimensions = [...comboDimensions];
  return {
    dimensions,
    define(chain, onlyUsersOfItems) {
      const inner = `SELECT x.month AS k_month, x.user_id AS k_user${dimensions.map((dimension) => `, x.${dimension} AS k_${dimension}`).join('')},
          sum(x.calls) AS s_calls, sum(x.requests) AS s_requests, sum(x.cost) AS s_cost, max(x.last_day) AS s_last_day
        FROM ${summaryTables.userMonthly} AS x
        WHERE x.month >= ${d.date(months.from)} AND x.month < ${d.date(months.to)}
          ${onlyUsersOfItems ? `AND x.user_id IN (SELECT oi.user_key FROM ${chain.from('items', 'oi')})` : ''}
        GROUP BY k_month, k_user${dimensions.map((dimension) => `, k_${dimension}`).join('')}`;
      addMonthlyUsageRelation(d, chain, inner, dimensions);
    },
    stubUser: (userKey) => userKey,
    recordUserKey: 'r.user_id',
    recordUserJoin: '',
  };
}

/**
 * The dimensions revenue is attributed down to once per report, so that its scopes' groupings and filters are
 * sums of the same rows: the feature alone when no scope needs finer (attribution splits a feature's part
 * among its finer groups only then), or every summary dimension.
 */
export function revenueCacheDimensions(scope: { groupBy: readonly ReportDimension[]; where: readonly ReportFilter[] }): readonly ReportDimension[] {
  const finer = [...scope.groupBy, ...scope.where.map((filter) => filter.dimension)].some((dimension) => dimension !== 'feature');
  return finer ? ['feature', 'team', 'user_tier', 'model', 'provider', 'environment'] : ['feature'];
}

/**
 * A report's revenue by month attributed down to `dimensions` (planRevenueByMonthSql's or
 * recordRevenueByMonthSql's select grouped by them, no filter), renamed to keep: (k_month, k_<dimension>…,
 * s_revenue). Each part of a feature is split again among its finer groups, exactly, so a coarser grouping
 * summed from these rows is the grouping attributed directly.
 */
export function revenueCacheSql(byMonth: string, dimensions: readonly ReportDimension[]): string {
  return `SELECT y.month AS k_month${dimensions.map((dimension) => `, y.${checkedDimension(dimension)} AS k_${dimension}`).join('')}, y.revenue AS s_revenue FROM (${byMonth}) AS y`;
}

/** Revenue by month of a scope's groups and filter from a revenueCacheSql table: the relation spreadRevenueSql takes. */
export function cachedRevenueByMonthSql(d: SqlDialect, table: string, scope: { groupBy: readonly ReportDimension[]; where: readonly ReportFilter[] }): string {
  const groups = scope.groupBy.map(checkedDimension);
  return `SELECT c.k_month AS month${groups.map((dimension) => `, c.k_${dimension} AS ${dimension}`).join('')}, sum(c.s_revenue) AS revenue
    FROM ${table} AS c
    WHERE 1 = 1${namedFilter(d, 'c', scope.where, 'k_')}
    GROUP BY c.k_month${groups.map((dimension) => `, c.k_${dimension}`).join('')}`;
}
