import { modelTiers, type ModelTier } from '../../core/kpi/model-tier.js';
import type { DayWindow, MonthPart, ReportSlice } from '../../core/kpi/report-periods.js';
import type { ReportDimension, ReportFilter } from '../../core/kpi/report-aggregates.js';
import type { ReportSum } from '../../core/kpi/report-fields.js';
import { checkedDimension, eventDimension } from './event-dimensions.js';
import type { SqlDialect } from './sql-dialect.js';

/*
 * What a report asks of the raw events, written once for every SQL backend: usage sums and tier mix per
 * slice and group, distinct users, user-months, tasks by their first call, request types, cost per user,
 * the tier candidates and the data's window. Each builder returns one SELECT in the dialect's spelling; the
 * columns it returns are the contract report-assembly.ts reads (picodollar sums as exact decimal text,
 * counts as numbers or text). DuckDB answers from these when told to read raw events (tests hold its
 * summary tables to them); ClickHouse always does.
 *
 * Rules that keep one text valid on DuckDB and on ClickHouse 18.16: no CTEs (relation-chain.ts), explicit
 * GROUP BY lists, equi-joins whose right side has names of its own, and inner columns named k_… / s_… so
 * that no alias of a SELECT is also a column it reads (ClickHouse aliases are global to a query). Values
 * are inlined as literals: days are checked, text goes through the dialect's quoting, dimensions come only
 * from the fixed list.
 */

/** What each query aggregates over. */
export interface ReportSqlScope {
  groupBy: readonly ReportDimension[];
  where: readonly ReportFilter[];
  slices: readonly ReportSlice[];
  monthParts: readonly MonthPart[];
  /** The days the slices cover, and the whole months around them. */
  range: DayWindow;
  monthRange: DayWindow;
}

/** A model's tier by the names it was stored under; anything missing here is unpriced. */
export interface TierAssignment {
  model: string;
  provider: string | null;
  priceId: string | null;
  tier: ModelTier;
}

/** The dimensions a combo of the summaries is made of; an event's group on each is read by eventDimension. */
export const comboDimensions = ['feature', 'team', 'user_tier', 'model', 'provider', 'environment', 'price_id'] as const;

/** A dimension of a stored call: a report dimension or the price row it was billed at. */
export type EventDimension = ReportDimension | 'price_id';

export { checkedDimension, eventDimension };

/** The event-only dimensions a report needs: the user or session it groups or filters by. */
export type EventExtra = 'user_id' | 'session_id';

/** Which of user and session a report groups or filters by; the raw relations carry only those, to keep groups few. */
export function eventExtras(scope: { groupBy: readonly ReportDimension[]; where: readonly ReportFilter[] }): EventExtra[] {
  return (['user_id', 'session_id'] as const).filter((dimension) => scope.groupBy.includes(dimension) || scope.where.some((filter) => filter.dimension === dimension));
}

/** The token-count columns of a stored call (usage_events), in the order every reader and summary lists them. */
export const storedTokenColumns = [
  'input_tokens',
  'cache_read_tokens',
  'cache_write_5m_tokens',
  'cache_write_1h_tokens',
  'output_tokens',
  'reasoning_tokens',
  'input_audio_tokens',
  'output_audio_tokens',
] as const;

/** The additive measures of usage, in the order the reader reads them. */
export const usageSumColumns = [
  'calls',
  'priced_calls',
  'unpriced_calls',
  'failed_calls',
  ...storedTokenColumns,
  'unpriced_input_tokens',
  'unpriced_output_tokens',
  'cost_input',
  'cost_cache_read',
  'cost_cache_write_5m',
  'cost_cache_write_1h',
  'cost_output',
  'cost_reasoning',
  'cost_audio',
  'cost_request',
  'cost_total',
  'response_cache_hits',
  'response_cache_lookups',
] as const;

/** One additive measure of usage. */
export type UsageSumColumn = (typeof usageSumColumns)[number];

/**
 * The usage sums a report reads: every one, or (a report narrowed to some measures, ReportQuery.sums) those named,
 * with calls and cost_total always (the rows are ordered by them and are the groups that called).
 */
export function summedColumns(sums?: readonly ReportSum[]): readonly UsageSumColumn[] {
  if (sums === undefined) return usageSumColumns;
  return usageSumColumns.filter((column) => column === 'calls' || column === 'cost_total' || (sums as readonly string[]).includes(column));
}

