import { z } from 'zod';
import type { LeverDetailValue, LeverKind, LeverRisk, OptimizeEntry, OptimizeLeftOut, OptimizeResult, SimulationResult } from './simulation-result.js';

/**
 * `unitcost optimize`: the default levers of docs/simulate.md, each simulated alone and then stacked,
 * ranked by $/month saved net of one-off costs. The app measures the traffic (percentiles, models) and runs
 * the simulations; this module states the defaults, lets a file override them, and ranks.
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

const share = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');
const dollars = z.number().finite().nonnegative('must not be negative');
const positive = z.number().finite().positive('must be above 0');

/**
 * The defaults file of `unitcost optimize --defaults FILE` (YAML or JSON): every field optional, each
 * replacing the stated default of the same name. Strict, so a misspelt field is an error, not ignored.
 */
export const optimizeDefaultsFileSchema = z
  .object({
    route: z.object({ share }).partial().strict(),
    prompt_cache: z.object({ hit_rate: share, prefix_share_of_median_input: share }).partial().strict(),
    response_cache: z.object({ hit_rate: share, embedding_usd_per_lookup: dollars }).partial().strict(),
    prompt_trim: z.object({ share }).partial().strict(),
    price_change: z
      .object({
        batch_discount: share,
        // Batch APIs answer within 24 hours, not at once: only the team knows which features can wait
        // (summaries overnight, evaluations, backfills — not a chat or an agent), so none is assumed.
        batch_tolerant_features: z.array(z.string().min(1)),
      })
      .partial()
      .strict(),
    fine_tune: z
      .object({
        share,
        training_examples: z.number().int('must be a whole number').positive('must be above 0'),
        epochs: positive,
        training_usd_per_million_tokens: dollars,
        // A stated price of the whole job (data preparation, evaluation…) replaces the token-based estimate.
        training_usd: dollars,
        amortization_months: positive,
      })
      .partial()
      .strict(),
    self_host: z
      .object({
        gpu_usd_per_hour: dollars,
        tokens_per_second: positive,
        utilization: z.number().gt(0, 'must be above 0').max(1, 'must be between 0 and 1'),
        fixed_usd_per_month: dollars,
        // Which features move to the self-hosted model: by default those already on a budget-tier model.
        features: z.array(z.string().min(1)).min(1),
      })
      .partial()
      .strict(),
  })
  .partial()
  .strict();

/** A defaults file as validated. */
export type OptimizeDefaultsOverrides = z.infer<typeof optimizeDefaultsFileSchema>;

/** The stated defaults (docs/simulate.md, "unitcost optimize"), in the names of the defaults file. */
export interface OptimizeDefaults {
  route: { share: number };
  prompt_cache: { hit_rate: number; prefix_share_of_median_input: number };
  response_cache: { hit_rate: number; embedding_usd_per_lookup: number };
  prompt_trim: { share: number };
  price_change: { batch_discount: number; batch_tolerant_features: string[] };
  fine_tune: { share: number; training_examples: number; epochs: number; training_usd_per_million_tokens: number; training_usd: number | null; amortization_months: number };
  self_host: { gpu_usd_per_hour: number; tokens_per_second: number; utilization: number; fixed_usd_per_month: number; features: string[] | null };
}

/** The stated defaults. */
export const optimizeDefaults: OptimizeDefaults = {
  route: { share: 0.5 },
  prompt_cache: { hit_rate: 0.7, prefix_share_of_median_input: 0.5 },
  response_cache: { hit_rate: 0.15, embedding_usd_per_lookup: 0.00002 },
  prompt_trim: { share: 0.2 },
  // Half price is the batch APIs' discount (OpenAI, Anthropic, Google); no feature is batched until named.
  price_change: { batch_discount: 0.5, batch_tolerant_features: [] },
  fine_tune: {
    // A fine-tuned small model is trained to do the feature's job, so it can take more than the 50% an
    // untuned budget model is routed; 20% stays on the original model for the cases it still gets wrong.
    share: 0.8,
    // 10,000 examples × 3 epochs: a mid-sized supervised job. OpenAI's fine-tuning guide sees gains from
    // 50–100 examples and more with more data; 3 epochs is a common choice (its "auto" picks by dataset size).
    training_examples: 10_000,
    epochs: 3,
    // OpenAI's price for supervised fine-tuning of gpt-4.1-mini: $5.00 per million training tokens
    // (openai.com/api/pricing, 2025–2026).
    training_usd_per_million_tokens: 5,
    training_usd: null,
    // Small models have had successors every 9–12 months (gpt-4o-mini 2024-07 → gpt-4.1-mini 2025-04;
    // claude-3-5-haiku 2024-10 → claude-haiku-4-5 2025-10) and a fine-tune is redone with each, and again
    // as the feature's prompts and data drift: 6 months is a conservative share of that life.
    amortization_months: 6,
  },
  self_host: {
    // One H100 80GB SXM on demand: RunPod Secure Cloud lists about $2.69/GPU-hour (2026); typical
    // on-demand list prices run $2.49–$3.99 (Lambda, CoreWeave, Crusoe, RunPod).
    gpu_usd_per_hour: 2.69,
    // Llama 3.1 8B (FP8, vLLM) on one H100: 5,103 tokens/s in Red Hat's MLPerf Inference v5.1 Server run.
    // The replay counts input + output tokens against it; prefill runs far faster than decode, so this
    // overstates the GPU-hours a mostly-input workload needs (a conservative choice).
    tokens_per_second: 5000,
    // The scenario schema's own default: a GPU kept busy half the time, to absorb peaks and idle nights.
    utilization: 0.5,
    // A tenth of an engineer for deployment, upgrades and on-call: US software developers' median wage
    // $132,270/year (BLS, May 2023) × 1.3 for benefits ÷ 12 × 0.1 ≈ $1,433, rounded to $1,500/month.
    fixed_usd_per_month: 1500,
    features: null,
  },
};

