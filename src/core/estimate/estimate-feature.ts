import { tokenClasses } from '../catalog/rate-card.js';
import { computeCost, type CostBreakdown } from '../cost/compute-cost.js';
import { normalizedUsage, type NormalizedUsage } from '../usage/normalized-usage.js';
import { breakEvenHitRate } from './break-even-hit-rate.js';
import { costAmounts, costKeys, divideCostAmounts, scaleCostAmounts, type CostAmounts, type CostKey, type TokenCounts } from './cost-amounts.js';
import { routeOf, sessionStepCount, type FeatureShape } from './feature-shape.js';
import type { PricedModel } from './resolve-priced-model.js';

/** What prompt caching does to a feature or a model: the expected cost against no caching, and where it pays. */
export interface CacheEffect {
  /** Picodollars a session costs with every prompt token billed as plain input. */
  withoutCachePerSession: number;
  /** Picodollars a session costs when every call hits, and when every call misses and writes the prefix. */
  allHitsPerSession: number;
  allMissesPerSession: number;
  /** The expected cost at the hit rate: R·hits + (1−R)·misses. */
  withCachePerSession: number;
  /** The hit rate above which caching is cheaper than not caching; 0 without a write premium, null if never. */
  breakEvenHitRate: number | null;
}

/** One routed model's part of a feature. */
export interface ModelEstimate {
  model: PricedModel;
  /** The share of calls it serves. */
  share: number;
  /** An average call and a session if every call went to this model (not weighted by share). */
  perCallAlone: CostAmounts;
  perSessionAlone: CostAmounts;
  /** Expected tokens per session by class. */
  tokensPerSession: TokenCounts;
  /** How many steps of a session each price tier billed (null: the base prices). */
  tierSteps: Array<{ inputAbove: number | null; steps: number }>;
  cache: CacheEffect | null;
}

/** A feature's cost per call, per session and per user-month, blended over its route. */
export interface FeatureEstimate {
  shape: FeatureShape;
  /** Calls per session (agent steps). */
  steps: number;
  /** The largest prompt of a session, that of its last step when the context grows. */
  largestPrompt: number;
  /** The average call of a session; the call itself when every call is alike. */
  perCall: CostAmounts;
  perSession: CostAmounts;
  /** Null without sessions per month. */
  perUserMonth: CostAmounts | null;
  models: ModelEstimate[];
  cache: (CacheEffect & { prefix: number; hitRate: number }) | null;
}

/**
 * Prices a feature: each step of a session separately (so a long-context tier applies to the steps whose
 * prompt crosses it), each routed model separately, then blends by share. With a cache prefix, every step
 * is priced as a hit and as a miss, and the expectation is taken over whole-picodollar costs. Assumes a shape
 * that validateFeatureShape passed and models in the order of routeOf(shape); throws RangeError when one
 * call would cost more than can be counted exactly.
 */
export function estimateFeature(shape: FeatureShape, models: PricedModel[]): FeatureEstimate {
  const route = routeOf(shape);
  const steps = sessionStepCount(shape);
  const growth = shape.contextGrowth ?? 0;
  const modelEstimates = route.map(({ share }, index) => estimateModel(shape, models[index]!, share, steps, growth));
  const blend = (pick: (estimate: ModelEstimate) => CostAmounts): CostAmounts => {
    const byClass = {} as Record<CostKey, number>;
    for (const key of costKeys) byClass[key] = 0;
    for (const estimate of modelEstimates) for (const key of costKeys) byClass[key] += estimate.share * pick(estimate).byClass[key];
    return costAmounts(byClass);
  };
  const perSession = blend((estimate) => estimate.perSessionAlone);
  return {
    shape,
    steps,
    largestPrompt: shape.input + (steps - 1) * growth,
    perCall: blend((estimate) => estimate.perCallAlone),
    perSession,
    perUserMonth: shape.sessionsPerMonth === undefined ? null : scaleCostAmounts(perSession, shape.sessionsPerMonth),
    models: modelEstimates,
    cache: blendedCache(shape, modelEstimates),
  };
}

type Variant = 'plain' | 'hit' | 'miss';

// Exact per-class sums of whole-picodollar call costs over a session; bigint because a long agent session
// can pass 2^53 picodollars (about $9,007) even though no single call does.
class SessionSums {
  readonly costs = Object.fromEntries(costKeys.map((key) => [key, 0n])) as Record<CostKey, bigint>;
  readonly tokens = Object.fromEntries(tokenClasses.map((key) => [key, 0])) as TokenCounts;

