import type { DuckDBValue } from '@duckdb/node-api';
import { modelTiers } from '../../core/kpi/model-tier.js';
import type { MonthPart, ReportSlice, DayWindow } from '../../core/kpi/report-periods.js';
import type { ReportDimension, ReportFilter } from '../report-reader.js';
import { checkedDimension } from '../sql/event-dimensions.js';
import type { ReportSum } from '../../core/kpi/report-fields.js';
import {
  activeUsersSql,
  eventExtras,
  requestTypesSql,
  summedColumns,
  sumsWanted,
  tasksSql,
  usageSql,
  userCostSql,
  userMonthsSql,
  userMonthUnits,
  type EventExtra,
  type TierAssignment,
} from '../sql/report-queries.js';
import { duckdbDialect } from '../sql/sql-dialect.js';
import type { TopRows } from '../report-assembly.js';
import { comboDimensions, dailySumColumns } from './report-summary-tables.js';

export { eventExtras, type EventExtra, type TierAssignment } from '../sql/report-queries.js';

/**
 * The SQL of a report. Every measure is aggregated in DuckDB over one of three sources with the same
 * meaning: the per-day summary tables (used whenever the report neither groups nor filters by user or
 * session), the per-day, per-user and per-session summary tables (used otherwise), or the raw events
 * (which tests and benchmarks hold both to). The raw-event queries are the ones every backend runs,
 * written once in src/store/sql/report-queries.ts; the summaries' are DuckDB's own fast paths. Names of
 * columns come only from the fixed dimension list; every value of the summaries' queries — dates, filter
 * values, prices — is a bound parameter (the shared queries inline checked literals).
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

// Refuses a dimension not in the fixed list: shared by every backend (src/store/sql/event-dimensions.ts).
export { checkedDimension } from '../sql/event-dimensions.js';

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
  const timeName = unit === 'slice' ? 'slice_id' : 'month';
  return `${userSummaryPrelude(unit === 'slice', scope, tiers, bound)},
    g AS (${userSummaryGroups(table, unit, scope, bound, measures, onlyUsers)}),
    r AS (
      SELECT g.${timeName}${scope.groupBy.map((dimension) => `, ${userSummaryKeys(scope.groupBy).extras.includes(dimension as EventExtra) ? extraName(dimension as EventExtra) : `g.${dimension}`} AS ${dimension}`).join('')},
        ${measures.map(([name]) => `g.${name}`).join(', ')}
      FROM g ${extraJoins('g', userSummaryKeys(scope.groupBy).extras)}
    )`;
}

/** What the per-user summaries group on for a report: the combo's dimensions, and the user and session numbers. */
function userSummaryKeys(groupBy: readonly ReportDimension[]): { combo: ReportDimension[]; extras: EventExtra[]; columns: string[] } {
  const extras = eventExtras({ groupBy, where: [] });
  const combo = groupBy.filter((dimension) => !(extras as readonly string[]).includes(dimension));
  return { combo, extras, columns: [...combo, ...extras.map(extraNumber)] };
}

/** The CTEs every measure over the per-user summaries reads: the slices' days (when by slice), the tiers and `cc`, the combos the filter keeps. */
function userSummaryPrelude(bySlice: boolean, scope: Pick<ReportScope, 'where' | 'slices'>, tiers: readonly TierAssignment[], bound: BoundValues): string {
  const comboFilters = scope.where.filter((filter) => !eventOnlyDimensions.includes(checkedDimension(filter.dimension)));
  return `${bySlice ? `${slicesTable(scope.slices, bound)}, ` : ''}${tiersTable(tiers, bound)},
    cc AS (
      SELECT c.*, coalesce(t.tier, 'unpriced') AS tier FROM report_combos c
      LEFT JOIN tiers t ON t.model = c.model AND t.provider IS NOT DISTINCT FROM c.provider AND t.price_id IS NOT DISTINCT FROM c.price_id
      WHERE ${whereClause('c', comboFilters, bound)}
    )`;
}

