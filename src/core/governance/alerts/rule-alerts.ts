import { formatUsd, picodollarsToUsd } from '../../cost/picodollars.js';
import type { ReportMeasures } from '../../kpi/report-measures.js';
import type { Budget } from '../../budgets/budget-config.js';
import type { BudgetForecastJson } from '../budget-forecast-json.js';
import type { KpiThresholdRule, SpendAnomalyRule } from './alert-config.js';
import { decomposeSpendChange, type ModelSpend } from './decompose-spend-change.js';
import { describeSpendCause, scopeLabel, signedDollars } from './describe-spend-cause.js';
import type { FiredAlert } from './fired-alert.js';
import { anomalyThresholds, grainMs, type SeasonalAnomaly } from './seasonal-anomaly.js';

/** The scope of a series as an alert names it: {feature: "support-faq"}, {} for all spend. */
export function scopeOf(per: string | undefined, value: string | null): Record<string, string> {
  return per === undefined ? {} : { [per]: value ?? '(none)' };
}

/** "feature=support-faq", "all": the scope's part of an alert key. */
export function scopeKey(scope: Record<string, string>): string {
  const entries = Object.entries(scope);
  return entries.length === 0 ? 'all' : entries.map(([tag, value]) => `${tag}=${value}`).join(',');
}

/** A bucket start as the day (daily) or the hour (hourly) it begins. */
export function bucketLabel(grain: 'hour' | 'day', startMs: number): string {
  const iso = new Date(startMs).toISOString();
  return grain === 'day' ? iso.slice(0, 10) : `${iso.slice(0, 13)}:00Z`;
}

/**
 * The alert of a spend anomaly, with its cause: the window's spend by model against the mean of the
 * baseline windows the median came from, decomposed exactly. Its key names the episode's first window,
 * so the evaluations of one incident share it.
 */
export function spendAnomalyAlert(rule: SpendAnomalyRule, value: string | null, anomaly: SeasonalAnomaly, baseline: readonly ModelSpend[], current: readonly ModelSpend[]): FiredAlert {
  const scope = scopeOf(rule.per, value);
  const since = bucketLabel(rule.grain, anomaly.episodeStartMs);
  const cause = describeSpendCause(scope, since, decomposeSpendChange(baseline, current));
  const verdict = anomaly.verdict;
  const thresholds = anomalyThresholds(rule);
  const median = verdict.baselinePicodollars;
  // The level the window had to pass: both the relative change and the dollar floor.
  const relativeLevel = picodollarsToUsd(median) * (1 + thresholds.minRelative);
  const floorLevel = picodollarsToUsd(median + thresholds.minIncrease);
  // Evaluated at the last millisecond of a bucket (as `--at DATE` does), the bucket is whole.
  const running = anomaly.windowEndMs - anomaly.windowStartMs < grainMs[rule.grain] - 1;
  const window = `${rule.grain === 'day' ? 'on' : 'in the hour of'} ${bucketLabel(rule.grain, anomaly.windowStartMs)}${running ? ' so far' : ''}`;
  const usual = rule.grain === 'day' ? 'the same weekday' : 'the same hour of the week';
  return {
    key: `anomaly:${rule.name}:${rule.grain === 'day' ? 'daily' : 'hourly'}:${scopeKey(scope)}:${since}`,
    rule: rule.name,
    kind: 'spend_anomaly',
    severity: rule.severity,
    scope,
    grain: rule.grain,
    windowStart: new Date(anomaly.windowStartMs).toISOString(),
    title: `${scopeLabel(scope)} spent ${formatUsd(picodollarsToUsd(verdict.currentPicodollars))} ${window}, ${signedDollars(verdict.currentPicodollars - median)} over ${usual}'s usual ${formatUsd(picodollarsToUsd(median))} (score ${verdict.score.toFixed(1)}). ${cause.summary}`,
    value: picodollarsToUsd(verdict.currentPicodollars),
    threshold: Math.max(relativeLevel, floorLevel),
    score: verdict.score,
    cause,
  };
}

/** The measures a KPI rule reads (as a report computes them; the hit rates alone for a cache rule). */
export type KpiFigures = Partial<Pick<ReportMeasures, 'inference_margin' | 'cost_per_active_user_month_usd' | 'revenue_per_active_user_month_usd' | 'prompt_cache_hit_rate' | 'response_cache_hit_rate'>>;

/** A KPI's value in a window, and (for the hit rates) its usual level before it. */
export interface KpiReading {
  value: KpiFigures;
  baseline: KpiFigures | null;
}

