import type { DuckDBValue } from '@duckdb/node-api';
import { modelTiers, type ModelTier } from '../../core/kpi/model-tier.js';
import type { MonthPart, ReportSlice, DayWindow } from '../../core/kpi/report-periods.js';
import { UnitcostError } from '../../core/unitcost-error.js';
import { reportDimensions, type ReportDimension, type ReportFilter } from '../report-reader.js';
import { comboDimensions, dailySumColumns, eventDimension, eventSumExpressions } from './report-summary-tables.js';

/**
 * The SQL of a report. Every measure is aggregated in DuckDB over one of three sources with the same
 * meaning: the per-day summary tables (used whenever the report neither groups nor filters by user or
 * session), the per-day, per-user and per-session summary tables (used otherwise), or the raw events
 * (which tests and benchmarks hold both to). Names of columns come only from the fixed dimension list;
 * every value — dates, filter values, prices — is a bound parameter.
 */

/** Where a report's numbers come from. */
export type ReportSource = 'summaries' | 'user-summaries' | 'events';

/** The dimensions only the raw events hold. */
const eventOnlyDimensions: readonly ReportDimension[] = ['user_id', 'session_id'];

/** The per-day summaries answer unless the report needs a user's or session's own rows; then the per-user ones do. */
export function reportSource(groupBy: readonly ReportDimension[], where: readonly ReportFilter[]): ReportSource {
  const used = [...groupBy, ...where.map((filter) => filter.dimension)];
  return used.some((dimension) => eventOnlyDimensions.includes(dimension)) ? 'user-summaries' : 'summaries';
}

/** Collects bound values and hands back their placeholders. */
export class BoundValues {
  readonly values: Record<string, DuckDBValue> = {};
  private count = 0;

  /** A placeholder for the value; `cast` is one of a fixed set of SQL types, never user input. */
  bind(value: DuckDBValue, cast?: 'DATE' | 'INTEGER' | 'BIGINT' | 'HUGEINT' | 'VARCHAR'): string {
    const name = `p${this.count}`;
    this.count += 1;
    this.values[name] = value;
    return cast ? `$${name}::${cast}` : `$${name}`;
  }
}

/** Refuses a dimension not in the fixed list, so that no caller can put text of its own into SQL. */
export function checkedDimension(dimension: string): ReportDimension {
  if (!(reportDimensions as readonly string[]).includes(dimension)) {
    throw new UnitcostError('invalid_argument', `cannot group or filter by "${dimension}": use one of ${reportDimensions.join(', ')}`, { field: 'by' });
  }
  return dimension as ReportDimension;
}

/** The event-only dimensions a report needs: the user or session it groups or filters by. */
export type EventExtra = 'user_id' | 'session_id';

/** Which of user and session a report groups or filters by; the raw relations carry only those, to keep groups few. */
export function eventExtras(scope: { groupBy: readonly ReportDimension[]; where: readonly ReportFilter[] }): EventExtra[] {
  return (['user_id', 'session_id'] as const).filter((dimension) => scope.groupBy.includes(dimension) || scope.where.some((filter) => filter.dimension === dimension));
}

/** The columns a source's relations carry: the combo dimensions, and from raw events or per-user summaries the user or session asked for. */
export function relationDimensions(source: ReportSource, extras: readonly EventExtra[] = []): readonly string[] {
  return source === 'summaries' ? comboDimensions : [...comboDimensions, ...extras];
}

/** A user's or session's id, read through its dictionary (joined by extraJoins). */
const extraName = (extra: EventExtra): string => (extra === 'user_id' ? 'n.user_id' : 'sn.session_id');

/** The dictionaries that turn the per-user summaries' numbers back into the user and session ids asked for. */
const extraJoins = (alias: string, extras: readonly EventExtra[]): string =>
  (extras.includes('user_id') ? ` LEFT JOIN report_user_numbers n ON n.user_number = ${alias}.user_number` : '') +
  (extras.includes('session_id') ? ` LEFT JOIN report_session_numbers sn ON sn.session_number = ${alias}.session_number` : '');

