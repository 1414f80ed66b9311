/**
 * The sums the replay hands back per group (all exact integers), shared by the store that computes them
 * and the core that builds the result from them.
 */

/** The sums the replay hands back for one group (all exact integers). */
export const simulationSums = [
  'calls', 'priced_calls', 'unpriced_calls', 'failed_calls',
  'input_tokens', 'cache_read_tokens', 'cache_write_5m_tokens', 'cache_write_1h_tokens', 'output_tokens', 'reasoning_tokens', 'input_audio_tokens', 'output_audio_tokens',
  'unpriced_input_tokens', 'unpriced_output_tokens',
  'cost', 'stored_cost', 'stored_calls',
  'budget_calls', 'mid_calls', 'frontier_calls', 'unpriced_tier_calls', 'budget_cost', 'mid_cost', 'frontier_cost',
  'response_cache_hits', 'response_cache_lookups',
  'calls_touched', 'sessions_touched',
  'routed', 'escalated', 'weaker', 'fine_tuned', 'fine_tuned_stored_cost', 'fine_tuned_cost',
  'prompt_cache_hits', 'prompt_cache_misses', 'response_lookups', 'response_hits', 'truncated', 'output_cut', 'input_cut', 'trimmed',
  'batched', 'repriced', 'dropped', 'sessions_cut', 'self_hosted', 'self_hosted_tokens', 'self_hosted_stored_cost', 'self_hosted_api_cost',
  'routed_sessions', 'fine_tuned_sessions', 'prompt_cache_sessions', 'response_cache_sessions', 'truncated_sessions', 'trimmed_sessions', 'batched_sessions', 'self_hosted_sessions',
] as const;

/** The name of one replay sum. */
export type SimulationSum = (typeof simulationSums)[number];

/** One group of the replay: a feature, a user tier, a route rule, a (tier, user) pair, a (feature, model), or the total. */
export interface SimulationGroupRow {
  grouping: 'total' | 'feature' | 'user_tier' | 'route' | 'user' | 'model';
  feature: string | null;
  userTier: string | null;
  userId: string | null;
  /** The index in ReplayPlan.routes, for grouping 'route'. */
  routeIndex: number | null;
  /** The scenario model key, for grouping 'model' (with the feature). */
  modelKey: number | null;
  sums: Record<SimulationSum, bigint>;
}