/** The stated defaults with a defaults file's values in place of theirs. */
export function withOverrides(overrides: OptimizeDefaultsOverrides, defaults: OptimizeDefaults = optimizeDefaults): OptimizeDefaults {
  return {
    route: { ...defaults.route, ...overrides.route },
    prompt_cache: { ...defaults.prompt_cache, ...overrides.prompt_cache },
    response_cache: { ...defaults.response_cache, ...overrides.response_cache },
    prompt_trim: { ...defaults.prompt_trim, ...overrides.prompt_trim },
    price_change: { ...defaults.price_change, ...overrides.price_change },
    fine_tune: { ...defaults.fine_tune, ...overrides.fine_tune },
    self_host: { ...defaults.self_host, ...overrides.self_host },
  };
}

/** One default lever of one kind, over the features where it applies (a list of scenario lever items). */
export interface DefaultLever {
  kind: LeverKind;
  levers: Array<Record<string, unknown>>;
  /** One-off costs of the lever (fine-tuning's training), in $, spread over `amortization_months`. */
  oneOffUsd: number;
}

/**
 * The training cost of a feature's fine-tune: examples × tokens per example × epochs at the price per
 * million training tokens, rounded to the cent. An example is sized as the feature's median input plus
 * its 90th-percentile output (the percentiles recorded), a high-side estimate.
 */
export function fineTuneTrainingUsd(profile: FeatureProfile, settings: OptimizeDefaults['fine_tune']): number {
  if (settings.training_usd !== null) return settings.training_usd;
  const tokens = settings.training_examples * (profile.medianInputTokens + profile.p90OutputTokens) * settings.epochs;
  return Math.round((tokens * settings.training_usd_per_million_tokens) / 1_000_000 * 100) / 100;
}

/** The default levers for the recorded features; kinds with no applicable feature are left out (see notEvaluated). */
export function defaultLevers(profiles: readonly FeatureProfile[], defaults: OptimizeDefaults = optimizeDefaults): DefaultLever[] {
  const result: DefaultLever[] = [];
  const add = (kind: LeverKind, levers: Array<Record<string, unknown>>, oneOffUsd = 0): void => {
    if (levers.length > 0) result.push({ kind, levers, oneOffUsd });
  };
  // Route and fine-tune both take a mid or frontier feature to its provider's budget model.
  const upgradable = profiles.filter((profile) => (profile.tier === 'frontier' || profile.tier === 'mid') && profile.budgetAlternative !== null);
  add('route', upgradable.map((profile) => ({ route: { feature: profile.feature, share: defaults.route.share, to: profile.budgetAlternative } })));
  add(
    'prompt_cache',
    profiles
      .filter((profile) => profile.medianInputTokens >= 2)
      .map((profile) => ({
        prompt_cache: { feature: profile.feature, prefix_tokens: Math.floor(profile.medianInputTokens * defaults.prompt_cache.prefix_share_of_median_input), hit_rate: defaults.prompt_cache.hit_rate },
      })),
  );
  add('response_cache', profiles.map((profile) => ({ response_cache: { feature: profile.feature, hit_rate: defaults.response_cache.hit_rate, embedding_usd_per_lookup: defaults.response_cache.embedding_usd_per_lookup } })));
  add('output_cap', profiles.filter((profile) => profile.p90OutputTokens > 0).map((profile) => ({ output_cap: { feature: profile.feature, max_tokens: profile.p90OutputTokens } })));
  add('prompt_trim', profiles.map((profile) => ({ prompt_trim: { feature: profile.feature, share: defaults.prompt_trim.share } })));
  add(
    'session_limit',
    profiles.filter((profile) => profile.p95SessionCalls !== null && profile.p95SessionCalls > 1).map((profile) => ({ session_limit: { feature: profile.feature, max_steps: profile.p95SessionCalls } })),
  );
  const batched = batchTolerantFeatures(profiles, defaults);
  if (batched.length > 0) add('price_change', [{ price_change: { batch: { feature: batched, discount: defaults.price_change.batch_discount } } }]);
  const trainings = upgradable.map((profile) => fineTuneTrainingUsd(profile, defaults.fine_tune));
  add(
    'fine_tune',
    upgradable.map((profile, index) => ({ fine_tune: { feature: profile.feature, target_model: profile.budgetAlternative, share: defaults.fine_tune.share, training_usd: trainings[index] } })),
    trainings.reduce((sum, training) => sum + training, 0),
  );
  const hosted = selfHostedFeatures(profiles, defaults);
  if (hosted.length > 0) {
    const { gpu_usd_per_hour, tokens_per_second, utilization, fixed_usd_per_month } = defaults.self_host;
    // One lever over all the features: one deployment, whose fixed cost they share.
    add('self_host', [{ self_host: { feature: hosted, gpu_usd_per_hour, tokens_per_second, utilization, fixed_usd_per_month } }]);
  }
  return result;
}