/** The number column of the per-user summaries that stands for a user or session id. */
const extraNumber = (extra: EventExtra): string => (extra === 'user_id' ? 'user_number' : 'session_number');

/**
 * A measure over the per-user summaries (report_user_daily or report_task_user_daily), per slice or calendar
 * month and group. Rows are grouped on integers first — the combo's groups (from `cc`, the combos the filter
 * keeps, with their model tier) and the user and session numbers — and only the groups' rows are given their
 * ids, so that a report of 50,000 users joins 50,000 names, not millions of rows. A filter on a user or
 * session becomes a filter on its number.
 */
function userSummaryMeasure(
  table: 'report_user_daily' | 'report_task_user_daily',
  unit: 'slice' | 'month',
  scope: Pick<ReportScope, 'groupBy' | 'where' | 'slices' | 'range' | 'monthRange'>,
  tiers: readonly TierAssignment[],
  bound: BoundValues,
  measures: ReadonlyArray<readonly [name: string, sql: string]>,
  onlyUsers = false,
): string {
  const groupExtras = eventExtras({ groupBy: scope.groupBy, where: [] });
  const comboGroups = scope.groupBy.filter((dimension) => !(groupExtras as readonly string[]).includes(dimension));
  const comboFilters = scope.where.filter((filter) => !eventOnlyDimensions.includes(checkedDimension(filter.dimension)));
  const extraFilters = scope.where
    .filter((filter) => eventOnlyDimensions.includes(filter.dimension))
    .map((filter) => {
      const extra = filter.dimension as EventExtra;
      const dictionary = extra === 'user_id' ? 'report_user_numbers' : 'report_session_numbers';
      return ` AND d.${extraNumber(extra)} IN (SELECT ${extraNumber(extra)} FROM ${dictionary} WHERE ${extra} IN (${filter.values.map((value) => bound.bind(value, 'VARCHAR')).join(', ')}))`;
    })
    .join('');
  const range = unit === 'slice' ? scope.range : scope.monthRange;
  const time = unit === 'slice' ? 's.slice_id' : "date_trunc('month', d.day)::DATE AS month";
  const timeName = unit === 'slice' ? 'slice_id' : 'month';
  return `${unit === 'slice' ? `${slicesTable(scope.slices, bound)}, ` : ''}${tiersTable(tiers, bound)},
    cc AS (
      SELECT c.*, coalesce(t.tier, 'unpriced') AS tier FROM report_combos c
      LEFT JOIN tiers t ON t.model = c.model AND t.provider IS NOT DISTINCT FROM c.provider AND t.price_id IS NOT DISTINCT FROM c.price_id
      WHERE ${whereClause('c', comboFilters, bound)}
    ),
    g AS (
      SELECT ${time}${comboGroups.map((dimension) => `, cc.${dimension}`).join('')}${groupExtras.map((extra) => `, d.${extraNumber(extra)}`).join('')},
        ${measures.map(([name, sql]) => `${sql} AS ${name}`).join(', ')}
      FROM ${table} d ${unit === 'slice' ? 'JOIN slice_days s ON s.day = d.day' : ''} JOIN cc ON cc.combo_id = d.combo_id
      WHERE d.day >= ${bound.bind(range.from, 'DATE')} AND d.day < ${bound.bind(range.to, 'DATE')}${onlyUsers ? ' AND d.user_number IS NOT NULL' : ''}${extraFilters}
      GROUP BY ALL
    ),
    r AS (
      SELECT g.${timeName}${scope.groupBy.map((dimension) => `, ${(groupExtras as readonly string[]).includes(dimension) ? extraName(dimension as EventExtra) : `g.${dimension}`} AS ${dimension}`).join('')},
        ${measures.map(([name]) => `g.${name}`).join(', ')}
      FROM g ${extraJoins('g', groupExtras)}
    )`;
}

