import type { CostSums, GroupAggregate, TokenSums } from '../core/kpi/group-aggregate.js';
import { modelTiers, type ModelTier } from '../core/kpi/model-tier.js';
import type { ReportSum } from '../core/kpi/report-fields.js';
import type { ReportDimension } from './report-reader.js';
import { userMonthUnits } from './sql/report-queries.js';

/*
 * The usage rows of a report made into its groups' aggregates, one per group and slice (report-assembly.ts's
 * aggregateSlices gathers the other measures into them after), and how a store's counts and sums are read.
 */

/** A count read from a store (a bigint, a number, decimal text or null) as a number. */
export function count(value: unknown): number {
  if (value === null || value === undefined) return 0;
  return Number(value);
}

/** An exact sum read from a store (a bigint, a safe number or decimal text) as a bigint; null is 0. */
export function exact(value: unknown): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'string') {
    if (!/^-?\d+$/.test(value)) throw new Error(`not an exact integer from the store: ${JSON.stringify(value.slice(0, 40))}`);
    return BigInt(value);
  }
  // Zero is common (audio, request fees, the tiers a group did not use): the literal is shared, not allocated.
  return value === 0 ? 0n : BigInt(value as number);
}

/** One group of a report: its keys, and its aggregates by slice. */
export interface GroupSlices {
  keys: Partial<Record<ReportDimension, string | null>>;
  /** By slice id (slices are numbered from 0). */
  bySlice: Array<GroupAggregate | undefined>;
  /** User-month units of slices the group has no aggregate in yet (see aggregateSlices), by slice id. */
  idleUserMonthUnits?: number[];
}

/** The usage measures' columns by name (typed arrays of numbers from DuckDB, arrays of values from other backends). */
interface UsageColumns {
  sliceIds: ArrayLike<unknown>;
  calls: ArrayLike<unknown>;
  pricedCalls: ArrayLike<unknown>;
  unpricedCalls: ArrayLike<unknown>;
  failedCalls: ArrayLike<unknown>;
  input: ArrayLike<unknown>;
  cacheRead: ArrayLike<unknown>;
  cacheWrite5m: ArrayLike<unknown>;
  cacheWrite1h: ArrayLike<unknown>;
  output: ArrayLike<unknown>;
  reasoning: ArrayLike<unknown>;
  inputAudio: ArrayLike<unknown>;
  outputAudio: ArrayLike<unknown>;
  unpricedInput: ArrayLike<unknown>;
  unpricedOutput: ArrayLike<unknown>;
  costInput: ArrayLike<unknown>;
  costCacheRead: ArrayLike<unknown>;
  costCacheWrite5m: ArrayLike<unknown>;
  costCacheWrite1h: ArrayLike<unknown>;
  costOutput: ArrayLike<unknown>;
  costReasoning: ArrayLike<unknown>;
  costAudio: ArrayLike<unknown>;
  costRequest: ArrayLike<unknown>;
  costTotal: ArrayLike<unknown>;
  hits: ArrayLike<unknown>;
  lookups: ArrayLike<unknown>;
  budgetCalls: ArrayLike<unknown>;
  midCalls: ArrayLike<unknown>;
  frontierCalls: ArrayLike<unknown>;
  unpricedTierCalls: ArrayLike<unknown>;
  budgetCost: ArrayLike<unknown>;
  midCost: ArrayLike<unknown>;
  frontierCost: ArrayLike<unknown>;
  unpricedTierCost: ArrayLike<unknown>;
  /** Counted in the same result (usageWithCounts), or empty: zero here, set from their own queries after. */
  userMonthUnits: ArrayLike<unknown>;
  tasks: ArrayLike<unknown>;
  successfulTasks: ArrayLike<unknown>;
  failedTasks: ArrayLike<unknown>;
  activeUsers: ArrayLike<unknown> | undefined;
  userMonthsOnly: ArrayLike<unknown> | undefined;
}