/** Whether a report reads a sum beside usage (tier mix, tasks, distinct users, user-months): always unless narrowed without it. */
export function sumsWanted(wanted: readonly ReportSum[] | undefined, sum: ReportSum): boolean {
  return wanted === undefined || wanted.includes(sum);
}

/** Whether a measure is picodollars: summed wide and returned as exact text. */
export const isCostColumn = (column: string): boolean => column.startsWith('cost_');

/** An exact sum of nullable picodollars (nulls count 0), wide so that no sum can overflow. */
const wideSum = (d: SqlDialect, expression: string): string => `sum(${d.wide(`coalesce(${expression}, 0)`)})`;

/** Each measure over the events of a group (alias e). Sums of a measure that has no rows may be null, which the reader counts as 0. */
export function eventSums(d: SqlDialect, e: string): Record<UsageSumColumn, string> {
  const tokens = ['input_tokens', 'cache_read_tokens', 'cache_write_5m_tokens', 'cache_write_1h_tokens', 'output_tokens', 'reasoning_tokens', 'input_audio_tokens', 'output_audio_tokens'] as const;
  const costs = ['cost_input', 'cost_cache_read', 'cost_cache_write_5m', 'cost_cache_write_1h', 'cost_output', 'cost_reasoning', 'cost_audio', 'cost_request', 'cost_total'] as const;
  return {
    calls: 'count(*)',
    priced_calls: `count(${e}.cost_total)`,
    unpriced_calls: d.countIf(`${e}.cost_total IS NULL`),
    failed_calls: d.countIf(`${e}.status <> 'ok'`),
    ...(Object.fromEntries(tokens.map((column) => [column, `sum(${e}.${column})`])) as Record<(typeof tokens)[number], string>),
    unpriced_input_tokens: d.sumIf(`${e}.input_tokens`, `${e}.cost_total IS NULL`),
    unpriced_output_tokens: d.sumIf(`${e}.output_tokens`, `${e}.cost_total IS NULL`),
    ...(Object.fromEntries(costs.map((column) => [column, wideSum(d, `${e}.${column}`)])) as Record<(typeof costs)[number], string>),
    response_cache_hits: d.countIf(`${e}.response_cache = 'hit'`),
    response_cache_lookups: `count(${e}.response_cache)`,
  };
}

/** The events of some days (alias e). */
const eventsOfDays = (d: SqlDialect, e: string, days: DayWindow): string => `${d.eventDate(e)} >= ${d.date(days.from)} AND ${d.eventDate(e)} < ${d.date(days.to)}`;

/** The report's filter on the events (alias e): each dimension must equal one of its values. */
function eventFilter(d: SqlDialect, e: string, where: readonly ReportFilter[]): string {
  return where.map((filter) => ` AND ${eventDimension(checkedDimension(filter.dimension), e)} IN (${filter.values.map((value) => d.string(value)).join(', ')})`).join('');
}

/** The report's filter on a relation whose dimension columns are named (alias.<prefix><dimension>). */
export function namedFilter(d: SqlDialect, alias: string, where: readonly ReportFilter[], prefix = ''): string {
  return where.map((filter) => ` AND ${alias}.${prefix}${checkedDimension(filter.dimension)} IN (${filter.values.map((value) => d.string(value)).join(', ')})`).join('');
}

/** `, alias.k_dim AS dim` for each group dimension. */
export const renamedGroups = (alias: string, groupBy: readonly ReportDimension[]): string => groupBy.map((dimension) => `, ${alias}.k_${checkedDimension(dimension)} AS ${dimension}`).join('');

/** `, alias.k_dim` for each group dimension, for GROUP BY. */
export const groupKeys = (alias: string, groupBy: readonly ReportDimension[]): string => groupBy.map((dimension) => `, ${alias}.k_${checkedDimension(dimension)}`).join('');

/** The model tier of a grouped row (columns k_model, k_provider, k_price_id of alias). */
function tierOf(d: SqlDialect, alias: string, tiers: readonly TierAssignment[]): string {
  if (tiers.length === 0) return "'unpriced'";
  const same = (column: string, value: string | null): string => (value === null ? `${alias}.${column} IS NULL` : `${alias}.${column} = ${d.string(value)}`);
  return `CASE ${tiers
    .map((tier) => `WHEN ${alias}.k_model = ${d.string(tier.model)} AND ${same('k_provider', tier.provider)} AND ${same('k_price_id', tier.priceId)} THEN ${d.string(tier.tier)}`)
    .join(' ')} ELSE 'unpriced' END`;
}