const rawDimensionSelect = (extras: readonly EventExtra[], alias?: string): string =>
  [...comboDimensions, ...extras].map((dimension) => `${eventDimension(dimension, alias)} AS ${dimension}`).join(', ');

/** Per day and dimensions: the additive sums (and, from summaries, the users bitmap). */
export function usageRelation(source: ReportSource, range: DayWindow, bound: BoundValues, extras: readonly EventExtra[] = []): string {
  if (source === 'summaries') {
    return `SELECT d.day, ${comboDimensions.map((dimension) => `c.${dimension}`).join(', ')}, ${dailySumColumns.map((column) => `d.${column}`).join(', ')}, d.users
      FROM report_daily d JOIN report_combos c USING (combo_id)
      WHERE d.day >= ${bound.bind(range.from, 'DATE')} AND d.day < ${bound.bind(range.to, 'DATE')}`;
  }
  if (source === 'user-summaries') {
    return `SELECT d.day, ${comboDimensions.map((dimension) => `c.${dimension}`).join(', ')}${extras.map((extra) => `, ${extraName(extra)}`).join('')}, ${dailySumColumns.map((column) => `d.${column}`).join(', ')}
      FROM report_user_daily d JOIN report_combos c USING (combo_id) ${extraJoins('d', extras)}
      WHERE d.day >= ${bound.bind(range.from, 'DATE')} AND d.day < ${bound.bind(range.to, 'DATE')}`;
  }
  return `SELECT ts::DATE AS day, ${rawDimensionSelect(extras)}, ${dailySumColumns.map((column) => `${eventSumExpressions[column]} AS ${column}`).join(', ')}
    FROM usage_events
    WHERE ts >= ${bound.bind(range.from, 'DATE')} AND ts < ${bound.bind(range.to, 'DATE')}
    GROUP BY ALL`;
}

/**
 * Per slice (through the `slice_days` CTE) or calendar month, the dimensions a report groups or filters by,
 * and user, for counting distinct users from raw events. Per day and every combo dimension, 10M events by
 * user are about 3M rows; per slice and only the dimensions used, one or two per user.
 */
function presenceRelation(unit: 'slice' | 'month', range: DayWindow, bound: BoundValues, scope: Pick<ReportScope, 'groupBy' | 'where'>): string {
  const dimensions = [...new Set([...scope.groupBy, ...scope.where.map((filter) => checkedDimension(filter.dimension))])].filter((dimension) => dimension !== 'user_id');
  const time = unit === 'slice' ? 's.slice_id' : "date_trunc('month', e.ts)::DATE AS month";
  return `SELECT DISTINCT ${time}, ${dimensions.map((dimension) => `${eventDimension(dimension, 'e')} AS ${dimension}, `).join('')}e.user_id
    FROM usage_events e ${unit === 'slice' ? 'JOIN slice_days s ON s.day = e.ts::DATE' : ''}
    WHERE e.user_id IS NOT NULL AND e.ts >= ${bound.bind(range.from, 'DATE')} AND e.ts < ${bound.bind(range.to, 'DATE')}`;
}