/**
 * Makes each usage row's aggregate, one object literal per row (the shape of emptyGroupAggregate, in its key
 * order), reading each column once: a report by user or session makes 10⁵ of them. A function of its own, not
 * a loop inside the async aggregateSlices, so that V8 optimizes it as one plain loop over the columns.
 */
export function gatherUsage(
  usage: { length: number; columns: Record<string, ArrayLike<unknown>> },
  combined: boolean,
  groupBy: readonly ReportDimension[],
  groups: Map<string | null, GroupSlices>,
  groupOf: (valueAt: (dimension: ReportDimension) => unknown) => GroupSlices,
  sums?: readonly ReportSum[],
): void {
  const none: ArrayLike<unknown> = { length: 0 };
  const column = (name: string): ArrayLike<unknown> => {
    const values = usage.columns[name];
    // A report narrowed to some sums (ReportQuery.sums) may get no column for the others: they stay 0.
    if (values === undefined && sums !== undefined && !sums.includes(sumOfColumn(name))) return none;
    // Rows turned into columns (columnsOfRows) have no columns when there are no rows.
    if (values === undefined && usage.length > 0) throw new Error(`the usage query returned no column ${name}`);
    return values ?? [];
  };
  const [budgetCalls, midCalls, frontierCalls, unpricedTierCalls] = modelTiers.map((tier) => column(`tier_${tier}_calls`)) as ArrayLike<unknown>[];
  const [budgetCost, midCost, frontierCost, unpricedTierCost] = modelTiers.map((tier) => column(`tier_${tier}_cost`)) as ArrayLike<unknown>[];
  const c: UsageColumns = {
    sliceIds: column('slice_id'),
    calls: column('calls'),
    pricedCalls: column('priced_calls'),
    unpricedCalls: column('unpriced_calls'),
    failedCalls: column('failed_calls'),
    input: column('input_tokens'),
    cacheRead: column('cache_read_tokens'),
    cacheWrite5m: column('cache_write_5m_tokens'),
    cacheWrite1h: column('cache_write_1h_tokens'),
    output: column('output_tokens'),
    reasoning: column('reasoning_tokens'),
    inputAudio: column('input_audio_tokens'),
    outputAudio: column('output_audio_tokens'),
    unpricedInput: column('unpriced_input_tokens'),
    unpricedOutput: column('unpriced_output_tokens'),
    costInput: column('cost_input'),
    costCacheRead: column('cost_cache_read'),
    costCacheWrite5m: column('cost_cache_write_5m'),
    costCacheWrite1h: column('cost_cache_write_1h'),
    costOutput: column('cost_output'),
    costReasoning: column('cost_reasoning'),
    costAudio: column('cost_audio'),
    costRequest: column('cost_request'),
    costTotal: column('cost_total'),
    hits: column('response_cache_hits'),
    lookups: column('response_cache_lookups'),
    budgetCalls: budgetCalls!,
    midCalls: midCalls!,
    frontierCalls: frontierCalls!,
    unpricedTierCalls: unpricedTierCalls!,
    budgetCost: budgetCost!,
    midCost: midCost!,
    frontierCost: frontierCost!,
    unpricedTierCost: unpricedTierCost!,
    userMonthUnits: combined ? column('active_user_month_units') : none,
    tasks: combined ? column('tasks') : none,
    successfulTasks: combined ? column('successful_tasks') : none,
    failedTasks: combined ? column('failed_tasks') : none,
    activeUsers: combined ? usage.columns.active_users : undefined,
    userMonthsOnly: combined ? usage.columns.user_months_only : undefined,
  };
  const tokenSums: readonly ReportSum[] = ['input_tokens', 'cache_read_tokens', 'cache_write_5m_tokens', 'cache_write_1h_tokens', 'output_tokens', 'reasoning_tokens', 'input_audio_tokens', 'output_audio_tokens'];
  const narrowed: NarrowedParts | null =
    sums === undefined
      ? null
      : {
          tokens: tokenSums.some((sum) => sums.includes(sum)),
          costClasses: sums.some((sum) => sum.startsWith('cost_') && sum !== 'cost_total'),
          tierCalls: sums.includes('tier_calls'),
          tierCost: sums.includes('tier_cost'),
        };
  const keyColumns = new Map(groupBy.map((dimension) => [dimension, column(dimension)] as const));
  const single = groupBy.length === 1 ? keyColumns.get(groupBy[0]!)! : null;
  let row = 0;
  const keyAtRow = (dimension: ReportDimension): unknown => keyColumns.get(dimension)![row];
  for (let index = 0; index < usage.length; index += 1) {
    row = index;
    // By one dimension the key is looked up straight away; the group is made (and its keys read) only when new.
    const value = single ? ((single[index] as string | null | undefined) ?? null) : undefined;
    const group = (value !== undefined && groups.get(value)) || groupOf(keyAtRow);
    const sliceId = Number(c.sliceIds[index]);
    // A row with user-months only (the group called in the month, not in the slice: by session, half the rows)
    // is made an aggregate only if revenue or the totals ask for it, with the same user-months.
    if (c.userMonthsOnly && c.userMonthsOnly[index] === 1) {
      (group.idleUserMonthUnits ??= [])[sliceId] = Number(c.userMonthUnits[index] ?? 0);
      continue;
    }
    group.bySlice[sliceId] = narrowed ? narrowedUsageAggregate(c, index, narrowed) : usageAggregate(c, index);
  }
}

