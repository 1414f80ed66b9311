import { describe, expect, it } from 'vitest';
import { blendedUsdPerMillion, classifyModelTier, defaultModelTierSettings, type TierCandidate } from './model-tier.js';

const perMillion = (usd: number): number => Math.round(usd * 1_000_000);
const priced = (model: string, input: number, output: number): TierCandidate => ({
  model,
  provider: 'openai',
  pricedModel: model,
  pricedProvider: 'openai',
  inputRate: perMillion(input),
  outputRate: perMillion(output),
});

describe('model tiers', () => {
  it('blends three parts input to one part output', () => {
    expect(blendedUsdPerMillion(perMillion(3), perMillion(15))).toBe(6);
    expect(blendedUsdPerMillion(perMillion(0.4), perMillion(1.6))).toBeCloseTo(0.7, 12);
  });

  it('puts a model under $1/M blended in budget, $3/M and over in frontier, and the rest in mid', () => {
    expect(classifyModelTier(priced('gpt-4.1-mini', 0.4, 1.6), defaultModelTierSettings)).toBe('budget');
    expect(classifyModelTier(priced('claude-haiku-4-5', 1, 5), defaultModelTierSettings)).toBe('mid');
    expect(classifyModelTier(priced('exactly-three', 2, 6), defaultModelTierSettings)).toBe('frontier');
    expect(classifyModelTier(priced('claude-sonnet-4-5', 3, 15), defaultModelTierSettings)).toBe('frontier');
  });

  it('lets the config pin a model by its event name, provider/model or priced name', () => {
    const settings = { ...defaultModelTierSettings, overrides: { 'openai/gpt-4.1-mini': 'frontier' as const, 'my-router': 'mid' as const } };
    expect(classifyModelTier(priced('gpt-4.1-mini', 0.4, 1.6), settings)).toBe('frontier');
    expect(classifyModelTier({ model: 'my-router', provider: null, pricedModel: null, pricedProvider: null, inputRate: null, outputRate: null }, settings)).toBe('mid');
  });

  it('leaves a model without a price unpriced rather than budget', () => {
    expect(classifyModelTier({ model: 'mystery', provider: null, pricedModel: null, pricedProvider: null, inputRate: null, outputRate: null }, defaultModelTierSettings)).toBe('unpriced');
  });

  it('follows moved cut-offs', () => {
    expect(classifyModelTier(priced('gpt-5', 1.25, 10), { ...defaultModelTierSettings, frontierFromUsdPerMillion: 5 })).toBe('mid');
  });
});
