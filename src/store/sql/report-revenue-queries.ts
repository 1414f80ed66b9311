import { scaledDecimal, usdToExactPicodollars } from '../../core/events/exact-decimal.js';
import type { DayWindow, MonthPart } from '../../core/kpi/report-periods.js';
import type { RevenueSettings } from '../../core/kpi/revenue-settings.js';
import type { ReportDimension, ReportFilter } from '../../core/kpi/report-aggregates.js';
import { RelationChain, type ChainedSql } from './relation-chain.js';
import { checkedDimension, comboDimensions, eventDimension, namedFilter, type EventDimension, type EventExtra } from './report-queries.js';
import type { SqlDialect } from './sql-dialect.js';

/*
 * Revenue in SQL, written once for every backend and every source of usage, with the meaning of
 * src/core/events (plans.ts: seatMonthRevenue; attribute-revenue.ts: attributeRevenue), which the report
 * tests hold these queries to:
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
 *   remainder, ties to the group whose key text sorts last), so parts add up to the amount.
 * - Revenue is spread evenly over the days of its calendar month — a month's plan revenue, and each revenue
 *   record over the month it is dated in (invoices are monthly): a slice gets (revenue × its days in the
 *   month) ÷ the month's days, rounded toward zero.
 *
 * Each query is a chain of relations (relation-chain.ts): DuckDB runs it as CTEs, ClickHouse through
 * scratch tables. Joins are single equi-joins on text keys (ClickHouse 18.16 takes one JOIN per SELECT and
 * wants the key types to agree): a user-month is `month|user`, a feature of it `month|user|=feature`.
 */

/** Where the calls that revenue is attributed by come from: raw events, or a backend's summaries of them. */
export interface MonthlyUsage {
  /**
   * Adds relation `m` to the chain: per month, user and dimensions, (month, user_key, dimensions…, calls,
   * requests, cost, last_day). With onlyUsersOfItems, `items` is defined already and only its users are needed.
   */
  define(chain: RelationChain, onlyUsersOfItems: boolean): void;
  /** The dimension columns `m` carries. */
  dimensions: readonly string[];
  /** The user id an unattributed user-month keeps, from its user key (an expression). */
  stubUser(userKey: string): string;
  /** A revenue record's (alias r) user key as `m` has it, and the join that gives it (empty when none is needed). */
  recordUserKey: string;
  recordUserJoin: string;
}

/** What revenue is computed over: groups and filters, and the months. */
export interface RevenueScope {
  groupBy: readonly ReportDimension[];
  where: readonly ReportFilter[];
  months: DayWindow;
}

/** A value typed as nullable, so that every branch of a UNION agrees (ClickHouse types a non-null column apart). */
const nullable = (d: SqlDialect, expression: string): string => `CASE WHEN ${expression} IS NULL THEN ${d.nullableString(null)} ELSE ${expression} END`;

/** A feature as a key part that is never null: '' for no feature, '=name' for one. */
const featureKey = (d: SqlDialect, expression: string): string => `CASE WHEN ${expression} IS NULL THEN '' ELSE concat('=', coalesce(${expression}, '')) END`;

/** A user-month's key: 'YYYY-MM-DD|user'. */
const monthUserKey = (d: SqlDialect, month: string, user: string): string => `concat(${d.text(month)}, '|', coalesce(${d.text(user)}, ''))`;

/**
 * The relation `m` every monthly usage defines: its inner query's month, user key, dimensions (k_…) and sums
 * (s_calls, s_requests, s_cost, s_last_day) under the names revenue attribution reads, each dimension typed
 * nullable. Written once for the raw events and the summaries, which differ only in the inner query.
 */
export function addMonthlyUsageRelation(d: SqlDialect, chain: RelationChain, inner: string, dimensions: readonly string[]): void {
  chain.add(
    'm',
    `SELECT mu.k_month AS month, mu.k_user AS user_key${dimensions.map((dimension) => `, ${nullable(d, `mu.k_${dimension}`)} AS ${dimension}`).join('')},
      mu.s_calls AS calls, mu.s_requests AS requests, mu.s_cost AS cost, mu.s_last_day AS last_day
    FROM (${inner}) AS mu`,
    { materialized: true },
  );
}

