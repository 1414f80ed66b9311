import type { RevenueAttribution } from '../events/plans.js';
import type { NarrowedReport, Report, RequestType } from './build-report.js';
import type { KpiDashboard, KpiLine } from './kpi-dashboard.js';
import type { KpiCheck } from './kpi-thresholds.js';
import type { ReportDimension } from './report-aggregates.js';
import type { MeasureChanges, ReportMeasures } from './report-measures.js';
import type { DayWindow, ReportPeriod } from './report-periods.js';

// The JSON of reportJson and kpiDashboardJson as read back: written by the same code on the server, so it
// is trusted for its shape rather than validated field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const picodollarsPerUsd = 1_000_000_000_000;

/**
 * A report read back from its JSON (reportJson), so that one printed from a server's answer reads as one computed
 * here; narrowed (NarrowedReport) when the JSON names its `fields`.
 */
export function reportFromJson(json: Json): Report | NarrowedReport {
  const groupBy = json.group_by as ReportDimension[];
  const rowKeys = new Set<string>([...groupBy, 'period_start', 'period_end', 'previous', 'change']);
  const entries = (json.pareto.request_types as Json[]).map((entry) => ({
    key: { feature: entry.feature as string | null, model: entry.model as string } satisfies RequestType,
    costPicodollars: BigInt(Math.round((entry.cost_usd as number) * picodollarsPerUsd)),
    share: entry.share as number,
    cumulativeShare: entry.cumulative_share as number,
    inCut: entry.in_cut as boolean,
  }));
  const { previous: totalsPrevious, change: totalsChange, ...totals } = json.totals as Json;
  return {
    window: json.window as DayWindow | null,
    previousWindow: json.previous_window as DayWindow | null,
    period: json.period as ReportPeriod | null,
    groupBy,
    ...(Array.isArray(json.fields) ? { fields: json.fields as NarrowedReport['fields'] } : {}),
    where: Object.entries(json.where as Record<string, string[]>).map(([dimension, values]) => ({ dimension: dimension as ReportDimension, values })),
    revenueTracked: json.revenue.tracked as boolean,
    attribution: json.revenue.attribution as RevenueAttribution['method'],
    rows: (json.rows as Json[]).map((row) => ({
      keys: Object.fromEntries(groupBy.map((dimension) => [dimension, row[dimension] as string | null])),
      period: row.period_start === undefined ? null : { from: row.period_start as string, to: row.period_end as string },
      measures: Object.fromEntries(Object.entries(row).filter(([name]) => !rowKeys.has(name))) as unknown as ReportMeasures,
      previous: row.previous as ReportMeasures | null,
      change: row.change as MeasureChanges,
    })),
    totals: { measures: totals as ReportMeasures, previous: totalsPrevious as ReportMeasures, change: totalsChange as MeasureChanges },
    pareto: {
      targetShare: json.pareto.target_share as number,
      entries,
      cutSize: json.pareto.cut_size as number,
      totalPicodollars: entries.reduce((sum, entry) => sum + entry.costPicodollars, 0n),
    },
    unpriced: {
      calls: json.unpriced.calls as number,
      inputTokens: json.unpriced.input_tokens as number,
      outputTokens: json.unpriced.output_tokens as number,
      models: json.unpriced.models as Array<{ model: string; calls: number }>,
    },
    ...(json.top === undefined ? {} : { top: { rows: json.top as number, groupCount: json.group_count as number } }),
  };
}

/** A KPI dashboard read back from its JSON (kpiDashboardJson). */
export function kpiDashboardFromJson(json: Json): KpiDashboard {
  const line = (value: Json): KpiLine => ({ measures: value.measures as ReportMeasures, previous: value.previous as ReportMeasures | null, checks: value.checks as KpiCheck[] });
  return {
    period: json.period as ReportPeriod,
    window: json.window as DayWindow | null,
    previousWindow: json.previous_window as DayWindow | null,
    revenueTracked: json.revenue_tracked as boolean,
    arpuUsd: json.arpu_usd as number | null,
    thresholds: {
      minInferenceMargin: json.thresholds.min_inference_margin,
      maxCostShareOfArpu: json.thresholds.max_cost_share_of_arpu,
      maxPromptCacheHitRateDrop: json.thresholds.max_prompt_cache_hit_rate_drop,
      maxResponseCacheHitRateDrop: json.thresholds.max_response_cache_hit_rate_drop,
      maxFrontierShareRise: json.thresholds.max_frontier_share_rise,
    },
    breaches: json.breaches as number,
    overall: line(json.overall as Json),
    features: (json.features as Json[]).map((feature) => ({ feature: feature.feature as string | null, ...line(feature) })),
  };
}
