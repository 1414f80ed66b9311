import { formatPicodollarsExact } from '../cost/picodollars.js';
import type { GroupAggregate } from './group-aggregate.js';
import { inferenceMargin, pointChange, ratio, relativeChange, usd, usdPer } from './unit-ratios.js';

/**
 * The measures of one report row under the stable snake_case names scripts and the dashboard read
 * (documented with their formulas in docs/reports.md). A measure whose divisor is zero is null.
 */
export interface ReportMeasures {
  calls: number;
  priced_calls: number;
  unpriced_calls: number;
  failed_calls: number;
  input_tokens: number;
  cache_read_tokens: number;
  cache_write_5m_tokens: number;
  cache_write_1h_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  input_audio_tokens: number;
  output_audio_tokens: number;
  unpriced_input_tokens: number;
  unpriced_output_tokens: number;
  /** Null when every call of the row is unpriced: an unknown cost is never $0. */
  cost_usd: number | null;
  /** The same cost as an exact decimal string of dollars. */
  cost_usd_exact: string | null;
  cost_input_usd: number | null;
  cost_cache_read_usd: number | null;
  cost_cache_write_usd: number | null;
  cost_output_usd: number | null;
  cost_reasoning_usd: number | null;
  cost_audio_usd: number | null;
  cost_request_usd: number | null;
  cost_per_call_usd: number | null;
  tasks: number;
  successful_tasks: number;
  failed_tasks: number;
  task_success_rate: number | null;
  cost_per_successful_task_usd: number | null;
  active_users: number;
  active_user_months: number;
  cost_per_active_user_month_usd: number | null;
  /** Null when the store tracks no revenue (no plans configured, no revenue records). */
  revenue_usd: number | null;
  plan_revenue_usd: number | null;
  record_revenue_usd: number | null;
  revenue_per_active_user_month_usd: number | null;
  inference_margin: number | null;
  output_input_ratio: number | null;
  prompt_cache_hit_rate: number | null;
  response_cache_hits: number;
  response_cache_lookups: number;
  response_cache_hit_rate: number | null;
  budget_call_share: number | null;
  mid_call_share: number | null;
  frontier_call_share: number | null;
  unpriced_call_share: number | null;
  budget_cost_share: number | null;
  mid_cost_share: number | null;
  frontier_cost_share: number | null;
}

/** The measures compared with the previous period, and how: amounts relatively, rates and shares in points. */
export const changeMeasures = {
  calls: 'relative',
  cost_usd: 'relative',
  cost_per_call_usd: 'relative',
  cost_per_successful_task_usd: 'relative',
  active_users: 'relative',
  cost_per_active_user_month_usd: 'relative',
  revenue_usd: 'relative',
  output_input_ratio: 'relative',
  inference_margin: 'points',
  task_success_rate: 'points',
  prompt_cache_hit_rate: 'points',
  response_cache_hit_rate: 'points',
  frontier_call_share: 'points',
} as const satisfies Partial<Record<keyof ReportMeasures, 'relative' | 'points'>>;

/** The name of a measure compared with the previous period. */
export type ChangeMeasure = keyof typeof changeMeasures;

/** Each compared measure's change: relative ((now − before) ÷ before) or in points (now − before). */
export type MeasureChanges = Record<ChangeMeasure, number | null>;