/** Calls per month, user and dimensions from the raw events: the usage every backend can attribute by. */
export function eventMonthlyUsage(d: SqlDialect, months: DayWindow, extras: readonly EventExtra[]): MonthlyUsage {
  const dimensions: EventDimension[] = [...comboDimensions, ...extras];
  return {
    dimensions,
    define(chain, onlyUsersOfItems) {
      const inner = `SELECT ${d.monthStart(d.eventDate('e'))} AS k_month, e.user_id AS k_user${dimensions.map((dimension) => `, ${eventDimension(dimension, 'e')} AS k_${dimension}`).join('')},
          count(*) AS s_calls, ${d.countIf("e.status = 'ok'")} AS s_requests, sum(${d.wide('coalesce(e.cost_total, 0)')}) AS s_cost, max(${d.eventDate('e')}) AS s_last_day
        FROM ${d.table('usage_events', 'e')}
        WHERE e.user_id IS NOT NULL AND ${d.eventDate('e')} >= ${d.date(months.from)} AND ${d.eventDate('e')} < ${d.date(months.to)}
          ${onlyUsersOfItems ? `AND e.user_id IN (SELECT oi.user_key FROM ${chain.from('items', 'oi')})` : ''}
        GROUP BY k_month, k_user${dimensions.map((dimension) => `, k_${dimension}`).join('')}`;
      addMonthlyUsageRelation(d, chain, inner, dimensions);
    },
    stubUser: (userKey) => userKey,
    recordUserKey: 'r.user_id',
    recordUserJoin: '',
  };
}

/** The plans as a relation: (plan_tier, plan_seat, plan_kind 0 seat only / 1 per request / 2 cost markup, allowances and rates), every amount wide. */
function plansRelation(d: SqlDialect, revenue: RevenueSettings): string {
  return Object.entries(revenue.plans)
    .map(([tier, plan]) => {
      const kind = plan.overage_usd_per_request !== undefined ? 1 : plan.overage_markup !== undefined ? 2 : 0;
      const columns = [
        `${d.string(tier)} AS plan_tier`,
        `${d.wideLiteral(usdToExactPicodollars(plan.seat_price_usd_per_month))} AS plan_seat`,
        `${d.narrow(String(kind))} AS plan_kind`,
        `${d.wideLiteral(kind === 1 ? BigInt(plan.included_requests ?? 0) : 0n)} AS plan_included_requests`,
        `${d.wideLiteral(kind === 1 ? usdToExactPicodollars(plan.overage_usd_per_request!) : 0n)} AS plan_per_request`,
        `${d.wideLiteral(kind === 2 ? usdToExactPicodollars(plan.included_usd ?? 0) : 0n)} AS plan_included_cost`,
        `${d.wideLiteral(kind === 2 ? 1_000_000_000_000n + scaledDecimal(plan.overage_markup!, 12) : 0n)} AS plan_markup`,
      ];
      return `SELECT ${columns.join(', ')}`;
    })
    .join(' UNION ALL ');
}

/** `m` with its keys: mk (mk_mu, mk_muf, mk_month, mk_user, mk_<dimension>…, mk_calls, mk_requests, mk_cost, mk_last_day). */
function addKeyedUsage(d: SqlDialect, chain: RelationChain, usage: MonthlyUsage): void {
  chain.add(
    'mk',
    `SELECT ${monthUserKey(d, 'm.month', 'm.user_key')} AS mk_mu, concat(${monthUserKey(d, 'm.month', 'm.user_key')}, '|', ${featureKey(d, 'm.feature')}) AS mk_muf,
      m.month AS mk_month, m.user_key AS mk_user${usage.dimensions.map((dimension) => `, m.${dimension} AS mk_${dimension}`).join('')},
      m.calls AS mk_calls, m.requests AS mk_requests, m.cost AS mk_cost, m.last_day AS mk_last_day
    FROM ${chain.from('m', 'm')}`,
  );
}