/** Per day (of each task's first call) and dimensions: tasks and how they ended. */
function taskRelation(source: ReportSource, range: DayWindow, bound: BoundValues, extras: readonly EventExtra[]): string {
  if (source === 'summaries') {
    return `SELECT t.day, ${comboDimensions.map((dimension) => `c.${dimension}`).join(', ')}, t.tasks, t.successful_tasks, t.failed_tasks
      FROM report_task_daily t JOIN report_combos c USING (combo_id)
      WHERE t.day >= ${bound.bind(range.from, 'DATE')} AND t.day < ${bound.bind(range.to, 'DATE')}`;
  }
  // The summaries' rule, from the raw events: a task's first call is the minimum of (µs << 24) + combo id;
  // its user and session are those of that call (of several events at that instant and combo, the one whose
  // user, then session, sorts first, so that the task still counts once). Fixed-size aggregates keep millions
  // of tasks within memory.
  const dimensions = relationDimensions('events', extras);
  const sameCombo = comboDimensions.map((dimension) => `c.${dimension} IS NOT DISTINCT FROM ${eventDimension(dimension, 'e')}`).join(' AND ');
  return `SELECT f.first_ts::DATE AS day, ${dimensions.map((dimension) => `${eventDimension(dimension as Parameters<typeof eventDimension>[0], 'e')} AS ${dimension}`).join(', ')},
      1 AS tasks, (o.last_key % 2 = 1)::INTEGER AS successful_tasks, (o.last_key % 2 = 0)::INTEGER AS failed_tasks
    FROM (
      SELECT task_id, make_timestamp((first_key >> 24)::BIGINT) AS first_ts, (first_key & 16777215)::INTEGER AS combo_id FROM (
        SELECT e.task_id, min((epoch_us(e.ts)::HUGEINT << 24) + c.combo_id) AS first_key
        FROM usage_events e JOIN report_combos c ON ${sameCombo}
        WHERE e.task_id IS NOT NULL GROUP BY e.task_id
      )
    ) f
    JOIN usage_events e ON e.task_id = f.task_id AND e.ts = f.first_ts
    JOIN report_combos c ON c.combo_id = f.combo_id AND ${sameCombo}
    LEFT JOIN (SELECT task_id, max(epoch_us(ts)::HUGEINT * 2 + (outcome = 'success')::INTEGER) AS last_key FROM task_outcomes GROUP BY task_id) o ON o.task_id = f.task_id
    WHERE f.first_ts >= ${bound.bind(range.from, 'DATE')} AND f.first_ts < ${bound.bind(range.to, 'DATE')}
    QUALIFY row_number() OVER (PARTITION BY f.task_id ORDER BY e.user_id NULLS FIRST, e.session_id NULLS FIRST) = 1`;
}

/** Per month, user and dimensions: calls, requests (calls that did not fail), priced cost and the user's last active day. */
export function monthlyRelation(
  source: ReportSource,
  months: DayWindow,
  bound: BoundValues,
  onlyUsersOfItems = false,
  userPartition?: { parts: number; part: number },
  extras: readonly EventExtra[] = [],
): string {
  // Revenue records concern few users: reading only theirs skips most of the month's usage. Revenue is
  // attributed user by user, so users can also be split into partitions computed one after another.
  if (source === 'summaries') {
    return `SELECT m.month, m.user_number AS user_key, ${comboDimensions.map((dimension) => `c.${dimension}`).join(', ')}, m.calls, m.requests, m.cost, m.last_day
      FROM report_user_monthly m JOIN report_combos c USING (combo_id)
      ${onlyUsersOfItems ? 'SEMI JOIN items i ON i.month = m.month AND i.user_key = m.user_number' : ''}
      WHERE m.month >= ${bound.bind(months.from, 'DATE')} AND m.month < ${bound.bind(months.to, 'DATE')}
        ${userPartition ? `AND m.user_number % ${bound.bind(userPartition.parts, 'INTEGER')} = ${bound.bind(userPartition.part, 'INTEGER')}` : ''}`;
  }
  if (source === 'user-summaries') {
    // The raw relation's rows, from the per-day rows of each (user, combo, session): requests are the calls
    // that did not fail (status is never null).
    return `SELECT date_trunc('month', d.day)::DATE AS month, d.user_number AS user_key, ${comboDimensions.map((dimension) => `any_value(c.${dimension}) AS ${dimension}`).join(', ')}${extras.map((extra) => `, any_value(${extraName(extra)}) AS ${extra}`).join('')},
        sum(d.calls) AS calls, sum(d.calls - d.failed_calls) AS requests, sum(d.cost_total)::HUGEINT AS cost, max(d.day) AS last_day
      FROM report_user_daily d JOIN report_combos c USING (combo_id) ${extraJoins('d', extras)}
      WHERE d.user_number IS NOT NULL AND d.day >= ${bound.bind(months.from, 'DATE')} AND d.day < ${bound.bind(months.to, 'DATE')}
        ${onlyUsersOfItems ? 'AND d.user_number IN (SELECT user_key FROM items)' : ''}
        ${userPartition ? `AND d.user_number % ${bound.bind(userPartition.parts, 'INTEGER')} = ${bound.bind(userPartition.part, 'INTEGER')}` : ''}
      GROUP BY date_trunc('month', d.day), d.user_number, d.combo_id${extras.includes('session_id') ? ', d.session_number' : ''}`;
  }
  return `SELECT date_trunc('month', ts)::DATE AS month, user_id AS user_key, ${rawDimensionSelect(extras)},
      count(*) AS calls, count(*) FILTER (WHERE status = 'ok') AS requests, coalesce(sum(cost_total), 0)::HUGEINT AS cost, max(ts)::DATE AS last_day
    FROM usage_events
    WHERE user_id IS NOT NULL AND ts >= ${bound.bind(months.from, 'DATE')} AND ts < ${bound.bind(months.to, 'DATE')}
      ${onlyUsersOfItems ? 'AND user_id IN (SELECT user_key FROM items)' : ''}
    GROUP BY ALL`;
}