// An 8B-class open model stands in like for like only for a feature already on a budget model; for
// stronger ones the team names the features (self_host.features) and accepts the quality risk.
function selfHostedFeatures(profiles: readonly FeatureProfile[], defaults: OptimizeDefaults): string[] {
  const named = defaults.self_host.features;
  if (named !== null) return profiles.filter((profile) => named.includes(profile.feature)).map((profile) => profile.feature);
  return profiles.filter((profile) => profile.tier === 'budget').map((profile) => profile.feature);
}

// The batch discount only for the features the team marked as able to wait a day and that have recorded calls.
function batchTolerantFeatures(profiles: readonly FeatureProfile[], defaults: OptimizeDefaults): string[] {
  const named = defaults.price_change.batch_tolerant_features;
  return profiles.filter((profile) => named.includes(profile.feature)).map((profile) => profile.feature);
}

/** The kinds optimize did not evaluate on this traffic, and why: every kind is either ranked or listed here. */
export function notEvaluated(levers: readonly DefaultLever[], defaults: OptimizeDefaults = optimizeDefaults): OptimizeResult['skipped'] {
  const evaluated = new Set(levers.map((lever) => lever.kind));
  const reasons: Partial<Record<LeverKind, string>> = {
    route: 'no feature runs on a mid or frontier model with a cheaper budget model of the same provider',
    fine_tune: 'no feature runs on a mid or frontier model with a cheaper budget model of the same provider to fine-tune',
    prompt_cache: 'no feature has a median input of 2 tokens or more',
    output_cap: 'no feature has recorded output tokens',
    session_limit: 'no feature has sessions of more than one call',
    self_host:
      defaults.self_host.features === null
        ? 'no feature runs on a budget-tier model (the class an 8B open model replaces like for like): name features under self_host.features in --defaults'
        : 'none of self_host.features has recorded calls in the window',
    price_change:
      defaults.price_change.batch_tolerant_features.length === 0
        ? 'no feature is marked as tolerant of delay (batch answers arrive within 24 h, not at once): set price_change.batch_tolerant_features in --defaults to evaluate the batch discount'
        : `none of price_change.batch_tolerant_features (${defaults.price_change.batch_tolerant_features.join(', ')}) has recorded calls in the window`,
    // Plans change revenue, not cost: a "default price" would be a recommendation in another unit, not a lever.
    plans: 'needs your plan prices (seat price, allowance, overage) — add a plans lever to a scenario and run unitcost simulate',
  };
  return Object.entries(reasons).flatMap(([kind, reason]) => (evaluated.has(kind as LeverKind) ? [] : [{ kind: kind as LeverKind, reason: reason! }]));
}

const noRisk = (): LeverRisk => ({ calls_truncated: 0, calls_to_weaker_model: 0, answers_from_cache: 0, calls_escalated: 0, sessions_cut: 0, calls_dropped: 0, calls_delayed: 0 });

function sumRisk(result: SimulationResult): LeverRisk {
  const total = noRisk();
  for (const lever of result.levers) for (const name of Object.keys(total) as Array<keyof LeverRisk>) total[name] += lever.risk[name];
  return total;
}

