import type { GroupAggregate } from './group-aggregate.js';
import type { DayWindow } from './report-periods.js';

/**
 * What a store hands back for a report or the KPI dashboard: exact sums per group and slice of time. The
 * types live in the core so that turning them into measures stays pure; src/store/report-reader.ts
 * re-exports them with the queries that produce them.
 */

/** What a report can group by and filter on: the tags of the events, the model and its provider. */
export const reportDimensions = ['feature', 'team', 'user_tier', 'model', 'provider', 'environment', 'user_id', 'session_id'] as const;

/** One dimension a report groups or filters by. */
export type ReportDimension = (typeof reportDimensions)[number];

/** Keep the rows whose dimension equals one of the values; filters on different dimensions all apply. */
export interface ReportFilter {
  dimension: ReportDimension;
  values: string[];
}

/** One row of a report: its group's keys, the days it covers, its sums and those of the period before. */
export interface AggregateRow {
  keys: Partial<Record<ReportDimension, string | null>>;
  /** The bucket's days ([from, to)); the window when not bucketing by time. */
  bucket: DayWindow;
  /** The slice it is compared with: the calendar bucket before, or the window of equal length before. */
  previousBucket: DayWindow;
  current: GroupAggregate;
  /** Null when the group had no activity in the previous period. */
  previous: GroupAggregate | null;
}

/** The spend of one request type (feature × model) in the window, for the Pareto view. */
export interface RequestTypeSpend {
  feature: string | null;
  model: string;
  calls: number;
  unpricedCalls: number;
  costPicodollars: bigint;
}

/** Everything a report shows, as exact sums. */
export interface ReportAggregates {
  /** Null when the store is empty and no window was given. */
  window: DayWindow | null;
  previousWindow: DayWindow | null;
  rows: AggregateRow[];
  /** The whole window (all groups, filters applied) and the window before it. */
  totals: { current: GroupAggregate; previous: GroupAggregate };
  requestTypes: RequestTypeSpend[];
  /** Whether revenue is known: plans are configured or revenue records are stored. */
  revenueTracked: boolean;
  /**
   * Present only when the query asked for the top rows (ReportQuery.top): `rows` then holds, per bucket, the
   * `rows` costliest rows of the full report, in its order; `groupCount` is how many rows of the full report
   * have calls (groups × buckets that called), counted over every group. Totals and request types are unchanged.
   */
  top?: { rows: number; groupCount: number };
}

/** The sums the KPI dashboard reads, overall and per feature, this period and the one before. */
export interface KpiAggregates {
  window: DayWindow | null;
  previousWindow: DayWindow | null;
  overall: { current: GroupAggregate; previous: GroupAggregate };
  features: Array<{ feature: string | null; current: GroupAggregate; previous: GroupAggregate | null }>;
  revenueTracked: boolean;
}