/** The sum a usage column belongs to (ReportSum): its own name, or the tier mix, tasks or user-months it is part of. */
function sumOfColumn(name: string): ReportSum {
  if (/^tier_\w+_calls$/.test(name)) return 'tier_calls';
  if (/^tier_\w+_cost$/.test(name)) return 'tier_cost';
  if (name === 'active_user_month_units') return 'active_user_months';
  if (name === 'successful_tasks' || name === 'failed_tasks') return 'tasks';
  return name as ReportSum;
}

/** Which parts of a narrowed aggregate have sums: the others are the shared zeros below. */
interface NarrowedParts {
  tokens: boolean;
  /** Any cost class beside the total. */
  costClasses: boolean;
  tierCalls: boolean;
  tierCost: boolean;
}

// Shared by every aggregate of a narrowed report that has none of these sums: frozen, as nothing may add to them.
const zeroTokens: TokenSums = Object.freeze({ input: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0, reasoning: 0, inputAudio: 0, outputAudio: 0 });
const zeroTierCalls: Record<ModelTier, number> = Object.freeze({ budget: 0, mid: 0, frontier: 0, unpriced: 0 });
const zeroTierCost: Record<ModelTier, bigint> = Object.freeze({ budget: 0n, mid: 0n, frontier: 0n, unpriced: 0n });

/** A usage row's token sums per class. */
function tokensAt(c: UsageColumns, index: number): GroupAggregate['tokens'] {
  return {
    input: count(c.input[index]),
    cacheRead: count(c.cacheRead[index]),
    cacheWrite5m: count(c.cacheWrite5m[index]),
    cacheWrite1h: count(c.cacheWrite1h[index]),
    output: count(c.output[index]),
    reasoning: count(c.reasoning[index]),
    inputAudio: count(c.inputAudio[index]),
    outputAudio: count(c.outputAudio[index]),
  };
}

/** A usage row's calls and exact cost per model tier. */
function tierCallsAt(c: UsageColumns, index: number): GroupAggregate['tierCalls'] {
  return { budget: count(c.budgetCalls[index]), mid: count(c.midCalls[index]), frontier: count(c.frontierCalls[index]), unpriced: count(c.unpricedTierCalls[index]) };
}

function tierCostAt(c: UsageColumns, index: number): GroupAggregate['tierCostPicodollars'] {
  return { budget: exact(c.budgetCost[index]), mid: exact(c.midCost[index]), frontier: exact(c.frontierCost[index]), unpriced: exact(c.unpricedTierCost[index]) };
}