/** Plan revenue per calendar month and group, attributed but not yet spread over days: (month, groups…, revenue). */
export function planRevenueByMonthSql(d: SqlDialect, usage: MonthlyUsage, scope: RevenueScope, revenue: RevenueSettings): ChainedSql {
  const chain = new RelationChain(d);
  usage.define(chain, false);
  addKeyedUsage(d, chain, usage);
  chain.add(
    'user_month',
    `SELECT mk.mk_mu AS um_mu, mk.mk_month AS um_month, mk.mk_user AS um_user, sum(mk.mk_requests) AS um_requests, sum(mk.mk_cost) AS um_cost,
      ${d.argMaxBy('mk.mk_user_tier', ['mk.mk_last_day', "coalesce(mk.mk_user_tier, '')"])} AS um_tier
    FROM ${chain.from('mk', 'mk')}
    GROUP BY mk.mk_mu, mk.mk_month, mk.mk_user`,
  );
  const zero = d.wideLiteral(0n);
  const amount = `p.plan_seat + CASE
      WHEN p.plan_kind = 1 THEN greatest(${d.wide('um.um_requests')} - p.plan_included_requests, ${zero}) * p.plan_per_request
      WHEN p.plan_kind = 2 AND um.um_cost > p.plan_included_cost THEN ${d.wideDivide(`(um.um_cost - p.plan_included_cost) * p.plan_markup + ${d.wideLiteral(500_000_000_000n)}`, d.wideLiteral(1_000_000_000_000n))}
      ELSE ${zero} END`;
  chain.add(
    'items',
    `SELECT * FROM (
      SELECT um.um_mu AS item_id, um.um_mu AS item_mu, um.um_month AS month, um.um_user AS user_key, ${amount} AS amount,
        ${d.nullableString(null)} AS direct_feature, um.um_tier AS stub_tier, ${nullable(d, usage.stubUser('um.um_user'))} AS stub_user
      FROM ${chain.from('user_month', 'um')} ${d.join('inner')} (${plansRelation(d, revenue)}) AS p ON um.um_tier = p.plan_tier
    ) AS x WHERE x.amount <> 0`,
    { materialized: true },
  );
  return attributedByMonth(d, chain, usage, scope, revenue);
}

/** Revenue records of some months, attributed per month and group: (month, groups…, revenue). */
export function recordRevenueByMonthSql(d: SqlDialect, usage: MonthlyUsage, scope: RevenueScope, revenue: RevenueSettings): ChainedSql {
  const chain = new RelationChain(d);
  const month = d.monthStart(d.eventDate('r'));
  chain.add(
    'items',
    `SELECT r.id AS item_id, ${monthUserKey(d, month, usage.recordUserKey)} AS item_mu, ${month} AS month, ${usage.recordUserKey} AS user_key, r.amount_picodollars AS amount,
      r.feature AS direct_feature, r.user_tier AS stub_tier, ${nullable(d, 'r.user_id')} AS stub_user
    FROM ${d.table('revenue', 'r')} ${usage.recordUserJoin}
    WHERE ${d.eventDate('r')} >= ${d.date(scope.months.from)} AND ${d.eventDate('r')} < ${d.date(scope.months.to)} AND r.amount_picodollars <> 0`,
    { materialized: true },
  );
  usage.define(chain, true);
  addKeyedUsage(d, chain, usage);
  return attributedByMonth(d, chain, usage, scope, revenue);
}

/**
 * Splits `items` (item_id, item_mu, month, user_key, amount, direct_feature, stub_tier, stub_user) over the
 * user's calls of the month in `mk`, and sums the parts per month and group.
 */