/**
 * Usage sums and tier mix per slice and group. Grouped first by slice, the report's groups and the model's
 * names (for its tier): one row per group and model, not per event; then summed per group. Given `wanted`
 * (a narrowed report), only those sums (summedColumns) and the tier mix only if named.
 */
export function usageSql(d: SqlDialect, scope: ReportSqlScope, tiers: readonly TierAssignment[], wanted?: readonly ReportSum[]): string {
  const dimensions = [...new Set<EventDimension>([...scope.groupBy.map(checkedDimension), 'model', 'provider', 'price_id'])];
  const sums = eventSums(d, 'e');
  const inner = `SELECT s.slice_id AS slice_id${dimensions.map((dimension) => `, ${eventDimension(dimension, 'e')} AS k_${dimension}`).join('')},
      ${summedColumns(wanted).map((column) => `${sums[column]} AS s_${column}`).join(', ')}
    FROM ${d.table('usage_events', 'e')} ${d.join('inner')} ${d.sliceDays(scope.slices)} AS s ON ${d.eventDate('e')} = s.slice_day
    WHERE ${eventsOfDays(d, 'e', scope.range)}${eventFilter(d, 'e', scope.where)}
    GROUP BY s.slice_id${dimensions.map((dimension) => `, k_${dimension}`).join('')}`;
  return usageOfGroupedSql(d, scope, tiers, inner, wanted);
}

/**
 * Usage sums and tier mix per slice and group from `inner`: rows per slice, group and model (slice_id,
 * k_<group dimension>…, k_model, k_provider, k_price_id, s_<usage sum column>…), from the events or from a
 * backend's summaries of them. Given `wanted`, only those sums (summedColumns; `inner` must give at least those).
 */
export function usageOfGroupedSql(d: SqlDialect, scope: ReportSqlScope, tiers: readonly TierAssignment[], inner: string, wanted?: readonly ReportSum[]): string {
  const tier = tierOf(d, 'u', tiers);
  const out = (column: string, sum: string): string => `${isCostColumn(column) ? d.exactText(sum) : sum} AS ${column}`;
  const tierSums = modelTiers.flatMap((name) => [
    ...(sumsWanted(wanted, 'tier_calls') ? [`${d.sumIf('u.s_calls', `${tier} = '${name}'`)} AS tier_${name}_calls`] : []),
    ...(sumsWanted(wanted, 'tier_cost') ? [`${d.exactText(d.sumIf('u.s_cost_total', `${tier} = '${name}'`))} AS tier_${name}_cost`] : []),
  ]);
  return `SELECT u.slice_id AS slice_id${renamedGroups('u', scope.groupBy)},
      ${[...summedColumns(wanted).map((column) => out(column, `sum(u.s_${column})`)), ...tierSums].join(', ')}
    FROM (${inner}) AS u
    GROUP BY u.slice_id${groupKeys('u', scope.groupBy)}`;
}

/** Distinct users per slice and group. */
export function activeUsersSql(d: SqlDialect, scope: ReportSqlScope): string {
  const groups = scope.groupBy.map(checkedDimension);
  const inner = `SELECT s.slice_id AS slice_id${groups.map((dimension) => `, ${eventDimension(dimension, 'e')} AS k_${dimension}`).join('')}, count(DISTINCT e.user_id) AS s_users
    FROM ${d.table('usage_events', 'e')} ${d.join('inner')} ${d.sliceDays(scope.slices)} AS s ON ${d.eventDate('e')} = s.slice_day
    WHERE e.user_id IS NOT NULL AND ${eventsOfDays(d, 'e', scope.range)}${eventFilter(d, 'e', scope.where)}
    GROUP BY s.slice_id${groups.map((dimension) => `, k_${dimension}`).join('')}`;
  return `SELECT p.slice_id AS slice_id${renamedGroups('p', groups)}, p.s_users AS active_users FROM (${inner}) AS p`;
}

/** The month parts as a relation (slice_id, part_month, part_days, part_month_days). */
export function monthPartsRelation(d: SqlDialect, parts: readonly MonthPart[]): string {
  return parts
    .map((part) => `SELECT ${d.narrow(String(part.sliceId))} AS slice_id, ${d.date(part.month)} AS part_month, ${d.narrow(String(part.days))} AS part_days, ${d.narrow(String(part.monthDays))} AS part_month_days`)
    .join(' UNION ALL ');
}

/**
 * User-months are summed in integer units of 1/377,580 of a month: 377,580 is the least common multiple of
 * 28, 29, 30 and 31, so a month part's share (days ÷ days of its month) is a whole number of units, and the
 * sum is exact and the same on every engine. A float sum was not: ClickHouse adds in parallel, in whatever
 * order its threads finish, and its last bit differed from DuckDB's.
 */