/** A usage row's cost per class and in total, exact. */
function costClassesAt(c: UsageColumns, index: number): CostSums {
  return {
    input: exact(c.costInput[index]),
    cacheRead: exact(c.costCacheRead[index]),
    cacheWrite5m: exact(c.costCacheWrite5m[index]),
    cacheWrite1h: exact(c.costCacheWrite1h[index]),
    output: exact(c.costOutput[index]),
    reasoning: exact(c.costReasoning[index]),
    audio: exact(c.costAudio[index]),
    request: exact(c.costRequest[index]),
    total: exact(c.costTotal[index]),
  };
}

/**
 * A usage row's aggregate in a narrowed report: as usageAggregate, with the token sums and the tier mix it was not
 * asked for as shared zeros (a report by user of a few measures makes 10⁵ of these; their absent columns read as 0).
 */
function narrowedUsageAggregate(c: UsageColumns, index: number, parts: NarrowedParts): GroupAggregate {
  const costPicodollars: CostSums = parts.costClasses
    ? costClassesAt(c, index)
    : { input: 0n, cacheRead: 0n, cacheWrite5m: 0n, cacheWrite1h: 0n, output: 0n, reasoning: 0n, audio: 0n, request: 0n, total: exact(c.costTotal[index]) };
  return {
    calls: count(c.calls[index]),
    pricedCalls: count(c.pricedCalls[index]),
    unpricedCalls: count(c.unpricedCalls[index]),
    failedCalls: count(c.failedCalls[index]),
    tokens: parts.tokens ? tokensAt(c, index) : zeroTokens,
    unpricedInputTokens: count(c.unpricedInput[index]),
    unpricedOutputTokens: count(c.unpricedOutput[index]),
    costPicodollars,
    responseCacheHits: count(c.hits[index]),
    responseCacheLookups: count(c.lookups[index]),
    tierCalls: parts.tierCalls ? tierCallsAt(c, index) : zeroTierCalls,
    tierCostPicodollars: parts.tierCost ? tierCostAt(c, index) : zeroTierCost,
    tasks: count(c.tasks[index]),
    successfulTasks: count(c.successfulTasks[index]),
    failedTasks: count(c.failedTasks[index]),
    activeUsers: c.activeUsers ? count(c.activeUsers[index]) : 0,
    activeUserMonths: Number(c.userMonthUnits[index] ?? 0) / userMonthUnits,
    planRevenuePicodollars: 0n,
    recordRevenuePicodollars: 0n,
  };
}

/** One usage row's aggregate (see gatherUsage). */
function usageAggregate(c: UsageColumns, index: number): GroupAggregate {
  return {
    calls: count(c.calls[index]),
    pricedCalls: count(c.pricedCalls[index]),
    unpricedCalls: count(c.unpricedCalls[index]),
    failedCalls: count(c.failedCalls[index]),
    tokens: tokensAt(c, index),
    unpricedInputTokens: count(c.unpricedInput[index]),
    unpricedOutputTokens: count(c.unpricedOutput[index]),
    costPicodollars: costClassesAt(c, index),
    responseCacheHits: count(c.hits[index]),
    responseCacheLookups: count(c.lookups[index]),
    tierCalls: tierCallsAt(c, index),
    tierCostPicodollars: tierCostAt(c, index),
    tasks: count(c.tasks[index]),
    successfulTasks: count(c.successfulTasks[index]),
    failedTasks: count(c.failedTasks[index]),
    activeUsers: c.activeUsers ? count(c.activeUsers[index]) : 0,
    // One row per slice and group, in exact units of a month (userMonthUnits): divided once, the same on every engine.
    activeUserMonths: Number(c.userMonthUnits[index] ?? 0) / userMonthUnits,
    planRevenuePicodollars: 0n,
    recordRevenuePicodollars: 0n,
  };
}
