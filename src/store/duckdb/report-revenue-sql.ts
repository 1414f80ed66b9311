import type { DuckDBValue } from '@duckdb/node-api';
import { scaledDecimal, usdToExactPicodollars } from '../../core/events/exact-decimal.js';
import type { RevenueSettings } from '../../core/kpi/revenue-settings.js';
import type { DayWindow } from '../../core/kpi/report-periods.js';
import type { ReportDimension } from '../report-reader.js';
import {
  BoundValues,
  groupColumns,
  monthlyRelation,
  monthPartsTable,
  eventExtras,
  relationDimensions,
  slicesTable,
  whereClause,
  type ReportScope,
} from './report-sql.js';

/**
 * Revenue in SQL, with the meaning of src/core/events (plans.ts: seatMonthRevenue; attribute-revenue.ts:
 * attributeRevenue), which the report tests hold these queries to:
 *
 * - Every user active in a calendar month owes their plan's seat for it, plus overage beyond the plan's
 *   allowance (requests — calls that did not fail — or inference cost), by the tier of their last active day.
 * - Each amount (a user-month of a plan, or one revenue record) is split among the features the user used
 *   that month by the configured method — cost share, request share or fixed weights — falling back to
 *   request share when the method gives every feature zero, and left unattributed (feature empty) when the
 *   user made no request. A revenue record that names a feature goes to it whole.
 * - A feature's part is split again among the finer groups (model, team…) the user's calls of that feature
 *   fall in, by cost (by requests, then calls, when they cost nothing).
 * - Splits are exact: parts are whole picodollars rounded down, and the picodollars left go one each to the
 *   largest remainders, ties to the feature that sorts first (within a feature, to the one largest
 *   remainder), so parts add up to the amount.
 * - Revenue is spread evenly over the days of its calendar month — a month's plan revenue, and each revenue
 *   record over the month it is dated in (invoices are monthly): a slice gets (revenue × its days in the
 *   month) ÷ the month's days, rounded down.
 */

/** What the plan revenue of some months is computed over: groups and filters, and the months. */
export interface PlanRevenueScope {
  source: ReportScope['source'];
  groupBy: readonly ReportDimension[];
  where: ReportScope['where'];
  months: DayWindow;
  /** One partition of the users (by user number), when a month is computed in several passes. */
  userPartition?: { parts: number; part: number };
}

/** Plan revenue per calendar month and group, attributed but not yet spread over days: (month, groups…, revenue). */
export function planRevenueByMonthSql(scope: PlanRevenueScope, revenue: RevenueSettings, bound: BoundValues): string {
  const plans = Object.entries(revenue.plans).map(
    ([tier, plan]) =>
      `(${bound.bind(tier, 'VARCHAR')}, ${bound.bind(usdToExactPicodollars(plan.seat_price_usd_per_month).toString(), 'HUGEINT')}, ` +
      `${bound.bind(plan.overage_usd_per_request === undefined ? null : (plan.included_requests ?? 0), 'BIGINT')}, ` +
      `${bound.bind(plan.overage_usd_per_request === undefined ? null : usdToExactPicodollars(plan.overage_usd_per_request).toString(), 'HUGEINT')}, ` +
      `${bound.bind(plan.overage_markup === undefined ? null : usdToExactPicodollars(plan.included_usd ?? 0).toString(), 'HUGEINT')}, ` +
      `${bound.bind(plan.overage_markup === undefined ? null : (1_000_000_000_000n + scaledDecimal(plan.overage_markup, 12)).toString(), 'HUGEINT')})`,
  );
  // A user-month left unattributed keeps its user's id where the report can group by user.
  const stubUser =
    scope.source === 'events' ? 'um.user_key' : scope.source === 'user-summaries' ? '(SELECT n.user_id FROM report_user_numbers n WHERE n.user_number = um.user_key)' : 'NULL::VARCHAR';
  return `WITH plans(tier, seat, included_requests, per_request, included_cost, markup_factor) AS (VALUES ${plans.join(', ')}),
    m AS MATERIALIZED (${monthlyRelation(scope.source, scope.months, bound, false, scope.userPartition, eventExtras(scope))}),
    user_month AS (
      SELECT month, user_key, sum(requests) AS requests, sum(cost) AS cost, arg_max(user_tier, {'day': last_day, 'tier': user_tier}) AS tier
      FROM m GROUP BY ALL
    ),
    items AS MATERIALIZED (
      SELECT row_number() OVER (ORDER BY month, user_key) AS item_id, month, user_key, amount, NULL::VARCHAR AS direct_feature, stub_tier, stub_user FROM (
        SELECT um.month, um.user_key, um.tier AS stub_tier, ${stubUser} AS stub_user,
          p.seat + CASE
            WHEN p.per_request IS NOT NULL THEN greatest(um.requests - p.included_requests, 0) * p.per_request
            WHEN p.markup_factor IS NOT NULL AND um.cost > p.included_cost THEN ((um.cost - p.included_cost) * p.markup_factor + 500000000000) // 1000000000000
            ELSE 0 END AS amount
        FROM user_month um JOIN plans p ON p.tier = um.tier
      ) WHERE amount <> 0
    ),
    ${attributionCtes(scope, revenue, bound)}
    SELECT i.month${groupColumns('a', scope.groupBy)}, sum(a.revenue) AS revenue
    FROM attributed a JOIN items i USING (item_id)
    WHERE ${whereClause('a', scope.where, bound)} GROUP BY ALL`;
}

