import { calcPrice } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import { PriceCatalog } from '../core/catalog/price-catalog.js';
import { computeCost } from '../core/cost/compute-cost.js';
import { picodollarsToUsd } from '../core/cost/picodollars.js';
import { normalizedUsage } from '../core/usage/normalized-usage.js';
import { loadBundledProviders } from './load-bundled-providers.js';

describe('the bundled @pydantic/genai-prices catalog', () => {
  const catalog = new PriceCatalog(loadBundledProviders());

  it('reads every provider of the package, the big ones first', () => {
    const ids = catalog.providerIds();
    expect(ids.length).toBeGreaterThanOrEqual(40);
    expect(ids.slice(0, 2)).toEqual(['anthropic', 'arcee']);
    expect(ids).toEqual(expect.arrayContaining(['openai', 'google', 'deepseek', 'mistral', 'x-ai', 'aws', 'azure']));
  });

  it('resolves claude-opus-4-7, claude-opus-4.7 and anthropic/claude-opus-4-7 to one model', () => {
    const names = ['claude-opus-4-7', 'claude-opus-4.7', 'anthropic/claude-opus-4-7'].map((name) => {
      const lookup = catalog.findModel(name);
      return lookup.found ? `${lookup.model.provider}/${lookup.model.model}` : lookup.reason;
    });
    expect(names).toEqual(['anthropic/claude-opus-4-7', 'anthropic/claude-opus-4-7', 'anthropic/claude-opus-4-7']);
  });

  it('prefers the provider whose own models a name belongs to over resellers', () => {
    const lookup = catalog.findModel('gpt-4o');
    expect(lookup.found && lookup.model.provider).toBe('openai');
  });

  it('suggests near names for a misspelt model', () => {
    const lookup = catalog.findModel('claude-sonet-4-5');
    expect(lookup.found).toBe(false);
    if (!lookup.found) expect(lookup.suggestions).toContain('anthropic/claude-sonnet-4-5');
  });

  it('prices DeepSeek peak hours by the time of day, as the data says', () => {
    const offPeak = catalog.priceAt('deepseek-v4-pro', Date.parse('2026-09-01T12:00:00Z'));
    const peak = catalog.priceAt('deepseek-v4-pro', Date.parse('2026-09-01T02:00:00Z'));
    expect(offPeak.priced && peak.priced).toBe(true);
    if (offPeak.priced && peak.priced) expect(peak.price.card.base.input).toBeGreaterThan(offPeak.price.card.base.input);
  });

  it('agrees with calcPrice on a long-context call with cache reads and writes', () => {
    const at = new Date('2026-01-15T12:00:00Z');
    const answer = catalog.priceAt('claude-sonnet-4-5', at.getTime());
    if (!answer.priced) throw new Error(answer.reason);
    const cost = computeCost(normalizedUsage({ inputTotal: 250_000, cacheRead: 100_000, cacheWrite5m: 20_000, outputTotal: 3000 }), answer.price.card);
    const theirs = calcPrice(
      { input_tokens: 250_000, cache_read_tokens: 100_000, cache_write_tokens: 20_000, output_tokens: 3000 },
      'claude-sonnet-4-5',
      { providerId: 'anthropic', timestamp: at },
    );
    expect(cost.tierInputAbove).toBe(200_000);
    expect(picodollarsToUsd(cost.total)).toBeCloseTo(theirs!.total_price, 12);
  });
});
