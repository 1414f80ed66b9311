import type { ModelTierSettings } from '../core/kpi/model-tier.js';
import type { ReportSum } from '../core/kpi/report-fields.js';
import type { KpiAggregates, ReportAggregates, ReportDimension, ReportFilter } from '../core/kpi/report-aggregates.js';
import type { ReportPeriod } from '../core/kpi/report-periods.js';
import type { RevenueSettings } from '../core/kpi/revenue-settings.js';
import type { SpendSeriesQuery, SpendSeriesRow } from '../core/governance/alerts/spend-series.js';

export { reportDimensions } from '../core/kpi/report-aggregates.js';
export type { SpendSeriesQuery, SpendSeriesRow } from '../core/governance/alerts/spend-series.js';
export type { AggregateRow, KpiAggregates, ReportAggregates, ReportDimension, ReportFilter, RequestTypeSpend } from '../core/kpi/report-aggregates.js';

/** A report: which groups, which window, which time buckets, and how revenue and model tiers are counted. */
export interface ReportQuery {
  groupBy: ReportDimension[];
  /** Buckets by calendar day, ISO week or calendar month; null for one row per group over the window. */
  period: ReportPeriod | null;
  /** Whole UTC days [from, to); either side defaults to the stored data's first day and the day after its last. */
  from?: string;
  to?: string;
  where: ReportFilter[];
  revenue: RevenueSettings;
  tiers: ModelTierSettings;
  /**
   * Only the N costliest rows of each bucket (the report's own order: cost, then calls, then keys), for views
   * that cannot use every group (a feature page's scatter of 10⁵ sessions); totals, request types and the
   * count of groups stay over every group. Absent: every row.
   */
  top?: number;
  /**
   * Only these sums of the rows are needed (a report narrowed to some measures: sumsOfFields); the others may be
   * left 0, and their queries not run. The rows are the same (calls, cost and revenue are always read); the totals
   * are narrowed alike, with the unpriced calls and tokens the report states beside. Absent: every sum.
   */
  sums?: readonly ReportSum[];
}

/** The KPI dashboard's period: the last 1, 7 or 30 days of data, ending the day before `to`. */
export interface KpiQuery {
  period: ReportPeriod;
  /** The first day after the period; defaults to the day after the last stored event. */
  to?: string;
  /** Only calls matching these filters (as a report's); none or absent for every call. */
  where?: ReportFilter[];
  revenue: RevenueSettings;
  tiers: ModelTierSettings;
}

/** The users of a window, for who is served at a loss: only what that needs, of a report by (user_tier, user_id). */
export interface UserEconomicsQuery {
  /** Whole UTC days [from, to). */
  from: string;
  to: string;
  revenue: RevenueSettings;
}

/**
 * One (user_tier, user_id) group of the window, with exactly the figures `report` gives its row when grouping
 * by user_tier and user_id with no period: the same groups (those with calls or revenue), the same sums.
 */
export interface UserEconomics {
  userTier: string | null;
  userId: string | null;
  costPicodollars: bigint;
  planRevenuePicodollars: bigint;
  recordRevenuePicodollars: bigint;
}

/** The read side of every store: report and KPI aggregates, summed exactly by the backend. */
export interface ReportReader {
  /** Aggregates usage, tasks, users and revenue by the query's groups and time buckets. */
  report(query: ReportQuery): Promise<ReportAggregates>;
  /** Cost and attributed revenue per (user_tier, user_id) over a window, without the report's other measures. */
  userEconomics(query: UserEconomicsQuery): Promise<UserEconomics[]>;
  /** Aggregates the dashboard's period and the one before it, overall and per feature. */
  kpis(query: KpiQuery): Promise<KpiAggregates>;
  /** Spend per hour or day bucket and value of a tag (optionally per model and token class): what alerts are evaluated on. */
  spendSeries(query: SpendSeriesQuery): Promise<SpendSeriesRow[]>;
}