function attributedByMonth(d: SqlDialect, chain: RelationChain, usage: MonthlyUsage, scope: RevenueScope, revenue: RevenueSettings): ChainedSql {
  const dimensions = usage.dimensions;
  const zero = d.wideLiteral(0n);
  const method = revenue.attribution.method;
  const weights = Object.entries(revenue.attribution.weights ?? {});
  const primaryWeight =
    method === 'cost_share'
      ? `greatest(f.fu_cost, ${zero})`
      : method === 'request_share'
        ? d.wide('f.fu_requests')
        : weights.length === 0
          ? zero
          : `CASE ${weights.map(([feature, weight]) => `WHEN f.fu_feature = ${d.string(feature)} THEN ${d.wideLiteral(scaledDecimal(weight, 9))}`).join(' ')} ELSE ${zero} END`;
  const signed = (amount: string, value: string): string => `CASE WHEN ${amount} < 0 THEN -(${value}) ELSE ${value} END`;
  const stub = (feature: string, alias: string): string =>
    dimensions
      .map((dimension) => {
        if (dimension === 'feature') return `${feature} AS feature`;
        if (dimension === 'user_tier') return `${alias}.stub_tier AS user_tier`;
        if (dimension === 'user_id') return `${alias}.stub_user AS user_id`;
        return `${d.nullableString(null)} AS ${dimension}`;
      })
      .join(', ');

  chain.add(
    'feature_usage',
    `SELECT mk.mk_mu AS fu_mu, mk.mk_feature AS fu_feature, sum(mk.mk_cost) AS fu_cost, sum(mk.mk_requests) AS fu_requests
    FROM ${chain.from('mk', 'mk')} GROUP BY mk.mk_mu, mk.mk_feature`,
  );
  chain.add(
    'item_weights',
    `SELECT i.item_id AS iw_item, i.amount AS iw_amount, f.fu_feature AS iw_feature, f.fu_requests AS iw_requests, ${primaryWeight} AS iw_primary
    FROM ${chain.from('items', 'i')} ${d.join('inner')} ${chain.from('feature_usage', 'f')} ON i.item_mu = f.fu_mu
    WHERE i.direct_feature IS NULL`,
  );
  chain.add(
    'item_totals',
    `SELECT w.iw_item AS it_item, sum(w.iw_primary) AS it_primary_total, sum(w.iw_requests) AS it_request_total FROM ${chain.from('item_weights', 'w')} GROUP BY w.iw_item`,
  );
  const floorPart = d.wideDivide('abs(y.fs_amount) * y.fs_weight', 'y.fs_total');
  chain.add(
    'feature_split',
    `SELECT y.fs_item AS fs_item, concat(y.fs_item, '|', ${featureKey(d, 'y.fs_feature')}) AS fs_key, y.fs_amount AS fs_amount, y.fs_feature AS fs_feature, ${floorPart} AS fs_floor,
      abs(y.fs_amount) * y.fs_weight - (${floorPart}) * y.fs_total AS fs_remainder,
      CASE WHEN y.fs_feature IS NULL THEN 0 ELSE 1 END AS fs_named, coalesce(y.fs_feature, '') AS fs_name
    FROM (
      SELECT w.iw_item AS fs_item, w.iw_amount AS fs_amount, w.iw_feature AS fs_feature,
        CASE WHEN t.it_primary_total > 0 THEN w.iw_primary ELSE ${d.wide('w.iw_requests')} END AS fs_weight,
        CASE WHEN t.it_primary_total > 0 THEN t.it_primary_total ELSE ${d.wide('t.it_request_total')} END AS fs_total
      FROM ${chain.from('item_weights', 'w')} ${d.join('inner')} ${chain.from('item_totals', 't')} ON w.iw_item = t.it_item
    ) AS y
    WHERE y.fs_total > 0 AND y.fs_weight > 0`,
    { materialized: true },
  );
  chain.add(
    'feature_leftover',
    `SELECT s.fs_item AS fl_item, ${d.anyValue('abs(s.fs_amount)')} - sum(s.fs_floor) AS fl_leftover FROM ${chain.from('feature_split', 's')} GROUP BY s.fs_item`,
  );
  // Each feature's rank among the item's: 1 + those with a larger remainder, or an equal one and a name sorting first (no feature first).
  // Grouped by the feature's text key alone: ClickHouse 18.16 crashes grouping by a Decimal beside other keys.
  chain.add(
    'feature_ranked',
    `SELECT a.fs_key AS fr_key,
      1 + ${d.countIf('b.b_remainder > a.fs_remainder OR (b.b_remainder = a.fs_remainder AND (b.b_named < a.fs_named OR (b.b_named = a.fs_named AND b.b_name < a.fs_name)))')} AS fr_rank
    FROM ${chain.from('feature_split', 'a')} ${d.join('inner')} (SELECT s.fs_item AS b_item, s.fs_remainder AS b_remainder, s.fs_named AS b_named, s.fs_name AS b_name FROM ${chain.from('feature_split', 's')}) AS b
      ON a.fs_item = b.b_item
    GROUP BY a.fs_key`,
  );
  chain.add(
    'feature_revenue',
    `SELECT r.rk_item AS rv_item, r.rk_feature AS rv_feature, ${signed('r.rk_amount', 'r.rk_floor + CASE WHEN r.rk_rank <= l.fl_leftover THEN 1 ELSE 0 END')} AS rv_revenue
    FROM (
      SELECT s.fs_item AS rk_item, s.fs_feature AS rk_feature, s.fs_amount AS rk_amount, s.fs_floor AS rk_floor, k.fr_rank AS rk_rank
      FROM ${chain.from('feature_split', 's')} ${d.join('inner')} ${chain.from('feature_ranked', 'k')} ON s.fs_key = k.fr_key
    ) AS r ${d.join('inner')} ${chain.from('feature_leftover', 'l')} ON r.rk_item = l.fl_item
    UNION ALL
    SELECT i.item_id AS rv_item, i.direct_feature AS rv_feature, i.amount AS rv_revenue FROM ${chain.from('items', 'i')} WHERE i.direct_feature IS NOT NULL`,
  );
  chain.add(
    'unattributed',
    `SELECT i.item_id AS item_id, i.stub_tier AS stub_tier, i.stub_user AS stub_user, i.amount AS amount FROM ${chain.from('items', 'i')}
    WHERE i.direct_feature IS NULL AND i.item_id NOT IN (SELECT s.fs_item FROM ${chain.from('feature_split', 's')})`,
  );
  // Each feature part with its item's user-month: what the finer split and the stubs read.
  chain.add(
    'feature_parts',
    `SELECT fr.rv_item AS fp_item, fr.rv_revenue AS fp_revenue, fr.rv_feature AS fp_feature, concat(i.item_mu, '|', ${featureKey(d, 'fr.rv_feature')}) AS fp_muf,
      i.stub_tier AS stub_tier, i.stub_user AS stub_user
    FROM ${chain.from('feature_revenue', 'fr')} ${d.join('inner')} ${chain.from('items', 'i')} ON fr.rv_item = i.item_id`,
  );
  const unattributed = `SELECT u.item_id AS at_item, ${stub(d.nullableString(null), 'u')}, u.amount AS at_revenue FROM ${chain.from('unattributed', 'u')}`;
  // Only a grouping or filter finer than the feature needs the second split.
  const needsComboSplit = [...scope.groupBy, ...scope.where.map((filter) => filter.dimension)].some((dimension: ReportDimension) => dimension !== 'feature');
  if (!needsComboSplit) {
    chain.add('attributed', `SELECT p.fp_item AS at_item, ${stub('p.fp_feature', 'p')}, p.fp_revenue AS at_revenue FROM ${chain.from('feature_parts', 'p')} UNION ALL ${unattributed}`);
  } else {
    // The tie-break among a feature's groups: their dimensions as one text, nulls apart from any value.
    const tiebreak = `concat(${dimensions.map((dimension) => `CASE WHEN mk.mk_${dimension} IS NULL THEN '0' ELSE concat('1', coalesce(mk.mk_${dimension}, '')) END`).join(", '|', ")})`;
    chain.add(
      'combo_base',
      `SELECT concat(p.fp_item, '|', ${featureKey(d, 'p.fp_feature')}) AS cb_key, p.fp_item AS cb_item, p.fp_revenue AS cb_revenue,
        ${dimensions.map((dimension) => `mk.mk_${dimension} AS cb_${dimension}`).join(', ')}, mk.mk_cost AS cb_cost, mk.mk_requests AS cb_requests, mk.mk_calls AS cb_calls, ${tiebreak} AS cb_tiebreak
      FROM ${chain.from('feature_parts', 'p')} ${d.join('inner')} ${chain.from('mk', 'mk')} ON p.fp_muf = mk.mk_muf`,
    );
    chain.add(
      'combo_totals',
      `SELECT b.cb_key AS ct_key, sum(b.cb_cost) AS ct_cost, sum(b.cb_requests) AS ct_requests, sum(b.cb_calls) AS ct_calls FROM ${chain.from('combo_base', 'b')} GROUP BY b.cb_key`,
    );
    const comboFloor = d.wideDivide('abs(y.cs_revenue) * y.cs_weight', 'y.cs_total');
    chain.add(
      'combo_split',
      `SELECT y.cs_key AS cs_key, y.cs_item AS cs_item, y.cs_revenue AS cs_revenue, ${dimensions.map((dimension) => `y.cs_${dimension} AS cs_${dimension}`).join(', ')}, y.cs_tiebreak AS cs_tiebreak,
        ${comboFloor} AS cs_floor, abs(y.cs_revenue) * y.cs_weight - (${comboFloor}) * y.cs_total AS cs_remainder
      FROM (
        SELECT b.cb_key AS cs_key, b.cb_item AS cs_item, b.cb_revenue AS cs_revenue, ${dimensions.map((dimension) => `b.cb_${dimension} AS cs_${dimension}`).join(', ')}, b.cb_tiebreak AS cs_tiebreak,
          CASE WHEN t.ct_cost > 0 THEN greatest(b.cb_cost, ${zero}) WHEN t.ct_requests > 0 THEN ${d.wide('b.cb_requests')} ELSE ${d.wide('b.cb_calls')} END AS cs_weight,
          CASE WHEN t.ct_cost > 0 THEN t.ct_cost WHEN t.ct_requests > 0 THEN ${d.wide('t.ct_requests')} ELSE ${d.wide('t.ct_calls')} END AS cs_total
        FROM ${chain.from('combo_base', 'b')} ${d.join('inner')} ${chain.from('combo_totals', 't')} ON b.cb_key = t.ct_key
      ) AS y
      WHERE y.cs_total > 0 AND y.cs_weight > 0`,
      { materialized: true },
    );
    // Within a feature the few picodollars that rounding leaves go to the part with the largest remainder.
    chain.add(
      'combo_leftover',
      `SELECT c.cs_key AS cl_key, ${d.anyValue('abs(c.cs_revenue)')} - sum(c.cs_floor) AS cl_leftover, ${d.argMaxBy('c.cs_tiebreak', ['c.cs_remainder', 'c.cs_tiebreak'])} AS cl_winner
      FROM ${chain.from('combo_split', 'c')} GROUP BY c.cs_key`,
    );
    chain.add(
      'attributed',
      `SELECT c.cs_item AS at_item, ${dimensions.map((dimension) => `c.cs_${dimension} AS ${dimension}`).join(', ')},
        ${signed('c.cs_revenue', `c.cs_floor + CASE WHEN c.cs_tiebreak = l.cl_winner THEN l.cl_leftover ELSE ${zero} END`)} AS at_revenue
      FROM ${chain.from('combo_split', 'c')} ${d.join('inner')} ${chain.from('combo_leftover', 'l')} ON c.cs_key = l.cl_key
      UNION ALL
      SELECT p.fp_item AS at_item, ${stub('p.fp_feature', 'p')}, p.fp_revenue AS at_revenue FROM ${chain.from('feature_parts', 'p')}
      WHERE p.fp_muf NOT IN (SELECT mk.mk_muf FROM ${chain.from('mk', 'mk')})
      UNION ALL
      ${unattributed}`,
    );
  }
  const groups = scope.groupBy.map(checkedDimension);
  return chain.query(
    `SELECT i.month AS month${groups.map((dimension) => `, a.${dimension} AS ${dimension}`).join('')}, sum(a.at_revenue) AS revenue
    FROM ${chain.from('attributed', 'a')} ${d.join('inner')} (SELECT ii.item_id AS i_item, ii.month AS month FROM ${chain.from('items', 'ii')}) AS i ON a.at_item = i.i_item
    WHERE 1 = 1${namedFilter(d, 'a', scope.where)}
    GROUP BY i.month${groups.map((dimension) => `, a.${dimension}`).join('')}`,
  );
}