/** One measure's rows grouped on numbers (slice or month, then userSummaryKeys' columns), before any id is joined. */
function userSummaryGroups(
  table: 'report_user_daily' | 'report_task_user_daily',
  unit: 'slice' | 'month',
  scope: Pick<ReportScope, 'groupBy' | 'where' | 'range' | 'monthRange'>,
  bound: BoundValues,
  measures: ReadonlyArray<readonly [name: string, sql: string]>,
  onlyUsers: boolean,
  keptOnly = '',
): string {
  const keys = userSummaryKeys(scope.groupBy);
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
  return `
      SELECT ${time}${keys.combo.map((dimension) => `, cc.${dimension}`).join('')}${keys.extras.map((extra) => `, d.${extraNumber(extra)}`).join('')},
        ${measures.map(([name, sql]) => `${sql} AS ${name}`).join(', ')}
      FROM ${table} d ${unit === 'slice' ? 'JOIN slice_days s ON s.day = d.day' : ''} JOIN cc ON cc.combo_id = d.combo_id
      WHERE d.day >= ${bound.bind(range.from, 'DATE')} AND d.day < ${bound.bind(range.to, 'DATE')}${onlyUsers ? ' AND d.user_number IS NOT NULL' : ''}${extraFilters}${keptOnly}
      GROUP BY ALL
    `;
}

/** Per day and dimensions: the additive sums (and, from summaries, the users bitmap). */
export function usageRelation(source: Exclude<ReportSource, 'events'>, range: DayWindow, bound: BoundValues, extras: readonly EventExtra[] = []): string {
  if (source === 'summaries') {
    return `SELECT d.day, ${comboDimensions.map((dimension) => `c.${dimension}`).join(', ')}, ${dailySumColumns.map((column) => `d.${column}`).join(', ')}, d.users
      FROM report_daily d JOIN report_combos c USING (combo_id)
      WHERE d.day >= ${bound.bind(range.from, 'DATE')} AND d.day < ${bound.bind(range.to, 'DATE')}`;
  }
  return `SELECT d.day, ${comboDimensions.map((dimension) => `c.${dimension}`).join(', ')}${extras.map((extra) => `, ${extraName(extra)}`).join('')}, ${dailySumColumns.map((column) => `d.${column}`).join(', ')}
    FROM report_user_daily d JOIN report_combos c USING (combo_id) ${extraJoins('d', extras)}
    WHERE d.day >= ${bound.bind(range.from, 'DATE')} AND d.day < ${bound.bind(range.to, 'DATE')}`;
}

/** Per day (of each task's first call) and combo: tasks and how they ended, from the summaries. */
function taskRelation(range: DayWindow, bound: BoundValues): string {
  return `SELECT t.day, ${comboDimensions.map((dimension) => `c.${dimension}`).join(', ')}, t.tasks, t.successful_tasks, t.failed_tasks
    FROM report_task_daily t JOIN report_combos c USING (combo_id)
    WHERE t.day >= ${bound.bind(range.from, 'DATE')} AND t.day < ${bound.bind(range.to, 'DATE')}`;
}

