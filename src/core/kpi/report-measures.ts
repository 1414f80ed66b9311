import { formatPicodollarsExact, PICODOLLARS_PER_USD } from '../cost/picodollars.js';
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
  const tierCost = aggregate.tierCostPicodollars;
  // Each amount as a double once. When every amount, and every sum or difference of them a measure takes, is
  // below 2^53 (the only bigints whose Number is a safe integer), the measures come from the doubles by the very
  // steps unit-ratios.ts takes there: the same numbers to the bit, without a bigint sum or conversion per measure
  // (a report by user computes this for 10⁵ rows and their previous periods). Locals, not an object: no garbage.
  const input = Number(cost.input);
  const cacheRead = Number(cost.cacheRead);
  const cacheWrite5m = Number(cost.cacheWrite5m);
  const cacheWrite1h = Number(cost.cacheWrite1h);
  const cacheWrite = cacheWrite5m + cacheWrite1h;
  const output = Number(cost.output);
  const reasoning = Number(cost.reasoning);
  const audio = Number(cost.audio);
  const request = Number(cost.request);
  const total = Number(cost.total);
  const plan = Number(aggregate.planRevenuePicodollars);
  const record = Number(aggregate.recordRevenuePicodollars);
  const revenue = plan + record;
  const budget = Number(tierCost.budget);
  const mid = Number(tierCost.mid);
  const frontier = Number(tierCost.frontier);
  const safe =
    Number.isSafeInteger(input) &&
    Number.isSafeInteger(cacheRead) &&
    Number.isSafeInteger(cacheWrite5m) &&
    Number.isSafeInteger(cacheWrite1h) &&
    Number.isSafeInteger(cacheWrite) &&
    Number.isSafeInteger(output) &&
    Number.isSafeInteger(reasoning) &&
    Number.isSafeInteger(audio) &&
    Number.isSafeInteger(request) &&
    Number.isSafeInteger(total) &&
    Number.isSafeInteger(plan) &&
    Number.isSafeInteger(record) &&
    Number.isSafeInteger(revenue) &&
    Number.isSafeInteger(revenue - total) &&
    Number.isSafeInteger(budget) &&
    Number.isSafeInteger(mid) &&
    Number.isSafeInteger(frontier);
  if (!safe) return exactMeasures(aggregate, revenueTracked);
  // Unpriced calls have no cost: when a row has only those, its cost is unknown, not zero.
  const costKnown = aggregate.calls === 0 || aggregate.pricedCalls > 0;
  const tierCalls = aggregate.tierCalls;
  const tokens = aggregate.tokens;
  const months = aggregate.activeUserMonths;
  const dollars = safeUsd(total);
  const revenueDollars = safeUsd(revenue);
  return {
    calls: aggregate.calls,
    priced_calls: aggregate.pricedCalls,
    unpriced_calls: aggregate.unpricedCalls,
    failed_calls: aggregate.failedCalls,
    input_tokens: tokens.input,
    cache_read_tokens: tokens.cacheRead,
    cache_write_5m_tokens: tokens.cacheWrite5m,
    cache_write_1h_tokens: tokens.cacheWrite1h,
    output_tokens: tokens.output,
    reasoning_tokens: tokens.reasoning,
    input_audio_tokens: tokens.inputAudio,
    output_audio_tokens: tokens.outputAudio,
    unpriced_input_tokens: aggregate.unpricedInputTokens,
    unpriced_output_tokens: aggregate.unpricedOutputTokens,
    cost_usd: costKnown ? dollars : null,
    cost_usd_exact: costKnown ? formatPicodollarsExact(cost.total) : null,
    cost_input_usd: costKnown ? safeUsd(input) : null,
    cost_cache_read_usd: costKnown ? safeUsd(cacheRead) : null,
    cost_cache_write_usd: costKnown ? safeUsd(cacheWrite) : null,
    cost_output_usd: costKnown ? safeUsd(output) : null,
    cost_reasoning_usd: costKnown ? safeUsd(reasoning) : null,
    cost_audio_usd: costKnown ? safeUsd(audio) : null,
    cost_request_usd: costKnown ? safeUsd(request) : null,
    cost_per_call_usd: aggregate.pricedCalls === 0 ? null : dollars / aggregate.pricedCalls,
    tasks: aggregate.tasks,
    successful_tasks: aggregate.successfulTasks,
    failed_tasks: aggregate.failedTasks,
    task_success_rate: ratio(aggregate.successfulTasks, aggregate.successfulTasks + aggregate.failedTasks),
    cost_per_successful_task_usd: costKnown && aggregate.successfulTasks !== 0 ? dollars / aggregate.successfulTasks : null,
    active_users: aggregate.activeUsers,
    active_user_months: roundCount(months),
    cost_per_active_user_month_usd: costKnown && months !== 0 ? dollars / months : null,
    revenue_usd: revenueTracked ? revenueDollars : null,
    plan_revenue_usd: revenueTracked ? safeUsd(plan) : null,
    record_revenue_usd: revenueTracked ? safeUsd(record) : null,
    revenue_per_active_user_month_usd: revenueTracked && months !== 0 ? revenueDollars / months : null,
    inference_margin: revenueTracked && costKnown && revenue > 0 ? safeRatio(revenue - total, revenue) : null,
    output_input_ratio: ratio(tokens.output, tokens.input),
    prompt_cache_hit_rate: ratio(tokens.cacheRead, tokens.input),
    response_cache_hits: aggregate.responseCacheHits,
    response_cache_lookups: aggregate.responseCacheLookups,
    response_cache_hit_rate: ratio(aggregate.responseCacheHits, aggregate.responseCacheLookups),
    budget_call_share: ratio(tierCalls.budget, aggregate.calls),
    mid_call_share: ratio(tierCalls.mid, aggregate.calls),
    frontier_call_share: ratio(tierCalls.frontier, aggregate.calls),
    unpriced_call_share: ratio(tierCalls.unpriced, aggregate.calls),
    budget_cost_share: safeRatio(budget, total),
    mid_cost_share: safeRatio(mid, total),
    frontier_cost_share: safeRatio(frontier, total),
  };
}