export const userMonthUnits = 377_580;

/**
 * User-months per slice and group, in units (userMonthUnits): for each calendar month a slice touches, the users
 * active in that month (the whole month, not only the slice) × the share of the month the slice covers.
 */
export function userMonthsSql(d: SqlDialect, scope: ReportSqlScope): string {
  const groups = scope.groupBy.map(checkedDimension);
  const mau = `SELECT ${d.monthStart(d.eventDate('e'))} AS k_month${groups.map((dimension) => `, ${eventDimension(dimension, 'e')} AS k_${dimension}`).join('')}, count(DISTINCT e.user_id) AS s_users
    FROM ${d.table('usage_events', 'e')}
    WHERE e.user_id IS NOT NULL AND ${eventsOfDays(d, 'e', scope.monthRange)}${eventFilter(d, 'e', scope.where)}
    GROUP BY k_month${groups.map((dimension) => `, k_${dimension}`).join('')}`;
  return `SELECT p.slice_id AS slice_id${renamedGroups('mau', groups)}, sum(mau.s_users * p.part_days * ${d.integerDivide(String(userMonthUnits), 'p.part_month_days')}) AS active_user_month_units
    FROM (${mau}) AS mau ${d.join('inner')} (${monthPartsRelation(d, scope.monthParts)}) AS p ON mau.k_month = p.part_month
    GROUP BY p.slice_id${groupKeys('mau', groups)}`;
}

/** Null-first order keys of a nullable text expression: (is it set, its text). */
const nullFirst = (expression: string): string[] => [`CASE WHEN ${expression} IS NULL THEN 0 ELSE 1 END`, `coalesce(${expression}, '')`];

/**
 * Each task's last outcome: (o_task, o_last = its instant × 2 + 1 for a success, so that a success wins a tie,
 * o_found = 1); `where`, a condition on the outcomes (alias o), takes some tasks only.
 */
export function lastOutcomesSql(d: SqlDialect, where = '1 = 1'): string {
  return `SELECT o.task_id AS o_task, max(${d.eventUs('o')} * 2 + CASE WHEN o.outcome = 'success' THEN 1 ELSE 0 END) AS o_last, 1 AS o_found
    FROM ${d.table('task_outcomes', 'o')}
    WHERE ${where}
    GROUP BY o.task_id`;
}

/** The order that picks a task's first call among its events (alias e): instant, then combo dimensions, user and session, nulls first. */
export function taskFirstOrder(d: SqlDialect, e: string): string[] {
  return [d.eventUs(e), ...[...comboDimensions, 'user_id', 'session_id'].flatMap((dimension) => nullFirst(eventDimension(dimension as EventDimension, e)))];
}

/**
 * Tasks per slice and group, each in the slice and group of its first call: the call with the smallest
 * (instant, combo dimensions, user, session), nulls first, so that a task counts once even when several
 * calls share its first instant. How it ended is its last outcome (a success wins a tie).
 */
export function tasksSql(d: SqlDialect, scope: ReportSqlScope): string {
  const dimensions = [...new Set(scope.groupBy.concat(scope.where.map((filter) => filter.dimension)).map(checkedDimension))];
  const order = taskFirstOrder(d, 'e');
  const firstCalls = `SELECT e.task_id AS k_task, ${d.argMinBy(d.eventDate('e'), order)} AS k_day${dimensions.map((dimension) => `, ${d.argMinBy(eventDimension(dimension, 'e'), order)} AS k_${dimension}`).join('')}
    FROM ${d.table('usage_events', 'e')}
    WHERE e.task_id IS NOT NULL
    GROUP BY e.task_id`;
  const outcomes = lastOutcomesSql(d);
  // One join per SELECT (ClickHouse 18.16): tasks in their slices first, then their outcomes. A task without
  // outcomes is neither: o_found is null (DuckDB) or 0 (ClickHouse's default for a missing match).
  const inSlices = `SELECT s.slice_id AS slice_id, t.k_task AS k_task${dimensions.map((dimension) => `, t.k_${dimension} AS k_${dimension}`).join('')}
    FROM (${firstCalls}) AS t ${d.join('inner')} ${d.sliceDays(scope.slices)} AS s ON t.k_day = s.slice_day
    WHERE 1 = 1${namedFilter(d, 't', scope.where, 'k_')}`;
  return `SELECT ts.slice_id AS slice_id${renamedGroups('ts', scope.groupBy)}, count(*) AS tasks,
      ${d.countIf('o.o_found = 1 AND o.o_last % 2 = 1')} AS successful_tasks, ${d.countIf('o.o_found = 1 AND o.o_last % 2 = 0')} AS failed_tasks
    FROM (${inSlices}) AS ts ${d.join('left')} (${outcomes}) AS o ON ts.k_task = o.o_task
    GROUP BY ts.slice_id${groupKeys('ts', scope.groupBy)}`;
}

