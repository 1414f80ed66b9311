import { pricesPerMillion, type Rates, type TokenClass } from '../catalog/rate-card.js';
import { PICODOLLARS_PER_USD } from '../cost/picodollars.js';
import { costKeys, type CostAmounts, type CostKey } from './cost-amounts.js';
import type { FeatureEstimate } from './estimate-feature.js';
import type { ScenarioEstimate } from './estimate-scenario.js';
import type { ThresholdBreach, Verdict } from './judge-viability.js';

/** $/M prices by token class in the report's snake_case names. */
export type PriceTable = Partial<Record<ReportTokenClass | 'web_search', number>>;

/** A token class, or the request fee, as the report spells it. */
export type ReportTokenClass = 'input' | 'cache_read' | 'cache_write_5m' | 'cache_write_1h' | 'output' | 'reasoning' | 'input_audio' | 'output_audio' | 'request';

/** One model's share of one feature, by token class. */
export interface BreakdownRow {
  feature: string;
  model: string;
  share: number;
  per_call_usd: number;
  per_session_usd: number;
  per_user_month_usd: number | null;
  /** Weighted by share, so that every row's classes add up to the feature's totals. */
  by_token_class: Partial<Record<ReportTokenClass, { tokens_per_session: number; per_call_usd: number; per_session_usd: number; per_user_month_usd: number | null }>>;
}

/** The prices an estimate used for one model, and where they came from. */
export interface ModelReport {
  feature: string;
  query: string;
  provider: string;
  model: string;
  source: 'catalog' | 'custom' | 'inline';
  share: number;
  price_sources: string[];
  prices_usd_per_million: PriceTable;
  /** Long-context prices that replace the base prices once a call's prompt exceeds input_above tokens. */
  long_context_tiers: Array<{ input_above: number; prices_usd_per_million: PriceTable }>;
  /** How many calls of a session each tier priced; input_above null is the base price. */
  calls_by_tier: Array<{ input_above: number | null; calls: number }>;
  context_window: number | null;
  /** The hit rate above which caching pays on this model alone. */
  cache_break_even_hit_rate: number | null;
}

/** Prompt caching's effect on a feature, per session and per call. */
export interface CacheReport {
  prefix_tokens: number;
  hit_rate: number;
  break_even_hit_rate: number | null;
  per_session_without_cache_usd: number;
  per_session_with_cache_usd: number;
  savings_per_session_usd: number;
  savings_per_call_usd: number;
  /** Savings as a share of the cost without caching; negative when caching costs more. */
  savings_share: number;
}

/** One feature's figures. */
export interface FeatureReport {
  name: string;
  calls_per_session: number;
  context_growth: number;
  largest_prompt_tokens: number;
  sessions_per_user_month: number | null;
  per_call_usd: number;
  per_session_usd: number;
  per_user_month_usd: number | null;
  cache: CacheReport | null;
}

/** The estimate as scripts read it (`--json`): dollars as numbers, snake_case names, null where ARPU is missing. */
export interface EstimateReport {
  priced_at: string;
  /** The feature's figures when there is one feature; null for a scenario of several, see features. */
  per_call_usd: number | null;
  per_session_usd: number | null;
  /** The total AI cost per user per month: every feature and overhead. */
  per_user_month_usd: number | null;
  inference_per_user_month_usd: number | null;
  overheads_per_user_month_usd: number | null;
  arpu_usd: number | null;
  active_users: number | null;
  cost_share_of_arpu: number | null;
  gross_margin: number | null;
  verdict: Verdict | null;
  breaches: ThresholdBreach[];
  thresholds: { max_cost_share_of_arpu: number; min_inference_margin: number };
  features: FeatureReport[];
  breakdown: BreakdownRow[];
  models: ModelReport[];
  /** The feature's caching figures when there is one feature that uses --cache-prefix. */
  cache: CacheReport | null;
  overheads: Array<{ name: string; kind: string; amount: number; per_user_month_usd: number }>;
  warnings: string[];
}

const reportNames: Record<CostKey, ReportTokenClass> = {
  input: 'input',
  cacheRead: 'cache_read',
  cacheWrite5m: 'cache_write_5m',
  cacheWrite1h: 'cache_write_1h',
  output: 'output',
  reasoning: 'reasoning',
  inputAudio: 'input_audio',
  outputAudio: 'output_audio',
  request: 'request',
};

/** Turns an estimate into its report; timeMs is the instant the prices were taken at. */
export function estimateReport(estimate: ScenarioEstimate, timeMs: number): EstimateReport {
  const features = estimate.features.map(({ name, estimate: feature }) => featureReport(name, feature));
  const single = features.length === 1 ? features[0]! : null;
  const viability = estimate.viability;
  return {
    priced_at: new Date(timeMs).toISOString(),
    per_call_usd: single?.per_call_usd ?? null,
    per_session_usd: single?.per_session_usd ?? null,
    per_user_month_usd: usdOrNull(estimate.totalPerUserMonth),
    inference_per_user_month_usd: usdOrNull(estimate.inferencePerUserMonth),
    overheads_per_user_month_usd: estimate.overheads.length === 0 ? null : usdOrNull(estimate.overheadsPerUserMonth),
    arpu_usd: estimate.arpuUsd,
    active_users: estimate.activeUsers,
    cost_share_of_arpu: viability?.costShareOfArpu ?? null,
    gross_margin: viability?.grossMargin ?? null,
    verdict: viability?.verdict ?? null,
    breaches: viability?.breaches ?? [],
    thresholds: {
      max_cost_share_of_arpu: estimate.thresholds.maxCostShareOfArpu,
      min_inference_margin: estimate.thresholds.minInferenceMargin,
    },
    features,
    breakdown: estimate.features.flatMap(({ name, estimate: feature }) => breakdownRows(name, feature)),
    models: estimate.features.flatMap(({ name, estimate: feature }) => modelReports(name, feature)),
    cache: single?.cache ?? null,
    overheads: estimate.overheads.map((overhead) => ({
      name: overhead.name,
      kind: overhead.kind,
      amount: overhead.amount,
      per_user_month_usd: usd(overhead.perUserMonth),
    })),
    warnings: estimate.warnings,
  };
}