/** Per month, user and dimensions: calls, requests (calls that did not fail), priced cost and the user's last active day. */
export function monthlyRelation(
  source: Exclude<ReportSource, 'events'>,
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
  // The raw relation's rows (report-revenue-queries.ts), from the per-day rows of each (user, combo, session):
  // requests are the calls that did not fail (status is never null).
  return `SELECT date_trunc('month', d.day)::DATE AS month, d.user_number AS user_key, ${comboDimensions.map((dimension) => `any_value(c.${dimension}) AS ${dimension}`).join(', ')}${extras.map((extra) => `, any_value(${extraName(extra)}) AS ${extra}`).join('')},
        sum(d.calls) AS calls, sum(d.calls - d.failed_calls) AS requests, sum(d.cost_total)::HUGEINT AS cost, max(d.day) AS last_day
      FROM report_user_daily d JOIN report_combos c USING (combo_id) ${extraJoins('d', extras)}
      WHERE d.user_number IS NOT NULL AND d.day >= ${bound.bind(months.from, 'DATE')} AND d.day < ${bound.bind(months.to, 'DATE')}
        ${onlyUsersOfItems ? 'AND d.user_number IN (SELECT user_key FROM items)' : ''}
        ${userPartition ? `AND d.user_number % ${bound.bind(userPartition.parts, 'INTEGER')} = ${bound.bind(userPartition.part, 'INTEGER')}` : ''}
      GROUP BY date_trunc('month', d.day), d.user_number, d.combo_id${extras.includes('session_id') ? ', d.session_number' : ''}`;
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

/** Sums and tier mix per slice and group; given `sums` (a narrowed report), only those (summedColumns) and the tier mix if named. */
export function usageQuery(
  scope: ReportScope,
  tiers: readonly TierAssignment[],
  options: { costsAsDoubles?: boolean; sums?: readonly ReportSum[] } = {},
): { sql: string; values: Record<string, DuckDBValue> } {
  if (scope.source === 'events') return { sql: usageSql(duckdbDialect, scope, tiers, options.sums), values: {} };
  const bound = new BoundValues();
  const tierColumns = modelTiers
    .flatMap((tier) => [
      ...(sumsWanted(options.sums, 'tier_calls') ? [`coalesce(sum(u.calls) FILTER (WHERE coalesce(t.tier, 'unpriced') = '${tier}'), 0) AS tier_${tier}_calls`] : []),
      ...(sumsWanted(options.sums, 'tier_cost') ? [`coalesce(sum(u.cost_total) FILTER (WHERE coalesce(t.tier, 'unpriced') = '${tier}'), 0)::HUGEINT AS tier_${tier}_cost`] : []),
    ])
    .map((column) => `, ${column}`)
    .join('');
  const sums = summedColumns(options.sums)
    .map((column) => `sum(u.${column}) AS ${column}`)
    .join(', ');
  if (scope.source === 'user-summaries') {
    // Counts and tokens are summed as DOUBLE, which the reader turns into numbers as it does a HUGEINT (exact
    // below 2^53): a report by user has tens of thousands of rows, and reading a HUGEINT into a JS bigint
    // costs several times a double (at 10M, 80k rows: 1.4 s of reading with every sum a HUGEINT); summing
    // into a double rather than a HUGEINT then casting halves the aggregation (at 10M, 0.40 s against 0.28 s).
    const measures = userUsageMeasures(options.sums);
    const costs = costsAsDoubles('r', userUsageCostNamesOf(options.sums));
    const select = options.costsAsDoubles ? `SELECT * REPLACE (${costs.replaced}), ${costs.exact} FROM r` : 'SELECT * FROM r';
    return { sql: `WITH ${userSummaryMeasure('report_user_daily', 'slice', scope, tiers, bound, measures)} ${select}`, values: bound.values };
  }
  const tierJoin = 'LEFT JOIN tiers t ON t.model = u.model AND t.provider IS NOT DISTINCT FROM u.provider AND t.price_id IS NOT DISTINCT FROM u.price_id';
  const sql = `WITH ${slicesTable(scope.slices, bound)}, ${tiersTable(tiers, bound)}, u AS (${usageRelation(scope.source, scope.range, bound, eventExtras(scope))})
    SELECT s.slice_id${groupColumns('u', scope.groupBy)}, ${sums}${tierColumns}
    FROM u JOIN slice_days s ON s.day = u.day
    ${tierJoin}
    WHERE ${whereClause('u', scope.where, bound)}
    GROUP BY ALL`;
  return { sql, values: bound.values };
}

/** The usage sums over the per-user summaries: counts and tokens as DOUBLE, picodollars exact (HUGEINT); given `sums`, only those. */
function userUsageMeasures(sums?: readonly ReportSum[]): Array<readonly [name: string, sql: string]> {
  return [
    ...summedColumns(sums).map((column) => [column, costColumn(column) ? `sum(d.${column})` : `sum(d.${column}::DOUBLE)`] as const),
    ...modelTiers.flatMap((tier) => [
      ...(sumsWanted(sums, 'tier_calls') ? [[`tier_${tier}_calls`, `coalesce(sum(d.calls::DOUBLE) FILTER (WHERE cc.tier = '${tier}'), 0)`] as const] : []),
      ...(sumsWanted(sums, 'tier_cost') ? [[`tier_${tier}_cost`, `coalesce(sum(d.cost_total) FILTER (WHERE cc.tier = '${tier}'), 0)::HUGEINT`] as const] : []),
    ]),
  ];
}

/** The picodollar sums of userUsageMeasures (given `sums`, of those), in their order: what `exact_sums` lists when one passes 2^53. */
export function userUsageCostNamesOf(sums?: readonly ReportSum[]): readonly string[] {
  return userUsageMeasures(sums)
    .map(([name]) => name)
    .filter((name) => costColumn(name) || /^tier_\w+_cost$/.test(name));
}

/** The picodollar sums of every usage measure over the per-user summaries (userUsageCostNamesOf every sum). */
export const userUsageCostNames: readonly string[] = userUsageCostNamesOf();

/**
 * The picodollar sums `names` (of userUsageMeasures) as DOUBLE (measureColumnsOf reads those into typed arrays), exact
 * below 2^53 ($9,007). In a row where one passes that, `exact_sums` gives every one of them as exact decimal
 * text, comma-separated in the order of `names` (null otherwise: one column rather than one per sum,
 * since each is read for every row).
 */
function costsAsDoubles(alias: string, names: readonly string[] = userUsageCostNames): { names: readonly string[]; replaced: string; exact: string } {
  return {
    names,
    replaced: names.map((name) => `${alias}.${name}::DOUBLE AS ${name}`).join(', '),
    exact: `CASE WHEN ${names.map((name) => `abs(${alias}.${name}) > ${Number.MAX_SAFE_INTEGER}`).join(' OR ')} THEN concat_ws(',', ${names.map((name) => `${alias}.${name}`).join(', ')}) END AS exact_sums`,
  };
}

/**
 * From the per-user summaries, in one result: per slice and group, the usage sums (as usageQuery gives them with
 * costsAsDoubles), the user-months (as userMonthsQuery), the tasks (as tasksQuery) and, unless every group is one
 * user, the distinct users (as activeUsersQuery); `user_months_only` is 1 where the group has user-months in the
 * slice but neither calls nor tasks. Each is grouped on numbers apart, then their keys are joined
 * once (NULL keys equal, as the reader's groups treat them) and given their ids once: a report by user or
 * session reads one row of ~50 numbers per group and slice instead of three or four results of 10⁵ rows that
 * each repeat the ids.
 */
export function userSummaryMeasuresQuery(
  scope: ReportScope,
  tiers: readonly TierAssignment[],
  top?: TopRows,
  sums?: readonly ReportSum[],
): { sql: string; values: Record<string, DuckDBValue> } {
  const bound = new BoundValues();
  const keys = userSummaryKeys(scope.groupBy);
  const keyColumns = (alias: string): string => keys.columns.map((column) => `, ${alias}.${column}`).join('');
  const sameKeys = (alias: string): string => ['slice_id', ...keys.columns].map((column) => `${alias}.${column} IS NOT DISTINCT FROM k.${column}`).join(' AND ');
  const perUser = scope.groupBy.includes('user_id');
  const users = perUser ? 'max(1)' : 'count(DISTINCT d.user_number)';
  const usageMeasures = userUsageMeasures(sums);
  const usageNames = usageMeasures.map(([name]) => name);
  const costs = costsAsDoubles('u', userUsageCostNamesOf(sums));
  const taskMeasures = (['tasks', 'successful_tasks', 'failed_tasks'] as const).map((column) => [column, `sum(d.${column})`] as const);
  // A narrowed report (sums) groups only what its measures need: without user-months, tasks or distinct users, their CTEs are left out.
  const withMonths = sumsWanted(sums, 'active_user_months');
  const withTasks = sumsWanted(sums, 'tasks');
  const withUsers = !perUser && sumsWanted(sums, 'active_users');
  const narrowed = top ? topGroups(scope, keys.columns, top, bound) : null;
  const keptOnly = narrowed?.keptOnly ?? '';
  const keySources = ['u', ...(withMonths ? ['m'] : []), ...(withTasks ? ['t'] : [])];
  const sql = `WITH ${userSummaryPrelude(true, scope, tiers, bound)}${withMonths ? `, ${monthPartsTable(scope.monthParts, bound)}` : ''},${narrowed ? ` ${narrowed.ctes},` : ''}
    u AS (${userSummaryGroups('report_user_daily', 'slice', scope, bound, usageMeasures, false, keptOnly)}),
    ${
      withMonths
        ? `mm AS (${userSummaryGroups('report_user_daily', 'month', scope, bound, [['users', users]], true, keptOnly)}),
    m AS (
      SELECT p.slice_id${keyColumns('mm')}, sum(mm.users * p.days * (${userMonthUnits} // p.month_days)) AS active_user_month_units
      FROM mm JOIN parts p ON p.month = mm.month
      GROUP BY ALL
    ),`
        : ''
    }
    ${withTasks ? `t AS (${userSummaryGroups('report_task_user_daily', 'slice', scope, bound, taskMeasures, false, keptOnly)}),` : ''}
    ${withUsers ? `a AS (${userSummaryGroups('report_user_daily', 'slice', scope, bound, [['active_users', 'count(DISTINCT d.user_number)']], true, keptOnly)}),` : ''}
    k AS (${narrowed ? `SELECT * FROM kept` : keySources.map((alias) => `SELECT slice_id${keyColumns(alias)} FROM ${alias}`).join(' UNION ')})
    SELECT k.slice_id${scope.groupBy.map((dimension) => `, ${(keys.extras as readonly string[]).includes(dimension) ? extraName(dimension as EventExtra) : `k.${dimension}`} AS ${dimension}`).join('')},
      ${usageNames.filter((name) => !costs.names.includes(name)).map((name) => `u.${name}`).join(', ')}, ${costs.replaced}, ${costs.exact}${
        withMonths ? `, (u.slice_id IS NULL${withTasks ? ' AND t.slice_id IS NULL' : ''})::DOUBLE AS user_months_only, m.active_user_month_units::DOUBLE AS active_user_month_units` : ''
      }${withTasks ? `, ${taskMeasures.map(([name]) => `t.${name}::DOUBLE AS ${name}`).join(', ')}` : ''}${withUsers ? ', a.active_users::DOUBLE AS active_users' : ''}${narrowed ? ', gc.groups_with_calls::DOUBLE AS groups_with_calls' : ''}
    FROM k LEFT JOIN u ON ${sameKeys('u')}${withMonths ? ` LEFT JOIN m ON ${sameKeys('m')}` : ''}${withTasks ? ` LEFT JOIN t ON ${sameKeys('t')}` : ''}${withUsers ? ` LEFT JOIN a ON ${sameKeys('a')}` : ''}${narrowed ? ' LEFT JOIN gc ON gc.slice_id = k.slice_id' : ''}${extraJoins('k', keys.extras)}`;
  return { sql, values: bound.values };
}

/**
 * The CTEs that narrow a report by user or session to its top groups (TopRows), on numbers before any id is
 * joined: `ranked`, each current slice's groups by cost then calls (RANK, so ties at the cut stay: the reader
 * cuts after ordering them as the report does); `kept`, the (slice, group) of each top group in its current
 * and previous slice; `gc`, how many groups called in each current slice. `keptOnly` restricts the measures'
 * scans to the kept groups' users or sessions, so that only their user-months and tasks are grouped.
 */
function topGroups(scope: ReportScope, columns: readonly string[], top: TopRows, bound: BoundValues): { ctes: string; keptOnly: string } {
  const keyList = columns.map((column) => `, ${column}`).join('');
  const pairs = top.buckets.map((bucket) => `(${bound.bind(bucket.current, 'INTEGER')}, ${bound.bind(bucket.previous, 'INTEGER')})`).join(', ');
  const ctes = `pairs(current_id, previous_id) AS (VALUES ${pairs}),
    rb AS (${userSummaryGroups('report_user_daily', 'slice', scope, bound, [['cost', 'sum(d.cost_total)'], ['calls', 'sum(d.calls)']], false)}),
    ranked AS (
      SELECT rb.*, rank() OVER (PARTITION BY rb.slice_id ORDER BY rb.cost DESC, rb.calls DESC) AS cost_rank
      FROM rb SEMI JOIN pairs ON pairs.current_id = rb.slice_id
    ),
    gc AS (SELECT slice_id, count(*) AS groups_with_calls FROM ranked GROUP BY slice_id),
    kept AS (
      SELECT slice_id${keyList} FROM ranked WHERE cost_rank <= ${bound.bind(top.rows, 'BIGINT')}
      UNION SELECT pairs.previous_id AS slice_id${keyList} FROM ranked JOIN pairs ON pairs.current_id = ranked.slice_id WHERE cost_rank <= ${bound.bind(top.rows, 'BIGINT')}
    )`;
  // By their user or session number (a superset of the kept groups when the combo's dimensions are keys too); k keeps exactly the kept ones.
  const numbers = columns.filter((column) => column === 'user_number' || column === 'session_number');
  const keptOnly = numbers.map((column) => ` AND (d.${column} IN (SELECT ${column} FROM kept) OR (d.${column} IS NULL AND EXISTS (SELECT 1 FROM kept WHERE ${column} IS NULL)))`).join('');
  return { ctes, keptOnly };
}

/** Distinct users per slice and group: OR-ed daily bitmaps from the summaries, or distinct ids from the events. */
export function activeUsersQuery(scope: ReportScope): { sql: string; values: Record<string, DuckDBValue> } {
  if (scope.source === 'events') return { sql: activeUsersSql(duckdbDialect, scope), values: {} };
  const bound = new BoundValues();
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
  if (scope.source === 'events') return { sql: userMonthsSql(duckdbDialect, scope), values: {} };
  const bound = new BoundValues();
  if (scope.source === 'user-summaries') {
    const groups = scope.groupBy.map((dimension) => `, mau.${dimension}`).join('');
    // A group by user is one user (the user number is one of its keys): 1 in every month it called in, without a DISTINCT.
    const users = scope.groupBy.includes('user_id') ? 'max(1)' : 'count(DISTINCT d.user_number)';
    const sql = `WITH ${monthPartsTable(scope.monthParts, bound)}, ${userSummaryMeasure('report_user_daily', 'month', scope, [], bound, [['users', users]], true)}
      SELECT p.slice_id${groups}, sum(mau.users * p.days * (${userMonthUnits} // p.month_days)) AS active_user_month_units
      FROM r mau JOIN parts p ON p.month = mau.month
      GROUP BY ALL`;
    return { sql, values: bound.values };
  }
  const groups = scope.groupBy.map((dimension) => `, mau.${dimension}`).join('');
  const sql = `WITH ${monthPartsTable(scope.monthParts, bound)}, u AS (${usageRelation('summaries', scope.monthRange, bound)}),
    mau AS (
      SELECT date_trunc('month', u.day)::DATE AS month${groupColumns('u', scope.groupBy)}, coalesce(bit_count(bit_or(u.users)), 0) AS users
      FROM u WHERE ${whereClause('u', scope.where, bound)} GROUP BY ALL
    )
    SELECT p.slice_id${groups}, sum(mau.users * p.days * (${userMonthUnits} // p.month_days)) AS active_user_month_units
    FROM mau JOIN parts p ON p.month = mau.month
    GROUP BY ALL`;
  return { sql, values: bound.values };
}

/** Tasks per slice and group, each in the slice and group of its first call. */
export function tasksQuery(scope: ReportScope): { sql: string; values: Record<string, DuckDBValue> } {
  if (scope.source === 'events') return { sql: tasksSql(duckdbDialect, scope), values: {} };
  const bound = new BoundValues();
  if (scope.source === 'user-summaries') {
    const measures = (['tasks', 'successful_tasks', 'failed_tasks'] as const).map((column) => [column, `sum(d.${column})`] as const);
    return { sql: `WITH ${userSummaryMeasure('report_task_user_daily', 'slice', scope, [], bound, measures)} SELECT * FROM r`, values: bound.values };
  }
  const sql = `WITH ${slicesTable(scope.slices, bound)}, t AS (${taskRelation(scope.range, bound)})
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
  if (source === 'events') return { sql: userCostSql(duckdbDialect, range), values: {} };
  const bound = new BoundValues();
  const sql = `SELECT g.user_tier, n.user_id, g.calls, g.cost_total AS user_cost FROM (
      SELECT c.user_tier, d.user_number, sum(d.calls) AS calls, sum(d.cost_total) AS cost_total
      FROM report_user_daily d JOIN report_combos c USING (combo_id)
      WHERE d.day >= ${bound.bind(range.from, 'DATE')} AND d.day < ${bound.bind(range.to, 'DATE')}
      GROUP BY ALL
    ) g LEFT JOIN report_user_numbers n ON n.user_number = g.user_number`;
  return { sql, values: bound.values };
}

/** Spend per request type (feature × model) over one slice, for the Pareto view. */
export function requestTypesQuery(scope: ReportScope): { sql: string; values: Record<string, DuckDBValue> } {
  if (scope.source === 'events') return { sql: requestTypesSql(duckdbDialect, scope), values: {} };
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