/**
 * Revenue per slice and group: each month's revenue spread evenly over its days. `byMonth` is a relation
 * (month, groups…, revenue): plan or record revenue by month, or a backend's cache of them.
 */
export function spreadRevenueSql(d: SqlDialect, scope: { groupBy: readonly ReportDimension[]; monthParts: readonly MonthPart[] }, byMonth: string, column: 'plan_revenue' | 'record_revenue'): string {
  const groups = scope.groupBy.map(checkedDimension);
  const parts = scope.monthParts
    .map((part) => `SELECT ${d.narrow(String(part.sliceId))} AS slice_id, ${d.date(part.month)} AS part_month, ${d.wideLiteral(BigInt(part.days))} AS part_days, ${d.wideLiteral(BigInt(part.monthDays))} AS part_month_days`)
    .join(' UNION ALL ');
  return `SELECT p.slice_id AS slice_id${groups.map((dimension) => `, x.${dimension} AS ${dimension}`).join('')}, ${d.exactText(`sum(${d.wideDivide('x.revenue * p.part_days', 'p.part_month_days')})`)} AS ${column}
    FROM (${byMonth}) AS x ${d.join('inner')} (${parts}) AS p ON x.month = p.part_month
    GROUP BY p.slice_id${groups.map((dimension) => `, x.${dimension}`).join('')}`;
}
