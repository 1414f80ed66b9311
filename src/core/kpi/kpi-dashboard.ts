import { evaluateKpis, type KpiCheck, type KpiThresholds } from './kpi-thresholds.js';
import type { KpiAggregates } from './report-aggregates.js';
import { reportMeasures, type ReportMeasures } from './report-measures.js';
import type { DayWindow, ReportPeriod } from './report-periods.js';

/** One line of the dashboard: the product as a whole, or one feature. */
export interface KpiLine {
  measures: ReportMeasures;
  previous: ReportMeasures | null;
  checks: KpiCheck[];
}

/** The unit-economics dashboard: each KPI against its threshold, overall and per feature. */
export interface KpiDashboard {
  period: ReportPeriod;
  window: DayWindow | null;
  previousWindow: DayWindow | null;
  revenueTracked: boolean;
  /** Revenue per active user-month over the whole product: what each feature's cost per user is held against. */
  arpuUsd: number | null;
  thresholds: KpiThresholds;
  overall: KpiLine;
  features: Array<KpiLine & { feature: string | null }>;
  /** How many checks breached, overall and per feature together. */
  breaches: number;
}

/** Checks every KPI of the period, overall and per feature (costliest first). */
export function buildKpiDashboard(aggregates: KpiAggregates, period: ReportPeriod, thresholds: KpiThresholds): KpiDashboard {
  const tracked = aggregates.revenueTracked;
  const overall = reportMeasures(aggregates.overall.current, tracked);
  const overallPrevious = aggregates.overall.previous.calls > 0 ? reportMeasures(aggregates.overall.previous, tracked) : null;
  const arpuUsd = overall.revenue_per_active_user_month_usd;
  const features = aggregates.features.map((feature) => {
    const measures = reportMeasures(feature.current, tracked);
    const previous = feature.previous ? reportMeasures(feature.previous, tracked) : null;
    return { feature: feature.feature, measures, previous, checks: evaluateKpis(measures, previous, arpuUsd, thresholds) };
  });
  const overallLine = { measures: overall, previous: overallPrevious, checks: evaluateKpis(overall, overallPrevious, arpuUsd, thresholds) };
  const breaches = [overallLine, ...features].reduce((sum, line) => sum + line.checks.filter((check) => check.status === 'breach').length, 0);
  return {
    period,
    window: aggregates.window,
    previousWindow: aggregates.previousWindow,
    revenueTracked: tracked,
    arpuUsd,
    thresholds,
    overall: overallLine,
    features,
    breaches,
  };
}

/** The dashboard as JSON: the checks with their values and thresholds, overall and per feature. */
export function kpiDashboardJson(dashboard: KpiDashboard): Record<string, unknown> {
  const line = (kpiLine: KpiLine) => ({ measures: kpiLine.measures, previous: kpiLine.previous, checks: kpiLine.checks });
  return {
    period: dashboard.period,
    window: dashboard.window,
    previous_window: dashboard.previousWindow,
    revenue_tracked: dashboard.revenueTracked,
    arpu_usd: dashboard.arpuUsd,
    thresholds: {
      min_inference_margin: dashboard.thresholds.minInferenceMargin,
      max_cost_share_of_arpu: dashboard.thresholds.maxCostShareOfArpu,
      max_prompt_cache_hit_rate_drop: dashboard.thresholds.maxPromptCacheHitRateDrop,
      max_response_cache_hit_rate_drop: dashboard.thresholds.maxResponseCacheHitRateDrop,
      max_frontier_share_rise: dashboard.thresholds.maxFrontierShareRise,
    },
    breaches: dashboard.breaches,
    overall: line(dashboard.overall),
    features: dashboard.features.map((feature) => ({ feature: feature.feature, ...line(feature) })),
  };
}