/**
 * Revenue per slice and group: each month's revenue spread evenly over its days. `byMonth` is a relation
 * (month, groups…, revenue) — planRevenueByMonthSql, recordRevenueByMonthSql, or the summaries' cache.
 */
export function spreadMonthlyRevenueSql(scope: ReportScope, byMonth: string, bound: BoundValues, column: 'plan_revenue' | 'record_revenue'): string {
  const groups = scope.groupBy.map((dimension) => `, x.${dimension}`).join('');
  return `WITH ${monthPartsTable(scope.monthParts, bound)}, x AS (${byMonth})
    SELECT p.slice_id${groups}, sum(x.revenue * p.days // p.month_days) AS ${column}
    FROM x JOIN parts p ON p.month = x.month
    GROUP BY ALL`;
}

/** Plan revenue per slice and group, computed from the user-months. */
export function planRevenueQuery(scope: ReportScope, revenue: RevenueSettings): { sql: string; values: Record<string, DuckDBValue> } {
  const bound = new BoundValues();
  const byMonth = planRevenueByMonthSql({ source: scope.source, groupBy: scope.groupBy, where: scope.where, months: scope.monthRange }, revenue, bound);
  return { sql: spreadMonthlyRevenueSql(scope, byMonth, bound, 'plan_revenue'), values: bound.values };
}

/** Revenue records of some months, attributed per month and group: (month, groups…, revenue). */
export function recordRevenueByMonthSql(scope: Omit<PlanRevenueScope, 'userPartition'>, revenue: RevenueSettings, bound: BoundValues): string {
  const userKey = scope.source === 'events' ? 'r.user_id' : 'n.user_number';
  const userJoin = scope.source === 'events' ? '' : 'LEFT JOIN report_user_numbers n ON n.user_id = r.user_id';
  return `WITH items AS MATERIALIZED (
      SELECT row_number() OVER (ORDER BY r.id) AS item_id, date_trunc('month', r.ts)::DATE AS month, ${userKey} AS user_key, r.amount_picodollars AS amount,
        r.feature AS direct_feature, r.user_tier AS stub_tier, r.user_id AS stub_user
      FROM revenue r ${userJoin}
      WHERE r.ts >= ${bound.bind(scope.months.from, 'DATE')} AND r.ts < ${bound.bind(scope.months.to, 'DATE')} AND r.amount_picodollars <> 0
    ),
    m AS MATERIALIZED (${monthlyRelation(scope.source, scope.months, bound, true, undefined, eventExtras(scope))}),
    ${attributionCtes(scope, revenue, bound)}
    SELECT i.month${groupColumns('a', scope.groupBy)}, sum(a.revenue) AS revenue
    FROM attributed a JOIN items i USING (item_id)
    WHERE ${whereClause('a', scope.where, bound)}
    GROUP BY ALL`;
}