/** Calls and recorded cost per (user_tier, user_id) over a window: (user_tier, user_id, calls, user_cost). */
export function userCostSql(d: SqlDialect, range: DayWindow): string {
  const inner = `SELECT e.user_tier AS k_user_tier, e.user_id AS k_user_id, count(*) AS s_calls, ${wideSum(d, 'e.cost_total')} AS s_cost
    FROM ${d.table('usage_events', 'e')}
    WHERE ${eventsOfDays(d, 'e', range)}
    GROUP BY e.user_tier, e.user_id`;
  return `SELECT c.k_user_tier AS user_tier, c.k_user_id AS user_id, c.s_calls AS calls, ${d.exactText('c.s_cost')} AS user_cost FROM (${inner}) AS c`;
}

/** Spend per request type (feature × model) over the slices given (the window's), for the Pareto view. */
export function requestTypesSql(d: SqlDialect, scope: ReportSqlScope): string {
  const inner = `SELECT ${eventDimension('feature', 'e')} AS k_feature, ${eventDimension('model', 'e')} AS k_model,
      count(*) AS s_calls, ${d.countIf('e.cost_total IS NULL')} AS s_unpriced, ${wideSum(d, 'e.cost_total')} AS s_cost
    FROM ${d.table('usage_events', 'e')} ${d.join('inner')} ${d.sliceDays(scope.slices)} AS s ON ${d.eventDate('e')} = s.slice_day
    WHERE ${eventsOfDays(d, 'e', scope.range)}${eventFilter(d, 'e', scope.where)}
    GROUP BY k_feature, k_model`;
  return `SELECT r.k_feature AS feature, r.k_model AS model, r.s_calls AS calls, r.s_unpriced AS unpriced_calls, ${d.exactText('r.s_cost')} AS cost_total
    FROM (${inner}) AS r
    ORDER BY r.k_feature NULLS FIRST, r.k_model`;
}

/**
 * The models stored, by the names a report groups them under, with the price row each was billed at: what puts each in a tier.
 * `storedModels`: a relation (k_model, k_provider, k_price_id) of them from a backend's summaries; the events otherwise.
 */
export function tierCandidatesSql(d: SqlDialect, storedModels?: string): string {
  const models = storedModels ?? `SELECT DISTINCT ${eventDimension('model', 'e')} AS k_model, ${eventDimension('provider', 'e')} AS k_provider, e.price_id AS k_price_id FROM ${d.table('usage_events', 'e')}`;
  const prices = `SELECT p.price_id AS p_price_id, p.provider AS p_provider, p.model AS p_model, p.input_rate AS p_input_rate, p.output_rate AS p_output_rate, 1 AS p_found FROM ${d.table('prices', 'p')}`;
  // A call without a price row has none of its columns: ClickHouse fills a missing match with defaults, so p_found says which.
  return `SELECT c.k_model AS model, c.k_provider AS provider, c.k_price_id AS price_id,
      CASE WHEN r.p_found = 1 THEN r.p_provider END AS priced_provider, CASE WHEN r.p_found = 1 THEN r.p_model END AS priced_model,
      CASE WHEN r.p_found = 1 THEN r.p_input_rate END AS input_rate, CASE WHEN r.p_found = 1 THEN r.p_output_rate END AS output_rate
    FROM (${models}) AS c ${d.join('left')} (${prices}) AS r ON c.k_price_id = r.p_price_id`;
}

/** The first stored day and the day after the last, as text, and how many calls there are (none: no window). */
export function dataWindowSql(d: SqlDialect): string {
  return `SELECT ${d.text(`min(${d.eventDate('e')})`)} AS first_day, ${d.text(`max(${d.eventDate('e')}) + 1`)} AS after_day, count(*) AS calls FROM ${d.table('usage_events', 'e')}`;
}

/** Whether any revenue record is stored. */
export function revenueRowsSql(d: SqlDialect): string {
  return `SELECT count(*) AS records FROM ${d.table('revenue', 'r')}`;
}