/**
 * The slices as two CTEs: `slices` (id, first day, day after), and `slice_days`, one row per day of each
 * slice. Joining on the day (an equi-join) streams the other side; a range join would hold it all in memory.
 */
export function slicesTable(slices: readonly ReportSlice[], bound: BoundValues): string {
  return `slices(slice_id, from_day, to_day) AS (VALUES ${slices
    .map((slice) => `(${bound.bind(slice.id, 'INTEGER')}, ${bound.bind(slice.from, 'DATE')}, ${bound.bind(slice.to, 'DATE')})`)
    .join(', ')}),
    slice_days AS (SELECT slice_id, unnest(range(from_day::TIMESTAMP, to_day::TIMESTAMP, INTERVAL 1 DAY))::DATE AS day FROM slices)`;
}

export function monthPartsTable(parts: readonly MonthPart[], bound: BoundValues): string {
  return `parts(slice_id, month, days, month_days) AS (VALUES ${parts
    .map((part) => `(${bound.bind(part.sliceId, 'INTEGER')}, ${bound.bind(part.month, 'DATE')}, ${bound.bind(part.days, 'INTEGER')}, ${bound.bind(part.monthDays, 'INTEGER')})`)
    .join(', ')})`;
}

/** A model's tier by the names it was stored under; anything missing here is unpriced. */
export interface TierAssignment {
  model: string;
  provider: string | null;
  priceId: string | null;
  tier: ModelTier;
}

function tiersTable(tiers: readonly TierAssignment[], bound: BoundValues): string {
  if (tiers.length === 0) return 'tiers(model, provider, price_id, tier) AS (SELECT NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR WHERE false)';
  return `tiers(model, provider, price_id, tier) AS (VALUES ${tiers
    .map((tier) => `(${bound.bind(tier.model, 'VARCHAR')}, ${bound.bind(tier.provider, 'VARCHAR')}, ${bound.bind(tier.priceId, 'VARCHAR')}, ${bound.bind(tier.tier, 'VARCHAR')})`)
    .join(', ')})`;
}

/** The filter of a report: each dimension must equal one of its values. */
export function whereClause(alias: string, where: readonly ReportFilter[], bound: BoundValues): string {
  if (where.length === 0) return 'true';
  return where
    .map((filter) => `${alias}.${checkedDimension(filter.dimension)} IN (${filter.values.map((value) => bound.bind(value, 'VARCHAR')).join(', ')})`)
    .join(' AND ');
}

export const groupColumns = (alias: string, groupBy: readonly ReportDimension[]): string => groupBy.map((dimension) => `, ${alias}.${checkedDimension(dimension)} AS ${dimension}`).join('');