/** The measures of one aggregate; `revenueTracked` says whether revenue is known at all. */
export function reportMeasures(aggregate: GroupAggregate, revenueTracked: boolean): ReportMeasures {
  const cost = aggregate.costPicodollars;
  // Unpriced calls have no cost: when a row has only those, its cost is unknown, not zero.
  const costKnown = aggregate.calls === 0 || aggregate.pricedCalls > 0;
  const revenue = aggregate.planRevenuePicodollars + aggregate.recordRevenuePicodollars;
  // No closures here: a report by user or session computes this for 10⁵ rows and their previous periods.
  const tierCalls = aggregate.tierCalls;
  const tierCost = aggregate.tierCostPicodollars;
  return {
    calls: aggregate.calls,
    priced_calls: aggregate.pricedCalls,
    unpriced_calls: aggregate.unpricedCalls,
    failed_calls: aggregate.failedCalls,
    input_tokens: aggregate.tokens.input,
    cache_read_tokens: aggregate.tokens.cacheRead,
    cache_write_5m_tokens: aggregate.tokens.cacheWrite5m,
    cache_write_1h_tokens: aggregate.tokens.cacheWrite1h,
    output_tokens: aggregate.tokens.output,
    reasoning_tokens: aggregate.tokens.reasoning,
    input_audio_tokens: aggregate.tokens.inputAudio,
    output_audio_tokens: aggregate.tokens.outputAudio,
    unpriced_input_tokens: aggregate.unpricedInputTokens,
    unpriced_output_tokens: aggregate.unpricedOutputTokens,
    cost_usd: dollarsIf(costKnown, cost.total),
    cost_usd_exact: costKnown ? formatPicodollarsExact(cost.total) : null,
    cost_input_usd: dollarsIf(costKnown, cost.input),
    cost_cache_read_usd: dollarsIf(costKnown, cost.cacheRead),
    cost_cache_write_usd: dollarsIf(costKnown, cost.cacheWrite5m + cost.cacheWrite1h),
    cost_output_usd: dollarsIf(costKnown, cost.output),
    cost_reasoning_usd: dollarsIf(costKnown, cost.reasoning),
    cost_audio_usd: dollarsIf(costKnown, cost.audio),
    cost_request_usd: dollarsIf(costKnown, cost.request),
    cost_per_call_usd: usdPer(cost.total, aggregate.pricedCalls),
    tasks: aggregate.tasks,
    successful_tasks: aggregate.successfulTasks,
    failed_tasks: aggregate.failedTasks,
    task_success_rate: ratio(aggregate.successfulTasks, aggregate.successfulTasks + aggregate.failedTasks),
    cost_per_successful_task_usd: costKnown ? usdPer(cost.total, aggregate.successfulTasks) : null,
    active_users: aggregate.activeUsers,
    active_user_months: roundCount(aggregate.activeUserMonths),
    cost_per_active_user_month_usd: costKnown ? usdPer(cost.total, aggregate.activeUserMonths) : null,
    revenue_usd: revenueTracked ? usd(revenue) : null,
    plan_revenue_usd: revenueTracked ? usd(aggregate.planRevenuePicodollars) : null,
    record_revenue_usd: revenueTracked ? usd(aggregate.recordRevenuePicodollars) : null,
    revenue_per_active_user_month_usd: revenueTracked ? usdPer(revenue, aggregate.activeUserMonths) : null,
    inference_margin: revenueTracked && costKnown ? inferenceMargin(revenue, cost.total) : null,
    output_input_ratio: ratio(aggregate.tokens.output, aggregate.tokens.input),
    prompt_cache_hit_rate: ratio(aggregate.tokens.cacheRead, aggregate.tokens.input),
    response_cache_hits: aggregate.responseCacheHits,
    response_cache_lookups: aggregate.responseCacheLookups,
    response_cache_hit_rate: ratio(aggregate.responseCacheHits, aggregate.responseCacheLookups),
    budget_call_share: ratio(tierCalls.budget, aggregate.calls),
    mid_call_share: ratio(tierCalls.mid, aggregate.calls),
    frontier_call_share: ratio(tierCalls.frontier, aggregate.calls),
    unpriced_call_share: ratio(tierCalls.unpriced, aggregate.calls),
    budget_cost_share: ratio(tierCost.budget, cost.total),
    mid_cost_share: ratio(tierCost.mid, cost.total),
    frontier_cost_share: ratio(tierCost.frontier, cost.total),
  };
}

function dollarsIf(costKnown: boolean, picodollars: bigint): number | null {
  return costKnown ? usd(picodollars) : null;
}

const changeMeasureEntries = Object.entries(changeMeasures) as Array<[ChangeMeasure, 'relative' | 'points']>;

/** How the compared measures moved from the previous period; all null when there was no previous period. */
export function measureChanges(current: ReportMeasures, previous: ReportMeasures | null): MeasureChanges {
  const changes = {} as MeasureChanges;
  for (const [name, kind] of changeMeasureEntries) {
    const before = previous ? (previous[name] as number | null) : null;
    const now = current[name] as number | null;
    changes[name] = kind === 'relative' ? relativeChange(now, before) : pointChange(now, before);
  }
  return changes;
}

// User-months are a sum of fractions of months; six decimals is finer than any day of any month.
function roundCount(value: number): number {
  return Math.round(value * 1_000_000) / 1_000_000;
}
