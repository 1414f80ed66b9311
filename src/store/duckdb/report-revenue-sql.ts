import type { DuckDBValue } from '@duckdb/node-api';
import type { DayWindow } from '../../core/kpi/report-periods.js';
import type { RevenueSettings } from '../../core/kpi/revenue-settings.js';
import type { ReportDimension } from '../report-reader.js';
import { plainSql, type RelationChain } from '../sql/relation-chain.js';
import {
  eventMonthlyUsage,
  planRevenueByMonthSql as sharedPlanRevenueByMonthSql,
  recordRevenueByMonthSql as sharedRecordRevenueByMonthSql,
  spreadRevenueSql,
  type MonthlyUsage,
} from '../sql/report-revenue-queries.js';
import { duckdbDialect } from '../sql/sql-dialect.js';
import { BoundValues, monthlyRelation, eventExtras, relationDimensions, type ReportScope } from './report-sql.js';

/**
 * Revenue of a DuckDB report. What revenue means and how it is attributed is written once for every
 * backend in src/store/sql/report-revenue-queries.ts; DuckDB adds only where its usage comes from: the raw
 * events (the shared relation), or its per-month or per-day user summaries (monthlyRelation), whose users
 * are numbers that its dictionaries turn back into ids.
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

/** The usage a source attributes revenue by, with its values bound in `bound`. */
function monthlyUsage(scope: PlanRevenueScope, bound: BoundValues): MonthlyUsage {
  const extras = eventExtras(scope);
  const source = scope.source;
  if (source === 'events') return eventMonthlyUsage(duckdbDialect, scope.months, extras);
  return {
    dimensions: relationDimensions(source, extras),
    define(chain: RelationChain, onlyUsersOfItems: boolean) {
      chain.add('m', monthlyRelation(source, scope.months, bound, onlyUsersOfItems, scope.userPartition, extras), { materialized: true });
    },
    // A user-month left unattributed keeps its user's id where the report can group by user.
    stubUser: (userKey) => (source === 'user-summaries' ? `(SELECT n.user_id FROM report_user_numbers n WHERE n.user_number = ${userKey})` : 'NULL::VARCHAR'),
    recordUserKey: 'n.user_number',
    recordUserJoin: 'LEFT JOIN report_user_numbers n ON n.user_id = r.user_id',
  };
}

/** Plan revenue per calendar month and group, attributed but not yet spread over days: (month, groups…, revenue). */
export function planRevenueByMonthSql(scope: PlanRevenueScope, revenue: RevenueSettings, bound: BoundValues): string {
  return plainSql(sharedPlanRevenueByMonthSql(duckdbDialect, monthlyUsage(scope, bound), scope, revenue));
}

/** Revenue records of some months, attributed per month and group: (month, groups…, revenue). */
export function recordRevenueByMonthSql(scope: Omit<PlanRevenueScope, 'userPartition'>, revenue: RevenueSettings, bound: BoundValues): string {
  return plainSql(sharedRecordRevenueByMonthSql(duckdbDialect, monthlyUsage(scope, bound), scope, revenue));
}

/**
 * Revenue per slice and group: each month's revenue spread evenly over its days. `byMonth` is a relation
 * (month, groups…, revenue) — planRevenueByMonthSql, recordRevenueByMonthSql, or the summaries' cache.
 */
export function spreadMonthlyRevenueSql(scope: ReportScope, byMonth: string, _bound: BoundValues, column: 'plan_revenue' | 'record_revenue'): string {
  return spreadRevenueSql(duckdbDialect, scope, byMonth, column);
}

/** Plan revenue per slice and group, computed from the user-months. */
export function planRevenueQuery(scope: ReportScope, revenue: RevenueSettings): { sql: string; values: Record<string, DuckDBValue> } {
  const bound = new BoundValues();
  const byMonth = planRevenueByMonthSql({ source: scope.source, groupBy: scope.groupBy, where: scope.where, months: scope.monthRange }, revenue, bound);
  return { sql: spreadMonthlyRevenueSql(scope, byMonth, bound, 'plan_revenue'), values: bound.values };
}

/** Revenue records per slice and group, computed from the records and the user-months. */
export function recordRevenueQuery(scope: ReportScope, revenue: RevenueSettings): { sql: string; values: Record<string, DuckDBValue> } {
  const bound = new BoundValues();
  const byMonth = recordRevenueByMonthSql({ source: scope.source, groupBy: scope.groupBy, where: scope.where, months: scope.monthRange }, revenue, bound);
  return { sql: spreadMonthlyRevenueSql(scope, byMonth, bound, 'record_revenue'), values: bound.values };
}
