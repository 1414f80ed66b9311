import { formatPicodollarsExact } from '../cost/picodollars.js';
import type { GroupAggregate } from './group-aggregate.js';
import { changeMeasures, roundCount, type ChangeMeasure, type MeasureChanges, type ReportMeasures } from './report-measures.js';
import { inferenceMargin, pointChange, ratio, relativeChange, usd, usdPer } from './unit-ratios.js';

/*
 * A report narrowed to some of its measures (`--fields`, `fields=`): each row carries only the measures named,
 * and the store sums only what they are computed from. A feature page's histogram of cost per user-month needs
 * calls, priced calls, cost and user-months of 10⁵ users, not 53 measures of each; the sums it does not need
 * (tokens, cost classes, the tier mix, tasks, distinct users) are most of a by-user report's SQL and objects.
 */

/** A measure a report can be narrowed to: one of the stable snake_case names of its rows. */
export type ReportField = keyof ReportMeasures;

/**
 * What a store sums for a report: the usage sums by their column names, the tier mix (`tier_calls`,
 * `tier_cost`), tasks and how they ended (`tasks`, one query), distinct users, user-months and revenue.
 */
export const reportSums = [
  'calls',
  'priced_calls',
  'unpriced_calls',
  'failed_calls',
  'input_tokens',
  'cache_read_tokens',
  'cache_write_5m_tokens',
  'cache_write_1h_tokens',
  'output_tokens',
  'reasoning_tokens',
  'input_audio_tokens',
  'output_audio_tokens',
  'unpriced_input_tokens',
  'unpriced_output_tokens',
  'cost_input',
  'cost_cache_read',
  'cost_cache_write_5m',
  'cost_cache_write_1h',
  'cost_output',
  'cost_reasoning',
  'cost_audio',
  'cost_request',
  'cost_total',
  'response_cache_hits',
  'response_cache_lookups',
  'tier_calls',
  'tier_cost',
  'tasks',
  'active_users',
  'active_user_months',
  'revenue',
] as const;

/** One of the sums a store can be asked for. */
export type ReportSum = (typeof reportSums)[number];

/**
 * What every report needs whatever its fields: calls and cost order the rows (cost, then calls) and decide which
 * groups have one (calls, tasks or revenue: a task's first call is a call of its group, so calls cover tasks), and
 * revenue makes the rows of groups with revenue and no call. A narrowed report so has exactly the full report's
 * rows, in its order.
 */
export const alwaysSummed: readonly ReportSum[] = ['calls', 'cost_total', 'revenue'];

// An unpriced call has no cost: a row's cost is known when it has no call or a priced one (see reportMeasures).
const costKnown = ['calls', 'priced_calls'] as const;

type Formula<F extends ReportField> = { sums: readonly ReportSum[]; value: (aggregate: GroupAggregate, revenueTracked: boolean) => ReportMeasures[F] };

/**
 * Each measure as reportMeasures computes it (its exact, bigint path, which the double path equals to the bit:
 * report-fields.test.ts holds every formula to reportMeasures), with the sums it reads.
 */
