import type { ModelTier } from './model-tier.js';

/**
 * The exact sums a store hands back for one group in one slice of time. Everything here adds up without
 * loss (calls, tokens, picodollars) or is a count the store computed over the whole group (distinct users,
 * user-months); the ratios people read are derived from it by report-measures.ts.
 */

/** Token sums per class; input and output are totals (cached input and reasoning included). */
export interface TokenSums {
  input: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  output: number;
  reasoning: number;
  inputAudio: number;
  outputAudio: number;
}

/** Picodollars per cost class of the priced calls, and their total. */
export interface CostSums {
  input: bigint;
  cacheRead: bigint;
  cacheWrite5m: bigint;
  cacheWrite1h: bigint;
  output: bigint;
  reasoning: bigint;
  audio: bigint;
  request: bigint;
  total: bigint;
}

/** The sums of one group over one slice of days. */
export interface GroupAggregate {
  calls: number;
  /** Calls with a cost; the others are unpriced (unknown model) and are in no cost. */
  pricedCalls: number;
  unpricedCalls: number;
  /** Calls whose status was error, timeout or cancelled: their spend counts, they are retried or failed. */
  failedCalls: number;
  tokens: TokenSums;
  /** Tokens of the unpriced calls, so a report can say how much it could not price. */
  unpricedInputTokens: number;
  unpricedOutputTokens: number;
  costPicodollars: CostSums;
  /** Calls a semantic/response cache answered, and calls that went through such a cache at all. */
  responseCacheHits: number;
  responseCacheLookups: number;
  /** Calls and priced spend per model tier. */
  tierCalls: Record<ModelTier, number>;
  tierCostPicodollars: Record<ModelTier, bigint>;
  /** Tasks whose first call is in this group and slice, and how they ended (by their latest outcome). */
  tasks: number;
  successfulTasks: number;
  failedTasks: number;
  /** Distinct users with at least one call in the slice. */
  activeUsers: number;
  /** Σ over the calendar months the slice touches: users active in that month × the share of the month the slice covers. */
  activeUserMonths: number;
  /** Plan revenue (seat and overage) attributed to this group, spread evenly over each month's days. */
  planRevenuePicodollars: bigint;
  /** Revenue records attributed to this group, at their timestamps. */
  recordRevenuePicodollars: bigint;
}

/** An aggregate of nothing: the identity of every sum. */
export function emptyGroupAggregate(): GroupAggregate {
  return {
    calls: 0,
    pricedCalls: 0,
    unpricedCalls: 0,
    failedCalls: 0,
    tokens: { input: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0, reasoning: 0, inputAudio: 0, outputAudio: 0 },
    unpricedInputTokens: 0,
    unpricedOutputTokens: 0,
    costPicodollars: { input: 0n, cacheRead: 0n, cacheWrite5m: 0n, cacheWrite1h: 0n, output: 0n, reasoning: 0n, audio: 0n, request: 0n, total: 0n },
    responseCacheHits: 0,
    responseCacheLookups: 0,
    tierCalls: { budget: 0, mid: 0, frontier: 0, unpriced: 0 },
    tierCostPicodollars: { budget: 0n, mid: 0n, frontier: 0n, unpriced: 0n },
    tasks: 0,
    successfulTasks: 0,
    failedTasks: 0,
    activeUsers: 0,
    activeUserMonths: 0,
    planRevenuePicodollars: 0n,
    recordRevenuePicodollars: 0n,
  };
}
