import { describe, expect, it } from 'vitest';
import { PriceCatalog } from '../catalog/price-catalog.js';
import { rateCardFromPrices, type PricePerMillion } from '../catalog/rate-card.js';
import { testProviders } from '../catalog/test-providers.js';
import { estimateFeature } from './estimate-feature.js';
import type { FeatureShape } from './feature-shape.js';
import { resolvePricedModel, type PricedModel } from './resolve-priced-model.js';

const usd = 1e12;

function inlineModel(name: string, prices: PricePerMillion): PricedModel {
  return { query: name, provider: 'inline', model: name, source: 'inline', card: rateCardFromPrices(prices), priceSources: ['inline prices'] };
}

const fiveTwentyFive = inlineModel('five-twenty-five', { input: 5, output: 25, cacheRead: 0.5, cacheWrite5m: 6.25 });

describe('estimateFeature', () => {
  it('costs $6.00 a session for 200 calls of 2,000 input and 800 output tokens on a $5/$25 model', () => {
    const estimate = estimateFeature({ input: 2000, output: 800, calls: 200 }, [fiveTwentyFive]);
    expect(estimate.perCall.total).toBe(0.03 * usd);
    expect(estimate.perSession.total).toBe(6 * usd);
    expect(estimate.perSession.byClass.input).toBe(2 * usd);
    expect(estimate.perSession.byClass.output).toBe(4 * usd);
    expect(estimate.perUserMonth).toBeNull();
  });

  it('costs $0.000568 a query for a 2,000-token cached prefix, 300 fresh input and 400 output tokens', () => {
    const model = inlineModel('custom', { input: 0.44, cacheRead: 0.044, output: 0.87 });
    const estimate = estimateFeature({ input: 2300, cached: 2000, output: 400 }, [model]);
    expect(estimate.perCall.total).toBe(568_000_000);
    expect(estimate.perCall.byClass.cacheRead).toBe(88_000_000);
    expect(estimate.perCall.byClass.input).toBe(132_000_000);
    expect(estimate.perCall.byClass.output).toBe(348_000_000);
  });

  it('turns $0.04 a session at 20 sessions a month into $0.80 per user per month', () => {
    const model = inlineModel('custom', { input: 10, output: 30 });
    const estimate = estimateFeature({ input: 1000, output: 1000, sessionsPerMonth: 20 }, [model]);
    expect(estimate.perSession.total).toBe(0.04 * usd);
    expect(estimate.perUserMonth?.total).toBe(0.8 * usd);
  });

  it('sends input + (k−1)·growth prompt tokens at step k of an agent session', () => {
    const model = inlineModel('custom', { input: 1, output: 2 });
    const estimate = estimateFeature({ input: 1000, output: 100, contextGrowth: 500, maxSteps: 4 }, [model]);
    // Prompts of 1,000, 1,500, 2,000 and 2,500 tokens.
    expect(estimate.models[0]!.tokensPerSession.input).toBe(7000);
    expect(estimate.largestPrompt).toBe(2500);
    expect(estimate.perSession.byClass.input).toBe(7000 * 1_000_000);
    expect(estimate.perSession.byClass.output).toBe(400 * 2_000_000);
    expect(estimate.perCall.total).toBe((7000 * 1_000_000 + 800_000_000) / 4);
  });

  it('applies the long-context tier only to the steps whose prompt crosses it', () => {
    const catalog = new PriceCatalog(testProviders);
    const lookup = resolvePricedModel(catalog, 'acme-large', Date.parse('2025-03-10T00:00:00Z'));
    if (!lookup.found) throw new Error(lookup.reason);
    // Prompts of 150k and 180k at $3/$15; 210k and 240k at the >200k tier's $6/$22.5.
    const estimate = estimateFeature({ input: 150_000, output: 1000, contextGrowth: 30_000, maxSteps: 4 }, [lookup.model]);
    expect(estimate.models[0]!.tierSteps).toEqual([
      { inputAbove: null, steps: 2 },
      { inputAbove: 200_000, steps: 2 },
    ]);
    expect(estimate.perSession.byClass.input).toBe(0.99 * usd + 2.7 * usd);
    expect(estimate.perSession.byClass.output).toBe(0.03 * usd + 0.045 * usd);
    expect(estimate.perSession.total).toBe(3.765 * usd);
  });

  it('takes the expected cost over cache hits and misses and finds the break-even hit rate', () => {
    const shape: FeatureShape = { input: 7000, output: 400, cachePrefix: 6000, cacheHitRate: 0.7 };
    const estimate = estimateFeature(shape, [fiveTwentyFive]);
    // A hit costs $0.018, a miss $0.0525, no caching $0.045.
    expect(estimate.cache?.allHitsPerSession).toBe(0.018 * usd);
    expect(estimate.cache?.allMissesPerSession).toBe(0.0525 * usd);
    expect(estimate.cache?.withoutCachePerSession).toBe(0.045 * usd);
    expect(estimate.perCall.total).toBeCloseTo(0.02835 * usd, 0);
    expect(estimate.cache?.breakEvenHitRate).toBeCloseTo(1.25 / 5.75, 12);
    expect(estimate.models[0]!.tokensPerSession.cacheRead).toBeCloseTo(4200, 9);
    expect(estimate.models[0]!.tokensPerSession.cacheWrite5m).toBeCloseTo(1800, 9);
  });

  it('puts the break-even hit rate at 0 when cache writes cost no more than input', () => {
    const model = inlineModel('no-write-premium', { input: 1.32, cacheRead: 0.044, output: 3.96 });
    const estimate = estimateFeature({ input: 5000, output: 500, cachePrefix: 4000, cacheHitRate: 0.5 }, [model]);
    expect(estimate.cache?.breakEvenHitRate).toBe(0);
    // Half the calls read 4,000 tokens at $0.044/M instead of $1.32/M: saves 0.5 × 4,000 × $1.276/M.
    expect(estimate.cache!.withoutCachePerSession - estimate.cache!.withCachePerSession).toBeCloseTo(0.002552 * usd, 0);
  });

  it('blends a route by the share of calls each model serves', () => {
    const cheap = inlineModel('cheap', { input: 1, output: 2 });
    const strong = inlineModel('strong', { input: 10, output: 20 });
    const estimate = estimateFeature(
      { route: [{ model: 'cheap', share: 0.75 }, { model: 'strong', share: 0.25 }], input: 1000, output: 500, calls: 10 },
      [cheap, strong],
    );
    // $0.002 a call on the cheap model, $0.02 on the strong one.
    expect(estimate.models.map((model) => model.perCallAlone.total)).toEqual([0.002 * usd, 0.02 * usd]);
    expect(estimate.perCall.total).toBeCloseTo(0.0065 * usd, 0);
    expect(estimate.perSession.total).toBeCloseTo(0.065 * usd, 0);
  });
});