/** What each query aggregates over. */
export interface ReportScope {
  source: ReportSource;
  groupBy: readonly ReportDimension[];
  where: readonly ReportFilter[];
  slices: readonly ReportSlice[];
  monthParts: readonly MonthPart[];
  /** The days the slices cover, and the whole months around them. */
  range: DayWindow;
  monthRange: DayWindow;
}

/** Whether an additive column is picodollars, read as an exact bigint. */
const costColumn = (column: string): boolean => column.startsWith('cost_');

/** Sums and tier mix per slice and group. */
export function usageQuery(scope: ReportScope, tiers: readonly TierAssignment[]): { sql: string; values: Record<string, DuckDBValue> } {
  const bound = new BoundValues();
  const tierColumns = modelTiers
    .map(
      (tier) =>
        `coalesce(sum(u.calls) FILTER (WHERE coalesce(t.tier, 'unpriced') = '${tier}'), 0) AS tier_${tier}_calls, coalesce(sum(u.cost_total) FILTER (WHERE coalesce(t.tier, 'unpriced') = '${tier}'), 0)::HUGEINT AS tier_${tier}_cost`,
    )
    .join(', ');
  const sums = dailySumColumns.map((column) => `sum(u.${column}) AS ${column}`).join(', ');
  if (scope.source === 'user-summaries') {
    // Counts and tokens come back as DOUBLE, which the reader turns into numbers as it does a HUGEINT (exact
    // below 2^53): a report by user has tens of thousands of rows, and reading a HUGEINT into a JS bigint
    // costs several times a double (at 10M, 80k rows: 1.4 s of reading with every sum a HUGEINT).
    const measures = [
      ...dailySumColumns.map((column) => [column, costColumn(column) ? `sum(d.${column})` : `sum(d.${column})::DOUBLE`] as const),
      ...modelTiers.flatMap((tier) => [
        [`tier_${tier}_calls`, `coalesce(sum(d.calls) FILTER (WHERE cc.tier = '${tier}'), 0)::DOUBLE`] as const,
        [`tier_${tier}_cost`, `coalesce(sum(d.cost_total) FILTER (WHERE cc.tier = '${tier}'), 0)::HUGEINT`] as const,
      ]),
    ];
    return { sql: `WITH ${userSummaryMeasure('report_user_daily', 'slice', scope, tiers, bound, measures)} SELECT * FROM r`, values: bound.values };
  }
  const tierJoin = 'LEFT JOIN tiers t ON t.model = u.model AND t.provider IS NOT DISTINCT FROM u.provider AND t.price_id IS NOT DISTINCT FROM u.price_id';
  if (scope.source === 'events') {
    // Grouped by day and every combo dimension, 10M events by user make about 3M groups of ~30 sums; grouped
    // by slice and only the dimensions the report uses (and the model's, for its tier), one per user and model.
    const dimensions = [...new Set<ReportDimension | 'price_id'>([...scope.groupBy, ...scope.where.map((filter) => checkedDimension(filter.dimension)), 'model', 'provider', 'price_id'])];
    const sql = `WITH ${slicesTable(scope.slices, bound)}, ${tiersTable(tiers, bound)}, u AS (
        SELECT s.slice_id, ${dimensions.map((dimension) => `${eventDimension(dimension, 'e')} AS ${dimension}`).join(', ')},
          ${dailySumColumns.map((column) => `${eventSumExpressions[column]} AS ${column}`).join(', ')}
        FROM usage_events e JOIN slice_days s ON s.day = e.ts::DATE
        WHERE e.ts >= ${bound.bind(scope.range.from, 'DATE')} AND e.ts < ${bound.bind(scope.range.to, 'DATE')}
        GROUP BY ALL
      )
      SELECT u.slice_id${groupColumns('u', scope.groupBy)}, ${sums}, ${tierColumns}
      FROM u ${tierJoin}
      WHERE ${whereClause('u', scope.where, bound)}
      GROUP BY ALL`;
    return { sql, values: bound.values };
  }
  const sql = `WITH ${slicesTable(scope.slices, bound)}, ${tiersTable(tiers, bound)}, u AS (${usageRelation(scope.source, scope.range, bound, eventExtras(scope))})
    SELECT s.slice_id${groupColumns('u', scope.groupBy)}, ${sums}, ${tierColumns}
    FROM u JOIN slice_days s ON s.day = u.day
    ${tierJoin}
    WHERE ${whereClause('u', scope.where, bound)}
    GROUP BY ALL`;
  return { sql, values: bound.values };
}