/** Picodollars to dollars for a report, rounded to the whole picodollar an expectation may split. */
function usd(picodollars: number): number {
  return Math.round(picodollars) / PICODOLLARS_PER_USD;
}

function usdOrNull(picodollars: number | null | undefined): number | null {
  return picodollars === null || picodollars === undefined ? null : usd(picodollars);
}

function featureReport(name: string, feature: FeatureEstimate): FeatureReport {
  const cache = feature.cache;
  return {
    name,
    calls_per_session: feature.steps,
    context_growth: feature.shape.contextGrowth ?? 0,
    largest_prompt_tokens: feature.largestPrompt,
    sessions_per_user_month: feature.shape.sessionsPerMonth ?? null,
    per_call_usd: usd(feature.perCall.total),
    per_session_usd: usd(feature.perSession.total),
    per_user_month_usd: usdOrNull(feature.perUserMonth?.total),
    cache: cache && {
      prefix_tokens: cache.prefix,
      hit_rate: cache.hitRate,
      break_even_hit_rate: cache.breakEvenHitRate,
      per_session_without_cache_usd: usd(cache.withoutCachePerSession),
      per_session_with_cache_usd: usd(cache.withCachePerSession),
      savings_per_session_usd: usd(cache.withoutCachePerSession - cache.withCachePerSession),
      savings_per_call_usd: usd((cache.withoutCachePerSession - cache.withCachePerSession) / feature.steps),
      savings_share: cache.withoutCachePerSession === 0 ? 0 : (cache.withoutCachePerSession - cache.withCachePerSession) / cache.withoutCachePerSession,
    },
  };
}

function breakdownRows(name: string, feature: FeatureEstimate): BreakdownRow[] {
  const sessions = feature.shape.sessionsPerMonth;
  return feature.models.map((model) => {
    const perSession = scaled(model.perSessionAlone, model.share);
    const byTokenClass: BreakdownRow['by_token_class'] = {};
    for (const key of costKeys) {
      // For the request fee the count is of requests, not tokens.
      const count = (key === 'request' ? feature.steps : model.tokensPerSession[key]) * model.share;
      const cost = perSession[key];
      if (cost === 0 && (key === 'request' || count === 0)) continue;
      byTokenClass[reportNames[key]] = {
        tokens_per_session: count,
        per_call_usd: usd(cost / feature.steps),
        per_session_usd: usd(cost),
        per_user_month_usd: sessions === undefined ? null : usd(cost * sessions),
      };
    }
    const total = model.perSessionAlone.total * model.share;
    return {
      feature: name,
      model: `${model.model.provider}/${model.model.model}`,
      share: model.share,
      per_call_usd: usd(total / feature.steps),
      per_session_usd: usd(total),
      per_user_month_usd: sessions === undefined ? null : usd(total * sessions),
      by_token_class: byTokenClass,
    };
  });
}

function scaled(amounts: CostAmounts, factor: number): Record<CostKey, number> {
  const byClass = {} as Record<CostKey, number>;
  for (const key of costKeys) byClass[key] = amounts.byClass[key] * factor;
  return byClass;
}

function modelReports(name: string, feature: FeatureEstimate): ModelReport[] {
  return feature.models.map(({ model, share, tierSteps, cache }) => ({
    feature: name,
    query: model.query,
    provider: model.provider,
    model: model.model,
    source: model.source,
    share,
    price_sources: model.priceSources,
    prices_usd_per_million: priceTable(model.card.base, model.card.explicit),
    long_context_tiers: model.card.tiers.map((tier) => ({
      input_above: tier.inputAbove,
      prices_usd_per_million: priceTable(tier.rates, model.card.explicit),
    })),
    calls_by_tier: tierSteps.map((entry) => ({ input_above: entry.inputAbove, calls: entry.steps })),
    context_window: model.contextWindow ?? null,
    cache_break_even_hit_rate: cache?.breakEvenHitRate ?? null,
  }));
}

// The classes a napkin estimate bills; audio and per-request prices appear only when the source names them.
const shownAlways: ReadonlySet<CostKey> = new Set<CostKey>(['input', 'cacheRead', 'cacheWrite5m', 'output']);

function priceTable(rates: Rates, explicit: ReadonlySet<TokenClass | 'request' | 'webSearch'>): PriceTable {
  const prices = pricesPerMillion(rates);
  const table: PriceTable = {};
  for (const key of costKeys) {
    if (!shownAlways.has(key) && !explicit.has(key)) continue;
    table[reportNames[key]] = key === 'request' ? prices.requestUsd : prices[key];
  }
  // Dollars per search, like the request fee: shown so a feature that searches can be costed by hand.
  if (explicit.has('webSearch')) table.web_search = prices.webSearchUsd;
  return table;
}
