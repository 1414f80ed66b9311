import type { LeverKind, OptimizeEntry, OptimizeResult, SimulationResult } from './simulation-result.js';

/**
 * `unitcost optimize`: the default levers of docs/simulate.md, each simulated alone and then stacked,
 * ranked by $/month saved. The app measures the traffic (percentiles, models) and runs the simulations;
 * this module states the defaults and ranks.
 */

/** What the defaults are computed from, per feature, as recorded in the window. */
export interface FeatureProfile {
  feature: string;
  /** The feature's most used model, as the catalog knows it (provider/model), and its tier. */
  model: string | null;
  tier: 'budget' | 'mid' | 'frontier' | 'unpriced';
  /** The cheapest budget model of the same provider, when there is one. */
  budgetAlternative: string | null;
  medianInputTokens: number;
  p90OutputTokens: number;
  /** 95th percentile of calls per session; null when the feature has no sessions. */
  p95SessionCalls: number | null;
}

/** The stated defaults. */
export const optimizeDefaults = {
  routeShare: 0.5,
  promptCacheHitRate: 0.7,
  promptCachePrefixShareOfMedianInput: 0.5,
  responseCacheHitRate: 0.15,
  embeddingUsdPerLookup: 0.00002,
  trimShare: 0.2,
  batchDiscount: 0.5,
} as const;

/** One default lever of one kind, over the features where it applies (a list of scenario lever items). */
export interface DefaultLever {
  kind: LeverKind;
  levers: Array<Record<string, unknown>>;
}

/** The default levers for the recorded features; kinds with no applicable feature are left out. */
export function defaultLevers(profiles: readonly FeatureProfile[]): DefaultLever[] {
  const result: DefaultLever[] = [];
  const add = (kind: LeverKind, levers: Array<Record<string, unknown>>): void => {
    if (levers.length > 0) result.push({ kind, levers });
  };
  add(
    'route',
    profiles
      .filter((profile) => (profile.tier === 'frontier' || profile.tier === 'mid') && profile.budgetAlternative !== null)
      .map((profile) => ({ route: { feature: profile.feature, share: optimizeDefaults.routeShare, to: profile.budgetAlternative } })),
  );
  add(
    'prompt_cache',
    profiles
      .filter((profile) => profile.medianInputTokens >= 2)
      .map((profile) => ({
        prompt_cache: { feature: profile.feature, prefix_tokens: Math.floor(profile.medianInputTokens * optimizeDefaults.promptCachePrefixShareOfMedianInput), hit_rate: optimizeDefaults.promptCacheHitRate },
      })),
  );
  add('response_cache', profiles.map((profile) => ({ response_cache: { feature: profile.feature, hit_rate: optimizeDefaults.responseCacheHitRate, embedding_usd_per_lookup: optimizeDefaults.embeddingUsdPerLookup } })));
  add('output_cap', profiles.filter((profile) => profile.p90OutputTokens > 0).map((profile) => ({ output_cap: { feature: profile.feature, max_tokens: profile.p90OutputTokens } })));
  add('prompt_trim', profiles.map((profile) => ({ prompt_trim: { feature: profile.feature, share: optimizeDefaults.trimShare } })));
  add(
    'session_limit',
    profiles.filter((profile) => profile.p95SessionCalls !== null && profile.p95SessionCalls > 1).map((profile) => ({ session_limit: { feature: profile.feature, max_steps: profile.p95SessionCalls } })),
  );
  add('price_change', [{ price_change: { batch: { discount: optimizeDefaults.batchDiscount } } }]);
  return result;
}

/** The levers optimize never guesses, and why. */
export const skippedKinds: OptimizeResult['skipped'] = [
  { kind: 'fine_tune', reason: 'needs your training cost and the model you would fine-tune: add a fine_tune lever to a scenario' },
  { kind: 'self_host', reason: 'needs your GPU price and throughput: add a self_host lever to a scenario' },
  { kind: 'plans', reason: 'needs the prices you would charge: add a plans lever to a scenario' },
];

/** Ranks each lever's result by $/month saved and adds the stacked result. */
export function rankOptimization(alone: Array<{ lever: DefaultLever; result: SimulationResult }>, stacked: { levers: DefaultLever[]; result: SimulationResult }): OptimizeResult {
  const sumRisk = (result: SimulationResult) =>
    result.levers.reduce(
      (total, lever) => ({
        calls_truncated: total.calls_truncated + lever.risk.calls_truncated,
        calls_to_weaker_model: total.calls_to_weaker_model + lever.risk.calls_to_weaker_model,
        answers_from_cache: total.answers_from_cache + lever.risk.answers_from_cache,
        calls_escalated: total.calls_escalated + lever.risk.calls_escalated,
        sessions_cut: total.sessions_cut + lever.risk.sessions_cut,
        calls_dropped: total.calls_dropped + lever.risk.calls_dropped,
      }),
      { calls_truncated: 0, calls_to_weaker_model: 0, answers_from_cache: 0, calls_escalated: 0, sessions_cut: 0, calls_dropped: 0 },
    );
  const entries: OptimizeEntry[] = alone
    .map(({ lever, result }) => ({
      rank: 0,
      kind: lever.kind,
      label: result.levers.map((outcome) => outcome.label).join('; '),
      lever: { levers: lever.levers },
      savings_usd_per_month: result.total.savings_usd_per_month,
      savings_percent: result.total.savings_percent,
      risk: sumRisk(result),
      calls_touched: result.total.calls_touched,
    }))
    .sort((a, b) => b.savings_usd_per_month - a.savings_usd_per_month);
  entries.forEach((entry, index) => {
    entry.rank = index + 1;
  });
  return {
    window: stacked.result.window,
    baseline_cost_usd: stacked.result.total.baseline.cost_usd,
    ranked: entries,
    stacked: {
      savings_usd_per_month: stacked.result.total.savings_usd_per_month,
      savings_percent: stacked.result.total.savings_percent,
      risk: sumRisk(stacked.result),
      levers: stacked.levers.flatMap((lever) => lever.levers),
    },
    skipped: skippedKinds,
  };
}