/** Revenue records per slice and group, computed from the records and the user-months. */
export function recordRevenueQuery(scope: ReportScope, revenue: RevenueSettings): { sql: string; values: Record<string, DuckDBValue> } {
  const bound = new BoundValues();
  const byMonth = recordRevenueByMonthSql({ source: scope.source, groupBy: scope.groupBy, where: scope.where, months: scope.monthRange }, revenue, bound);
  return { sql: spreadMonthlyRevenueSql(scope, byMonth, bound, 'record_revenue'), values: bound.values };
}

/**
 * Splits `items` (item_id, month, user_key, amount, direct_feature, stub_tier, stub_user) over the user's
 * calls of the month in `m`, into `attributed` (item_id, dimensions…, revenue).
 */
function attributionCtes(scope: Pick<ReportScope, 'source' | 'groupBy' | 'where'>, revenue: RevenueSettings, bound: BoundValues): string {
  const dimensions = relationDimensions(scope.source, eventExtras(scope));
  const weights = Object.entries(revenue.attribution.weights ?? {});
  const weightsTable =
    weights.length === 0
      ? 'weights(feature, units) AS (SELECT NULL::VARCHAR, NULL::HUGEINT WHERE false)'
      : `weights(feature, units) AS (VALUES ${weights.map(([feature, weight]) => `(${bound.bind(feature, 'VARCHAR')}, ${bound.bind(scaledDecimal(weight, 9).toString(), 'HUGEINT')})`).join(', ')})`;
  const method = revenue.attribution.method;
  const primaryWeight = method === 'cost_share' ? 'greatest(f.cost, 0)' : method === 'request_share' ? 'f.requests' : 'CASE WHEN f.feature IS NULL THEN 0 ELSE coalesce(w.units, 0) END';
  const stub = (feature: string): string =>
    dimensions
      .map((dimension) => {
        if (dimension === 'feature') return `${feature} AS feature`;
        if (dimension === 'user_tier') return 'i.stub_tier AS user_tier';
        if (dimension === 'user_id') return 'i.stub_user AS user_id';
        return `NULL::VARCHAR AS ${dimension}`;
      })
      .join(', ');
  const signed = (amount: string, value: string): string => `CASE WHEN ${amount} < 0 THEN -(${value}) ELSE ${value} END`;
  // Only a grouping or filter finer than the feature needs the second split.
  const needsComboSplit = [...scope.groupBy, ...scope.where.map((filter) => filter.dimension)].some((dimension: ReportDimension) => dimension !== 'feature');
  const featureLevel = `SELECT fr.item_id, ${stub('fr.feature')}, fr.revenue FROM feature_revenue fr JOIN items i USING (item_id)`;
  const attributed = needsComboSplit
    ? `combo_base AS (
        SELECT fr.item_id, coalesce(fr.feature, '') AS split_key, fr.revenue, ${dimensions.map((dimension) => `m.${dimension}`).join(', ')}, m.cost, m.requests, m.calls,
          hash(${dimensions.map((dimension) => `m.${dimension}`).join(', ')}) AS tiebreak
        FROM feature_revenue fr JOIN items i USING (item_id)
        JOIN m ON m.month = i.month AND m.user_key = i.user_key AND m.feature IS NOT DISTINCT FROM fr.feature
      ),
      combo_totals AS (
        SELECT item_id, split_key, sum(cost) AS feature_cost, sum(requests) AS feature_requests, sum(calls) AS feature_calls FROM combo_base GROUP BY ALL
      ),
      combo_split AS MATERIALIZED (
        SELECT *, abs(revenue) * weight // total AS floor_part, abs(revenue) * weight % total AS remainder FROM (
          SELECT b.*, CASE WHEN t.feature_cost > 0 THEN greatest(b.cost, 0) WHEN t.feature_requests > 0 THEN b.requests ELSE b.calls END AS weight,
            CASE WHEN t.feature_cost > 0 THEN t.feature_cost WHEN t.feature_requests > 0 THEN t.feature_requests ELSE t.feature_calls END AS total
          FROM combo_base b JOIN combo_totals t USING (item_id, split_key)
        ) WHERE total > 0 AND weight > 0
      ),
      -- Within a feature the few picodollars that rounding leaves go to the part with the largest remainder.
      combo_leftover AS (
        SELECT item_id, split_key, any_value(abs(revenue)) - sum(floor_part) AS leftover, arg_max(tiebreak, {'remainder': remainder, 'tiebreak': tiebreak}) AS winner
        FROM combo_split GROUP BY ALL
      ),
      attributed AS (
        SELECT c.item_id, ${dimensions.map((dimension) => `c.${dimension}`).join(', ')}, ${signed('c.revenue', 'c.floor_part + CASE WHEN c.tiebreak = l.winner THEN l.leftover ELSE 0 END')} AS revenue
        FROM combo_split c JOIN combo_leftover l USING (item_id, split_key)
        UNION ALL
        ${featureLevel}
        WHERE NOT EXISTS (SELECT 1 FROM m WHERE m.month = i.month AND m.user_key = i.user_key AND m.feature IS NOT DISTINCT FROM fr.feature)
        UNION ALL
        SELECT i.item_id, ${stub('NULL::VARCHAR')}, i.amount FROM unattributed i
      )`
    : `attributed AS (
        ${featureLevel}
        UNION ALL
        SELECT i.item_id, ${stub('NULL::VARCHAR')}, i.amount FROM unattributed i
      )`;
  return `${weightsTable},
    feature_usage AS (SELECT month, user_key, feature, sum(cost) AS cost, sum(requests) AS requests FROM m GROUP BY ALL),
    item_weights AS (
      SELECT i.item_id, i.amount, f.feature, f.requests, ${primaryWeight} AS primary_weight
      FROM items i JOIN feature_usage f ON f.month = i.month AND f.user_key = i.user_key
      LEFT JOIN weights w ON w.feature = f.feature
      WHERE i.direct_feature IS NULL
    ),
    item_totals AS (SELECT item_id, sum(primary_weight) AS primary_total, sum(requests) AS request_total FROM item_weights GROUP BY item_id),
    feature_split AS MATERIALIZED (
      SELECT *, abs(amount) * weight // total AS floor_part, abs(amount) * weight % total AS remainder
      FROM (
        SELECT w.item_id, w.amount, w.feature,
          CASE WHEN t.primary_total > 0 THEN w.primary_weight ELSE w.requests END AS weight,
          CASE WHEN t.primary_total > 0 THEN t.primary_total ELSE t.request_total END AS total
        FROM item_weights w JOIN item_totals t USING (item_id)
      )
      WHERE total > 0 AND weight > 0
    ),
    feature_leftover AS (SELECT item_id, any_value(abs(amount)) - sum(floor_part) AS leftover FROM feature_split GROUP BY item_id),
    -- Each feature's rank among the item's: 1 + those with a larger remainder, or an equal one and a name sorting first.
    feature_ranked AS (
      SELECT a.item_id, a.feature, a.amount, a.floor_part,
        1 + count(*) FILTER (WHERE b.remainder > a.remainder OR (b.remainder = a.remainder AND a.feature IS NOT NULL AND (b.feature IS NULL OR b.feature < a.feature))) AS rank
      FROM feature_split a JOIN feature_split b ON b.item_id = a.item_id
      GROUP BY ALL
    ),
    feature_revenue AS (
      SELECT r.item_id, r.feature, ${signed('r.amount', 'r.floor_part + CASE WHEN r.rank <= l.leftover THEN 1 ELSE 0 END')} AS revenue
      FROM feature_ranked r JOIN feature_leftover l USING (item_id)
      UNION ALL
      SELECT item_id, direct_feature, amount FROM items WHERE direct_feature IS NOT NULL
    ),
    unattributed AS (
      SELECT * FROM items i WHERE i.direct_feature IS NULL AND NOT EXISTS (SELECT 1 FROM feature_split s WHERE s.item_id = i.item_id)
    ),
    ${attributed}`;
}
