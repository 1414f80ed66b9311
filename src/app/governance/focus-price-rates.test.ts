import { describe, expect, it } from 'vitest';
import { PriceCatalog } from '../../core/catalog/price-catalog.js';
import { loadBundledProviders } from '../load-bundled-providers.js';
import { planFocusPriceRates } from './focus-price-rates.js';

const providers = loadBundledProviders();
const listCatalog = new PriceCatalog(providers, { models: [], discounts: [], prices: [] });
const sonnet = { provider: 'anthropic', model: 'claude-sonnet-4-5', calls: 10, firstMs: Date.parse('2026-11-01T00:00:00Z'), lastMs: Date.parse('2026-11-30T00:00:00Z') };

describe('planFocusPriceRates', () => {
  it('pairs each discounted price and long-context band with the catalog rates it was discounted from', () => {
    const catalog = new PriceCatalog(providers, { models: [], discounts: [{ provider: 'anthropic', percent: 20, effective_from: '2026-11-15' }], prices: [] });
    const rates = planFocusPriceRates([sonnet], catalog, listCatalog);
    // Before the 15th: list prices, base and long-context band; from the 15th: 20% off both.
    expect(rates).toHaveLength(4);
    const list = listCatalog.priceAt('claude-sonnet-4-5', sonnet.firstMs);
    if (!list.priced) throw new Error('claude-sonnet-4-5 has no price');
    const [base, tier] = [list.price.card.base, list.price.card.tiers[0]!.rates];
    for (const rate of rates) {
      expect(rate.thresholds).toEqual([list.price.card.tiers[0]!.inputAbove]);
      expect(rate.list).toEqual(rate.band === 0 ? base : tier);
    }
    const discounted = rates.filter((rate) => rate.contracted.input !== rate.list.input);
    expect(discounted).toHaveLength(2);
    for (const rate of discounted) expect(rate.contracted.output).toBe(Math.round(rate.list.output * 0.8));
    expect(new Set(rates.map((rate) => rate.priceId)).size).toBe(2);
  });

  it('gives no rate to a model the catalog does not price', () => {
    const rates = planFocusPriceRates([{ ...sonnet, provider: 'internal', model: 'in-house-llm' }], listCatalog, listCatalog);
    expect(rates).toEqual([]);
  });
});