export const measureFormulas: { [F in ReportField]: Formula<F> } = {
  calls: { sums: ['calls'], value: (a) => a.calls },
  priced_calls: { sums: ['priced_calls'], value: (a) => a.pricedCalls },
  unpriced_calls: { sums: ['unpriced_calls'], value: (a) => a.unpricedCalls },
  failed_calls: { sums: ['failed_calls'], value: (a) => a.failedCalls },
  input_tokens: { sums: ['input_tokens'], value: (a) => a.tokens.input },
  cache_read_tokens: { sums: ['cache_read_tokens'], value: (a) => a.tokens.cacheRead },
  cache_write_5m_tokens: { sums: ['cache_write_5m_tokens'], value: (a) => a.tokens.cacheWrite5m },
  cache_write_1h_tokens: { sums: ['cache_write_1h_tokens'], value: (a) => a.tokens.cacheWrite1h },
  output_tokens: { sums: ['output_tokens'], value: (a) => a.tokens.output },
  reasoning_tokens: { sums: ['reasoning_tokens'], value: (a) => a.tokens.reasoning },
  input_audio_tokens: { sums: ['input_audio_tokens'], value: (a) => a.tokens.inputAudio },
  output_audio_tokens: { sums: ['output_audio_tokens'], value: (a) => a.tokens.outputAudio },
  unpriced_input_tokens: { sums: ['unpriced_input_tokens'], value: (a) => a.unpricedInputTokens },
  unpriced_output_tokens: { sums: ['unpriced_output_tokens'], value: (a) => a.unpricedOutputTokens },
  cost_usd: { sums: [...costKnown, 'cost_total'], value: (a) => (known(a) ? usd(a.costPicodollars.total) : null) },
  cost_usd_exact: { sums: [...costKnown, 'cost_total'], value: (a) => (known(a) ? formatPicodollarsExact(a.costPicodollars.total) : null) },
  cost_input_usd: { sums: [...costKnown, 'cost_input'], value: (a) => (known(a) ? usd(a.costPicodollars.input) : null) },
  cost_cache_read_usd: { sums: [...costKnown, 'cost_cache_read'], value: (a) => (known(a) ? usd(a.costPicodollars.cacheRead) : null) },
  cost_cache_write_usd: {
    sums: [...costKnown, 'cost_cache_write_5m', 'cost_cache_write_1h'],
    value: (a) => (known(a) ? usd(a.costPicodollars.cacheWrite5m + a.costPicodollars.cacheWrite1h) : null),
  },
  cost_output_usd: { sums: [...costKnown, 'cost_output'], value: (a) => (known(a) ? usd(a.costPicodollars.output) : null) },
  cost_reasoning_usd: { sums: [...costKnown, 'cost_reasoning'], value: (a) => (known(a) ? usd(a.costPicodollars.reasoning) : null) },
  cost_audio_usd: { sums: [...costKnown, 'cost_audio'], value: (a) => (known(a) ? usd(a.costPicodollars.audio) : null) },
  cost_request_usd: { sums: [...costKnown, 'cost_request'], value: (a) => (known(a) ? usd(a.costPicodollars.request) : null) },
  cost_per_call_usd: { sums: ['priced_calls', 'cost_total'], value: (a) => usdPer(a.costPicodollars.total, a.pricedCalls) },
  tasks: { sums: ['tasks'], value: (a) => a.tasks },
  successful_tasks: { sums: ['tasks'], value: (a) => a.successfulTasks },
  failed_tasks: { sums: ['tasks'], value: (a) => a.failedTasks },
  task_success_rate: { sums: ['tasks'], value: (a) => ratio(a.successfulTasks, a.successfulTasks + a.failedTasks) },
  cost_per_successful_task_usd: { sums: [...costKnown, 'cost_total', 'tasks'], value: (a) => (known(a) ? usdPer(a.costPicodollars.total, a.successfulTasks) : null) },
  active_users: { sums: ['active_users'], value: (a) => a.activeUsers },
  active_user_months: { sums: ['active_user_months'], value: (a) => roundCount(a.activeUserMonths) },
  cost_per_active_user_month_usd: { sums: [...costKnown, 'cost_total', 'active_user_months'], value: (a) => (known(a) ? usdPer(a.costPicodollars.total, a.activeUserMonths) : null) },
  revenue_usd: { sums: ['revenue'], value: (a, tracked) => (tracked ? usd(revenueOf(a)) : null) },
  plan_revenue_usd: { sums: ['revenue'], value: (a, tracked) => (tracked ? usd(a.planRevenuePicodollars) : null) },
  record_revenue_usd: { sums: ['revenue'], value: (a, tracked) => (tracked ? usd(a.recordRevenuePicodollars) : null) },
  revenue_per_active_user_month_usd: { sums: ['revenue', 'active_user_months'], value: (a, tracked) => (tracked ? usdPer(revenueOf(a), a.activeUserMonths) : null) },
  inference_margin: { sums: [...costKnown, 'cost_total', 'revenue'], value: (a, tracked) => (tracked && known(a) ? inferenceMargin(revenueOf(a), a.costPicodollars.total) : null) },
  output_input_ratio: { sums: ['output_tokens', 'input_tokens'], value: (a) => ratio(a.tokens.output, a.tokens.input) },
  prompt_cache_hit_rate: { sums: ['cache_read_tokens', 'input_tokens'], value: (a) => ratio(a.tokens.cacheRead, a.tokens.input) },
  response_cache_hits: { sums: ['response_cache_hits'], value: (a) => a.responseCacheHits },
  response_cache_lookups: { sums: ['response_cache_lookups'], value: (a) => a.responseCacheLookups },
  response_cache_hit_rate: { sums: ['response_cache_hits', 'response_cache_lookups'], value: (a) => ratio(a.responseCacheHits, a.responseCacheLookups) },
  budget_call_share: { sums: ['tier_calls', 'calls'], value: (a) => ratio(a.tierCalls.budget, a.calls) },
  mid_call_share: { sums: ['tier_calls', 'calls'], value: (a) => ratio(a.tierCalls.mid, a.calls) },
  frontier_call_share: { sums: ['tier_calls', 'calls'], value: (a) => ratio(a.tierCalls.frontier, a.calls) },
  unpriced_call_share: { sums: ['tier_calls', 'calls'], value: (a) => ratio(a.tierCalls.unpriced, a.calls) },
  budget_cost_share: { sums: ['tier_cost', 'cost_total'], value: (a) => ratio(a.tierCostPicodollars.budget, a.costPicodollars.total) },
  mid_cost_share: { sums: ['tier_cost', 'cost_total'], value: (a) => ratio(a.tierCostPicodollars.mid, a.costPicodollars.total) },
  frontier_cost_share: { sums: ['tier_cost', 'cost_total'], value: (a) => ratio(a.tierCostPicodollars.frontier, a.costPicodollars.total) },
};