/** Distinct users per slice and group: OR-ed daily bitmaps from the summaries, or distinct ids from the events. */
export function activeUsersQuery(scope: ReportScope): { sql: string; values: Record<string, DuckDBValue> } {
  const bound = new BoundValues();
  if (scope.source === 'events') {
    const sql = `WITH ${slicesTable(scope.slices, bound)}, p AS (${presenceRelation('slice', scope.range, bound, scope)})
      SELECT p.slice_id${groupColumns('p', scope.groupBy)}, count(DISTINCT p.user_id) AS active_users
      FROM p
      WHERE ${whereClause('p', scope.where, bound)}
      GROUP BY ALL`;
    return { sql, values: bound.values };
  }
  if (scope.source === 'user-summaries') {
    // The user is part of the summaries' key: distinct users over any days and groups are counted, not summed.
    const sql = `WITH ${userSummaryMeasure('report_user_daily', 'slice', scope, [], bound, [['active_users', 'count(DISTINCT d.user_number)']], true)} SELECT * FROM r`;
    return { sql, values: bound.values };
  }
  const relation = usageRelation('summaries', scope.range, bound);
  const distinctUsers = 'coalesce(bit_count(bit_or(p.users)), 0)';
  const sql = `WITH ${slicesTable(scope.slices, bound)},
    p AS (${relation})
    SELECT s.slice_id${groupColumns('p', scope.groupBy)}, ${distinctUsers} AS active_users
    FROM p JOIN slice_days s ON s.day = p.day
    WHERE ${whereClause('p', scope.where, bound)}
    GROUP BY ALL`;
  return { sql, values: bound.values };
}

/**
 * User-months per slice and group: for each calendar month a slice touches, the users active in that
 * month (the whole month, not only the slice) × the share of the month the slice covers.
 */
export function userMonthsQuery(scope: ReportScope): { sql: string; values: Record<string, DuckDBValue> } {
  const bound = new BoundValues();
  if (scope.source === 'user-summaries') {
    const groups = scope.groupBy.map((dimension) => `, mau.${dimension}`).join('');
    const sql = `WITH ${monthPartsTable(scope.monthParts, bound)}, ${userSummaryMeasure('report_user_daily', 'month', scope, [], bound, [['users', 'count(DISTINCT d.user_number)']], true)}
      SELECT p.slice_id${groups}, sum(mau.users * p.days / p.month_days) AS active_user_months
      FROM r mau JOIN parts p ON p.month = mau.month
      GROUP BY ALL`;
    return { sql, values: bound.values };
  }
  const events = scope.source === 'events';
  const relation = events ? presenceRelation('month', scope.monthRange, bound, scope) : usageRelation('summaries', scope.monthRange, bound);
  const distinctUsers = events ? 'count(DISTINCT u.user_id)' : 'coalesce(bit_count(bit_or(u.users)), 0)';
  const groups = scope.groupBy.map((dimension) => `, mau.${dimension}`).join('');
  const sql = `WITH ${monthPartsTable(scope.monthParts, bound)}, u AS (${relation}),
    mau AS (
      SELECT ${events ? 'u.month' : "date_trunc('month', u.day)::DATE AS month"}${groupColumns('u', scope.groupBy)}, ${distinctUsers} AS users
      FROM u WHERE ${whereClause('u', scope.where, bound)} GROUP BY ALL
    )
    SELECT p.slice_id${groups}, sum(mau.users * p.days / p.month_days) AS active_user_months
    FROM mau JOIN parts p ON p.month = mau.month
    GROUP BY ALL`;
  return { sql, values: bound.values };
}