// Net $/month saved as a share of the baseline's cost per month (the replay's own percent when nothing is amortized).
function netPercent(result: SimulationResult, netPerMonth: number): number | null {
  if (netPerMonth === result.total.savings_usd_per_month) return result.total.savings_percent;
  const baseline = result.total.baseline.cost_usd;
  if (baseline === null || baseline === 0 || result.window.days <= 0) return null;
  return netPerMonth / ((baseline * result.month_days) / result.window.days);
}

// A one-off cost as $/month over the amortization period, rounded to the cent.
const amortized = (usd: number, months: number): number => Math.round((usd / months) * 100) / 100;

/** The $/month a replay of some levers saves, net of their one-off costs amortized (for one lever alone: the ranking's key). */
export function stackNetSavingsPerMonth(levers: readonly DefaultLever[], result: SimulationResult, defaults: OptimizeDefaults = optimizeDefaults): number {
  const oneOff = levers.reduce((sum, lever) => sum + lever.oneOffUsd, 0);
  return result.total.savings_usd_per_month - amortized(oneOff, defaults.fine_tune.amortization_months);
}

/** A lever's $/month saved alone, net of its one-off costs amortized (the ranking's key). */
export function netSavingsPerMonth(lever: DefaultLever, result: SimulationResult, defaults: OptimizeDefaults = optimizeDefaults): number {
  return stackNetSavingsPerMonth([lever], result, defaults);
}

/** The stack optimize proposes (see stackLevers): its levers in the order added, their replay together, and the levers left out with why. */
export interface LeverStack {
  levers: DefaultLever[];
  result: SimulationResult;
  leftOut: OptimizeLeftOut[];
}

// The batch discount counts every call of the features named as tolerant of delay: a ceiling, not an estimate.
const isUpperBound = (lever: DefaultLever): boolean => lever.kind === 'price_change';

/**
 * Ranks each lever's result by $/month saved net of its one-off costs (the replay's savings − training ÷
 * amortization months; self-hosting's GPU-hours and fixed costs are already in the replay's cost), and adds
 * the stacked result (the levers stackLevers kept), netted the same way.
 */
export function rankOptimization(alone: Array<{ lever: DefaultLever; result: SimulationResult }>, stacked: LeverStack, defaults: OptimizeDefaults = optimizeDefaults): OptimizeResult {
  const months = defaults.fine_tune.amortization_months;
  const entries: OptimizeEntry[] = alone
    .map(({ lever, result }) => {
      const perMonth = amortized(lever.oneOffUsd, months);
      return {
        rank: 0,
        kind: lever.kind,
        label: result.levers.map((outcome) => outcome.label).join('; '),
        lever: { levers: lever.levers },
        savings_usd_per_month: netSavingsPerMonth(lever, result, defaults),
        simulated_savings_usd_per_month: result.total.savings_usd_per_month,
        one_off_usd: lever.oneOffUsd,
        amortized_usd_per_month: perMonth,
        savings_percent: netPercent(result, result.total.savings_usd_per_month - perMonth),
        risk: sumRisk(result),
        calls_touched: result.total.calls_touched,
        upper_bound: isUpperBound(lever),
        details: result.levers.map((outcome): { label: string; details: Record<string, LeverDetailValue> } => ({ label: outcome.label, details: outcome.details })),
      };
    })
    .sort((a, b) => b.savings_usd_per_month - a.savings_usd_per_month);
  entries.forEach((entry, index) => {
    entry.rank = index + 1;
  });
  const stackedPerMonth = amortized(
    stacked.levers.reduce((sum, lever) => sum + lever.oneOffUsd, 0),
    months,
  );
  return {
    window: stacked.result.window,
    baseline_cost_usd: stacked.result.total.baseline.cost_usd,
    defaults: { ...defaults },
    ranked: entries,
    stacked: {
      savings_usd_per_month: stackNetSavingsPerMonth(stacked.levers, stacked.result, defaults),
      simulated_savings_usd_per_month: stacked.result.total.savings_usd_per_month,
      amortized_usd_per_month: stackedPerMonth,
      savings_percent: netPercent(stacked.result, stacked.result.total.savings_usd_per_month - stackedPerMonth),
      risk: sumRisk(stacked.result),
      levers: stacked.levers.flatMap((lever) => lever.levers),
      kinds: stacked.levers.map((lever) => lever.kind),
      upper_bound: stacked.levers.some(isUpperBound),
      left_out: stacked.leftOut.map((entry) => entry.kind),
      left_out_reasons: stacked.leftOut,
    },
    skipped: notEvaluated(alone.map(({ lever }) => lever), defaults),
  };
}