function known(aggregate: GroupAggregate): boolean {
  return aggregate.calls === 0 || aggregate.pricedCalls > 0;
}

function revenueOf(aggregate: GroupAggregate): bigint {
  return aggregate.planRevenuePicodollars + aggregate.recordRevenuePicodollars;
}

/** Every measure name, in the order of a report row. */
export const reportFields = Object.keys(measureFormulas) as ReportField[];

/** The sums a report of these fields reads: theirs, and those every report needs (alwaysSummed). */
export function sumsOfFields(fields: readonly ReportField[]): ReportSum[] {
  const needed = new Set<ReportSum>(alwaysSummed);
  for (const field of fields) for (const sum of measureFormulas[field].sums) needed.add(sum);
  return reportSums.filter((sum) => needed.has(sum));
}

/** Some of a row's measures: those a narrowed report was asked for, in the order asked. */
export type NarrowedMeasures = Partial<ReportMeasures>;

/** The changes of the compared measures among a narrowed report's fields. */
export type NarrowedChanges = Partial<MeasureChanges>;

/** The measures of one aggregate named by `fields`, each as reportMeasures gives it. */
export function narrowedMeasures(aggregate: GroupAggregate, revenueTracked: boolean, fields: readonly ReportField[]): NarrowedMeasures {
  const measures: Record<string, unknown> = {};
  for (const field of fields) measures[field] = measureFormulas[field].value(aggregate, revenueTracked);
  return measures as NarrowedMeasures;
}

/** measureChanges of the compared measures among `fields`: all null when there was no previous period. */
export function narrowedChanges(current: NarrowedMeasures, previous: NarrowedMeasures | null, fields: readonly ReportField[]): NarrowedChanges {
  const changes: Record<string, number | null> = {};
  for (const field of fields) {
    if (!(field in changeMeasures)) continue;
    const name = field as ChangeMeasure;
    if (previous === null) {
      changes[name] = null;
      continue;
    }
    const now = current[name] as number | null;
    const before = previous[name] as number | null;
    changes[name] = changeMeasures[name] === 'relative' ? relativeChange(now, before) : pointChange(now, before);
  }
  return changes as NarrowedChanges;
}