/** The alert of a KPI rule on one scope, or null when the KPI is within its limit or cannot be computed. */
export function kpiThresholdAlert(rule: KpiThresholdRule, value: string | null, window: { from: string; key: string }, reading: KpiReading): FiredAlert | null {
  const scope = scopeOf(rule.per, value);
  const label = scopeLabel(scope);
  // Two decimals at most, so that a value just past its limit does not read as the limit itself.
  const percent = (fraction: number) => `${Math.round(fraction * 10000) / 100}%`;
  const days = rule.grain === 'day' ? 'today' : 'the last 7 days';
  const base = { key: `kpi:${rule.name}:${scopeKey(scope)}:${window.key}`, rule: rule.name, kind: 'kpi_threshold' as const, severity: rule.severity, scope, grain: rule.grain, windowStart: `${window.from}T00:00:00.000Z` };
  const measures = reading.value;
  switch (rule.kpi) {
    case 'inference_margin': {
      const margin = measures.inference_margin ?? null;
      // A margin exactly at the limit is within it.
      if (margin === null || !(margin < rule.below!)) return null;
      return { ...base, title: `${label}: inference margin ${percent(margin)} ${days}, under ${percent(rule.below!)}`, value: margin, threshold: rule.below! };
    }
    case 'cost_share_of_arpu': {
      const cost = measures.cost_per_active_user_month_usd ?? null;
      const arpu = measures.revenue_per_active_user_month_usd ?? null;
      if (cost === null || arpu === null || arpu <= 0) return null;
      const share = cost / arpu;
      if (!(share > rule.above! + 1e-12)) return null;
      return { ...base, title: `${label}: cost per active user ${formatUsd(cost)} a month is ${percent(share)} of ARPU (${formatUsd(arpu)}) ${days}, over ${percent(rule.above!)}`, value: share, threshold: rule.above! };
    }
    case 'prompt_cache_hit_rate':
    case 'response_cache_hit_rate': {
      const rate = measures[rule.kpi] ?? null;
      const usual = reading.baseline?.[rule.kpi] ?? null;
      // "Dropping from its usual level": a scope that never hit the cache has nothing to drop from.
      if (rate === null || usual === null) return null;
      const drop = usual - rate;
      const underFloor = rule.below === undefined || rate < rule.below;
      const droppedEnough = rule.max_drop_points === undefined ? rule.below === undefined || usual >= rule.below : drop > rule.max_drop_points / 100 + 1e-12;
      if (!underFloor || !droppedEnough) return null;
      const name = rule.kpi === 'prompt_cache_hit_rate' ? 'prompt cache hit rate' : 'response cache hit rate';
      const limit = rule.below ?? usual - rule.max_drop_points! / 100;
      return { ...base, title: `${label}: ${name} ${percent(rate)} ${days}, down from ${percent(usual)} over the ${rule.baseline_days} days before`, value: rate, threshold: limit };
    }
  }
}

/** One scope of a budget as `unitcost budgets` computes it. */
export interface BudgetScopeStatus extends BudgetForecastJson {
  value: string | null;
}

/**
 * A budget scope's alerts: the highest alert point reached this period (one alert per point, as each is
 * passed), and a projected breach while the limit is still ahead. Neither needs a rule: `alert_at` says it.
 */
export function budgetAlerts(budget: Pick<Budget, 'name' | 'per' | 'mode' | 'period' | 'limit_usd'>, status: BudgetScopeStatus): FiredAlert[] {
  const scope = scopeOf(budget.per, status.value);
  const label = scopeLabel(scope);
  const base = { rule: budget.name, scope, grain: budget.period === 'day' ? ('day' as const) : budget.period === 'week' ? ('week' as const) : ('month' as const), windowStart: `${status.window.from}T00:00:00.000Z` };
  const alerts: FiredAlert[] = [];
  const point = status.alert_points_reached.at(-1);
  if (point !== undefined) {
    alerts.push({
      ...base,
      key: `budget_point:${budget.name}:${scopeKey(scope)}:${status.window.from}:${point}`,
      kind: 'budget_point',
      severity: point >= 1 ? 'critical' : point >= 0.8 ? 'warning' : 'info',
      title: `${budget.name} (${label}): ${formatUsd(status.spent_usd)} spent of ${formatUsd(budget.limit_usd)} this ${budget.period}, past ${Math.round(point * 100)}%${status.breach?.already ? ` (limit reached on ${status.breach.day})` : ''}`,
      value: status.used_share,
      threshold: point,
    });
  }
  if (status.breach !== null && !status.breach.already) {
    alerts.push({
      ...base,
      key: `budget_projected_breach:${budget.name}:${scopeKey(scope)}:${status.window.from}`,
      kind: 'budget_projected_breach',
      // A hard budget refuses calls at the limit: that is an outage in the making, not a review item.
      severity: budget.mode === 'hard' ? 'critical' : 'warning',
      title: `${budget.name} (${label}) is projected to reach its ${formatUsd(budget.limit_usd)} limit on ${status.breach.day}: ${formatUsd(status.spent_usd)} spent, ${formatUsd(status.forecast.end_usd)} forecast by the end of the ${budget.period} (${formatUsd(status.forecast.low_usd)}–${formatUsd(status.forecast.high_usd)})`,
      value: status.forecast.end_usd,
      threshold: budget.limit_usd,
    });
  }
  return alerts;
}