/** Tasks per slice and group, each in the slice and group of its first call. */
export function tasksQuery(scope: ReportScope): { sql: string; values: Record<string, DuckDBValue> } {
  const bound = new BoundValues();
  if (scope.source === 'user-summaries') {
    const measures = (['tasks', 'successful_tasks', 'failed_tasks'] as const).map((column) => [column, `sum(d.${column})`] as const);
    return { sql: `WITH ${userSummaryMeasure('report_task_user_daily', 'slice', scope, [], bound, measures)} SELECT * FROM r`, values: bound.values };
  }
  const sql = `WITH ${slicesTable(scope.slices, bound)}, t AS (${taskRelation(scope.source, scope.range, bound, eventExtras(scope))})
    SELECT s.slice_id${groupColumns('t', scope.groupBy)}, sum(t.tasks) AS tasks, sum(t.successful_tasks) AS successful_tasks, sum(t.failed_tasks) AS failed_tasks
    FROM t JOIN slice_days s ON s.day = t.day
    WHERE ${whereClause('t', scope.where, bound)}
    GROUP BY ALL`;
  return { sql, values: bound.values };
}

/**
 * Calls and recorded cost per (user_tier, user_id) over a window, summed as usageQuery sums them. One
 * grouping of the events by user alone: the report's usage groups by day and every combo dimension too.
 */
export function userCostQuery(range: DayWindow, source: ReportSource = 'events'): { sql: string; values: Record<string, DuckDBValue> } {
  const bound = new BoundValues();
  if (source !== 'events') {
    const sql = `SELECT g.user_tier, n.user_id, g.calls, g.cost_total FROM (
        SELECT c.user_tier, d.user_number, sum(d.calls) AS calls, sum(d.cost_total) AS cost_total
        FROM report_user_daily d JOIN report_combos c USING (combo_id)
        WHERE d.day >= ${bound.bind(range.from, 'DATE')} AND d.day < ${bound.bind(range.to, 'DATE')}
        GROUP BY ALL
      ) g LEFT JOIN report_user_numbers n ON n.user_number = g.user_number`;
    return { sql, values: bound.values };
  }
  const sql = `SELECT ${eventDimension('user_tier')} AS user_tier, ${eventDimension('user_id')} AS user_id,
      ${eventSumExpressions.calls} AS calls, ${eventSumExpressions.cost_total} AS cost_total
    FROM usage_events
    WHERE ts >= ${bound.bind(range.from, 'DATE')} AND ts < ${bound.bind(range.to, 'DATE')}
    GROUP BY ALL`;
  return { sql, values: bound.values };
}

/** Spend per request type (feature × model) over one slice, for the Pareto view. */
export function requestTypesQuery(scope: ReportScope): { sql: string; values: Record<string, DuckDBValue> } {
  const bound = new BoundValues();
  const sql = `WITH ${slicesTable(scope.slices, bound)}, u AS (${usageRelation(scope.source, scope.range, bound, eventExtras(scope))})
    SELECT u.feature, u.model, sum(u.calls) AS calls, sum(u.unpriced_calls) AS unpriced_calls, sum(u.cost_total) AS cost_total
    FROM u JOIN slice_days s ON s.day = u.day
    WHERE ${whereClause('u', scope.where, bound)}
    GROUP BY ALL
    ORDER BY u.feature NULLS FIRST, u.model`;
  return { sql, values: bound.values };
}

/** The models and prices stored, to put each in a tier. */
export const tierCandidatesSql = `SELECT DISTINCT c.model, c.provider, c.price_id, p.provider AS priced_provider, p.model AS priced_model, p.input_rate, p.output_rate
  FROM report_combos c LEFT JOIN prices p ON p.price_id = c.price_id`;