  add(usage: NormalizedUsage, cost: CostBreakdown, times: number): void {
    for (const key of costKeys) this.costs[key] += BigInt(cost[key]) * BigInt(times);
    const input = usage.input;
    const output = usage.output;
    this.tokens.input += (input.noCache - input.audio) * times;
    this.tokens.cacheRead += input.cacheRead * times;
    this.tokens.cacheWrite5m += input.cacheWrite5m * times;
    this.tokens.cacheWrite1h += input.cacheWrite1h * times;
    this.tokens.output += output.text * times;
    this.tokens.reasoning += output.reasoning * times;
  }

  amounts(): CostAmounts {
    const byClass = {} as Record<CostKey, number>;
    for (const key of costKeys) byClass[key] = Number(this.costs[key]);
    return costAmounts(byClass);
  }
}

function stepUsage(shape: FeatureShape, promptTokens: number, variant: Variant): NormalizedUsage {
  const prefix = shape.cachePrefix ?? 0;
  return normalizedUsage({
    inputTotal: promptTokens,
    cacheRead: variant === 'hit' ? prefix : (shape.cached ?? 0),
    cacheWrite5m: variant === 'miss' ? prefix : (shape.cacheWrite ?? 0),
    cacheWrite1h: shape.cacheWrite1h ?? 0,
    outputTotal: shape.output,
    reasoning: shape.reasoning ?? 0,
  });
}

function estimateModel(shape: FeatureShape, model: PricedModel, share: number, steps: number, growth: number): ModelEstimate {
  const caching = shape.cachePrefix !== undefined && shape.cacheHitRate !== undefined;
  const variants: Variant[] = caching ? ['plain', 'hit', 'miss'] : ['plain'];
  const sums = new Map<Variant, SessionSums>(variants.map((variant) => [variant, new SessionSums()]));
  const tierSteps = new Map<number | null, number>();
  // Without growth every step is alike, so one priced call times the step count is exact and instant.
  const distinctSteps = growth === 0 ? 1 : steps;
  const times = growth === 0 ? steps : 1;
  for (let step = 1; step <= distinctSteps; step += 1) {
    const promptTokens = shape.input + (step - 1) * growth;
    for (const variant of variants) {
      const usage = stepUsage(shape, promptTokens, variant);
      const cost = computeCost(usage, model.card);
      sums.get(variant)!.add(usage, cost, times);
      if (variant === 'plain') tierSteps.set(cost.tierInputAbove, (tierSteps.get(cost.tierInputAbove) ?? 0) + times);
    }
  }
  const plain = sums.get('plain')!;
  let perSessionAlone = plain.amounts();
  let tokensPerSession = plain.tokens;
  let cache: CacheEffect | null = null;
  if (caching) {
    const hitRate = shape.cacheHitRate!;
    const hits = sums.get('hit')!;
    const misses = sums.get('miss')!;
    const expectedCosts = {} as Record<CostKey, number>;
    const hitAmounts = hits.amounts();
    const missAmounts = misses.amounts();
    for (const key of costKeys) expectedCosts[key] = hitRate * hitAmounts.byClass[key] + (1 - hitRate) * missAmounts.byClass[key];
    tokensPerSession = {} as TokenCounts;
    for (const key of tokenClasses) tokensPerSession[key] = hitRate * hits.tokens[key] + (1 - hitRate) * misses.tokens[key];
    const withoutCache = perSessionAlone.total;
    perSessionAlone = costAmounts(expectedCosts);
    cache = {
      withoutCachePerSession: withoutCache,
      allHitsPerSession: hitAmounts.total,
      allMissesPerSession: missAmounts.total,
      withCachePerSession: perSessionAlone.total,
      breakEvenHitRate: breakEvenHitRate({ withoutCache, onHit: hitAmounts.total, onMiss: missAmounts.total }),
    };
  }
  return {
    model,
    share,
    perCallAlone: divideCostAmounts(perSessionAlone, steps),
    perSessionAlone,
    tokensPerSession,
    tierSteps: [...tierSteps].map(([inputAbove, count]) => ({ inputAbove, steps: count })),
    cache,
  };
}

function blendedCache(shape: FeatureShape, models: ModelEstimate[]): FeatureEstimate['cache'] {
  if (shape.cachePrefix === undefined || shape.cacheHitRate === undefined) return null;
  const sum = (pick: (effect: CacheEffect) => number): number =>
    models.reduce((total, estimate) => total + estimate.share * pick(estimate.cache!), 0);
  const withoutCache = sum((effect) => effect.withoutCachePerSession);
  const allHits = sum((effect) => effect.allHitsPerSession);
  const allMisses = sum((effect) => effect.allMissesPerSession);
  return {
    prefix: shape.cachePrefix,
    hitRate: shape.cacheHitRate,
    withoutCachePerSession: withoutCache,
    allHitsPerSession: allHits,
    allMissesPerSession: allMisses,
    withCachePerSession: sum((effect) => effect.withCachePerSession),
    breakEvenHitRate: breakEvenHitRate({ withoutCache, onHit: allHits, onMiss: allMisses }),
  };
}