/** picodollarsToUsd of a safe integer amount: its whole dollars and rest, as that function computes them. */
function safeUsd(picodollars: number): number {
  const rest = picodollars % PICODOLLARS_PER_USD;
  return (picodollars - rest) / PICODOLLARS_PER_USD + rest / PICODOLLARS_PER_USD;
}

/** ratio of two safe integer amounts given as bigints, in the doubles that function uses for them; null when the divisor is zero. */
function safeRatio(numerator: number, denominator: number): number | null {
  if (denominator === 0) return null;
  const rest = numerator % denominator;
  return (numerator - rest) / denominator + rest / denominator;
}

/** reportMeasures in bigint arithmetic, for an aggregate with an amount of 2^53 picodollars ($9,007) or more. */
function exactMeasures(aggregate: GroupAggregate, revenueTracked: boolean): ReportMeasures {
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

/** How the compared measures moved from the previous period; all null when there was no previous period. */
export function measureChanges(current: ReportMeasures, previous: ReportMeasures | null): MeasureChanges {
  if (previous === null) return { ...noChanges };
  // One literal in changeMeasures' order (a test holds the two together): a report by user makes 10⁵ of these.
  return {
    calls: relativeChange(current.calls, previous.calls),
    cost_usd: relativeChange(current.cost_usd, previous.cost_usd),
    cost_per_call_usd: relativeChange(current.cost_per_call_usd, previous.cost_per_call_usd),
    cost_per_successful_task_usd: relativeChange(current.cost_per_successful_task_usd, previous.cost_per_successful_task_usd),
    active_users: relativeChange(current.active_users, previous.active_users),
    cost_per_active_user_month_usd: relativeChange(current.cost_per_active_user_month_usd, previous.cost_per_active_user_month_usd),
    revenue_usd: relativeChange(current.revenue_usd, previous.revenue_usd),
    output_input_ratio: relativeChange(current.output_input_ratio, previous.output_input_ratio),
    inference_margin: pointChange(current.inference_margin, previous.inference_margin),
    task_success_rate: pointChange(current.task_success_rate, previous.task_success_rate),
    prompt_cache_hit_rate: pointChange(current.prompt_cache_hit_rate, previous.prompt_cache_hit_rate),
    response_cache_hit_rate: pointChange(current.response_cache_hit_rate, previous.response_cache_hit_rate),
    frontier_call_share: pointChange(current.frontier_call_share, previous.frontier_call_share),
  };
}

/** Every change null: the changes of a row without a previous period. */
const noChanges = Object.fromEntries(Object.keys(changeMeasures).map((name) => [name, null])) as MeasureChanges;

/** User-months are a sum of fractions of months; six decimals is finer than any day of any month. */
export function roundCount(value: number): number {
  return Math.round(value * 1_000_000) / 1_000_000;
}
