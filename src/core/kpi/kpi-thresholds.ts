import type { ReportMeasures } from './report-measures.js';
import { pointChange } from './unit-ratios.js';

/** The limits the KPI dashboard holds each KPI to; rates and shares are fractions (0.25 is 25 points). */
export interface KpiThresholds {
  /** Breach when (revenue − inference cost) ÷ revenue falls under this. */
  minInferenceMargin: number;
  /** Breach when the cost per active user per month exceeds this share of ARPU. */
  maxCostShareOfArpu: number;
  /** Breach when the prompt-cache hit rate falls by more than this many points (as a fraction) against the previous period. */
  maxPromptCacheHitRateDrop: number;
  /** The same for the response-cache hit rate. */
  maxResponseCacheHitRateDrop: number;
  /** Breach when the share of calls sent to frontier models rises by more than this many points. */
  maxFrontierShareRise: number;
}

/** The defaults: margin under 40%, cost per user over 25% of ARPU, a cache hit rate down 25 points, frontier share up 10 points. */
export const defaultKpiThresholds: KpiThresholds = {
  minInferenceMargin: 0.4,
  maxCostShareOfArpu: 0.25,
  maxPromptCacheHitRateDrop: 0.25,
  maxResponseCacheHitRateDrop: 0.25,
  maxFrontierShareRise: 0.1,
};

/** The KPIs the dashboard checks. */
export type KpiName = 'inference_margin' | 'cost_per_active_user_month' | 'prompt_cache_hit_rate' | 'response_cache_hit_rate' | 'frontier_call_share';

/** One KPI against its threshold. */
export interface KpiCheck {
  kpi: KpiName;
  /** The value this period (dollars for cost per user, fractions otherwise) and the period before. */
  value: number | null;
  previous: number | null;
  /** value − previous, in the KPI's unit (points of fraction for rates). */
  change: number | null;
  /** The threshold in the unit the rule compares: a margin, a dollar amount, or a change in points. */
  limit: number | null;
  /** The rule in words, e.g. "margin ≥ 40%". */
  rule: string;
  /** `no_data` when the KPI or what it is compared with cannot be computed (no revenue, no previous period…). */
  status: 'ok' | 'breach' | 'no_data';
}

/**
 * Checks one row's KPIs. `arpuUsd` is the average revenue per active user per month of the whole product,
 * which a feature's cost per active user is held against (the feature's own attributed revenue depends on
 * the attribution method; ARPU does not).
 */
export function evaluateKpis(current: ReportMeasures, previous: ReportMeasures | null, arpuUsd: number | null, thresholds: KpiThresholds): KpiCheck[] {
  const before = <Name extends keyof ReportMeasures>(name: Name): ReportMeasures[Name] | null => (previous ? previous[name] : null);
  const percent = (fraction: number): string => `${Math.round(fraction * 1000) / 10}%`;
  const points = (fraction: number): string => `${Math.round(fraction * 1000) / 10} points`;
  const margin = current.inference_margin;
  const costPerUser = current.cost_per_active_user_month_usd;
  const costLimit = arpuUsd === null ? null : arpuUsd * thresholds.maxCostShareOfArpu;
  return [
    {
      kpi: 'inference_margin',
      value: margin,
      previous: before('inference_margin'),
      change: pointChange(margin, before('inference_margin')),
      limit: thresholds.minInferenceMargin,
      rule: `margin ≥ ${percent(thresholds.minInferenceMargin)}`,
      status: margin === null ? 'no_data' : margin < thresholds.minInferenceMargin ? 'breach' : 'ok',
    },
    {
      kpi: 'cost_per_active_user_month',
      value: costPerUser,
      previous: before('cost_per_active_user_month_usd'),
      change: pointChange(costPerUser, before('cost_per_active_user_month_usd')),
      limit: costLimit,
      rule: `≤ ${percent(thresholds.maxCostShareOfArpu)} of ARPU`,
      status: costPerUser === null || costLimit === null || arpuUsd === 0 ? 'no_data' : costPerUser > costLimit ? 'breach' : 'ok',
    },
    dropCheck('prompt_cache_hit_rate', current.prompt_cache_hit_rate, before('prompt_cache_hit_rate'), thresholds.maxPromptCacheHitRateDrop, points),
    dropCheck('response_cache_hit_rate', current.response_cache_hit_rate, before('response_cache_hit_rate'), thresholds.maxResponseCacheHitRateDrop, points),
    {
      kpi: 'frontier_call_share',
      value: current.frontier_call_share,
      previous: before('frontier_call_share'),
      change: pointChange(current.frontier_call_share, before('frontier_call_share')),
      limit: thresholds.maxFrontierShareRise,
      rule: `rise ≤ ${points(thresholds.maxFrontierShareRise)}`,
      status: riseStatus(pointChange(current.frontier_call_share, before('frontier_call_share')), thresholds.maxFrontierShareRise),
    },
  ];
}

function dropCheck(kpi: KpiName, value: number | null, previous: number | null, maxDrop: number, points: (fraction: number) => string): KpiCheck {
  const change = pointChange(value, previous);
  return {
    kpi,
    value,
    previous,
    change,
    limit: maxDrop,
    rule: `drop ≤ ${points(maxDrop)}`,
    status: riseStatus(change === null ? null : -change, maxDrop),
  };
}

// Compared with a small tolerance so that a rise of exactly the limit, computed in floats, is not a breach.
function riseStatus(rise: number | null, limit: number): KpiCheck['status'] {
  if (rise === null) return 'no_data';
  return rise > limit + 1e-12 ? 'breach' : 'ok';
}
