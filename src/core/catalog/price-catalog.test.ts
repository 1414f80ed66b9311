import { describe, expect, it } from 'vitest';
import { catalogOverridesSchema } from './catalog-overrides.js';
import { PriceCatalog } from './price-catalog.js';
import { testProviders } from './test-providers.js';
import { computeCost } from '../cost/compute-cost.js';
import { normalizedUsage } from '../usage/normalized-usage.js';

const march2025 = Date.parse('2025-03-10T12:00:00Z');
const april2026 = Date.parse('2026-04-10T12:00:00Z');

function pricedCard(catalog: PriceCatalog, model: string, timeMs: number) {
  const answer = catalog.priceAt(model, timeMs);
  if (!('price' in answer)) throw new Error(`expected ${model} to be priced: ${JSON.stringify(answer)}`);
  return answer.price;
}

describe('PriceCatalog look-up', () => {
  const catalog = new PriceCatalog(testProviders);

  it('resolves a model by id, by alias, with a provider prefix and with dots for dashes', () => {
    for (const name of ['acme-large', 'acme-l', 'acme/acme-large', 'acme:acme-large', 'ACME-Large-2025']) {
      const lookup = catalog.findModel(name);
      expect(lookup.found && `${lookup.model.provider}/${lookup.model.model}`).toBe('acme/acme-large');
    }
    const dotted = catalog.findModel('acme-small-4.5');
    expect(dotted.found && dotted.model.model).toBe('acme-small-4-5');
  });

  it('finds a model through a provider that resells another provider’s models', () => {
    const lookup = catalog.findModel('acme-large', { provider: 'resell' });
    expect(lookup.found && lookup.model.provider).toBe('acme');
  });

  it('answers an unknown model with a reason and the nearest names, never a price', () => {
    const lookup = catalog.findModel('acme-larg');
    expect(lookup.found).toBe(false);
    if (lookup.found) return;
    expect(lookup.reason).toContain('no model matches "acme-larg"');
    expect(lookup.suggestions[0]).toBe('acme/acme-large');
    const priced = catalog.priceAt('acme-larg', april2026);
    expect('price' in priced).toBe(false);
  });

  it('rejects an unknown provider and suggests known ones', () => {
    const lookup = catalog.findModel('acme-large', { provider: 'acmi' });
    expect(lookup.found).toBe(false);
    if (!lookup.found) expect(lookup.suggestions).toContain('acme');
  });
});

describe('PriceCatalog prices by date', () => {
  const catalog = new PriceCatalog(testProviders);

  it('prices a call at the price in force at its timestamp', () => {
    expect(pricedCard(catalog, 'acme-large', march2025).card.base.input).toBe(3_000_000);
    expect(pricedCard(catalog, 'acme-large', april2026).card.base.input).toBe(2_000_000);
    expect(pricedCard(catalog, 'acme-large', Date.parse('2026-03-01T00:00:00Z')).card.base.input).toBe(2_000_000);
    expect(pricedCard(catalog, 'acme-large', Date.parse('2026-02-28T23:59:59Z')).card.base.input).toBe(3_000_000);
  });

  it('applies a daily off-peak window by the call’s time of day', () => {
    expect(pricedCard(catalog, 'acme-night', Date.parse('2026-01-01T17:00:00Z')).card.base.input).toBe(500_000);
    expect(pricedCard(catalog, 'acme-night', Date.parse('2026-01-01T09:00:00Z')).card.base.input).toBe(1_000_000);
    expect(pricedCard(catalog, 'acme-night', Date.parse('2026-01-02T17:30:00Z')).card.base.input).toBe(500_000);
  });

  it('lets inherited classes follow their parent: cache writes of 1 hour bill at the 5-minute price when unpriced', () => {
    const card = pricedCard(catalog, 'acme-large', april2026).card;
    expect(card.base.cacheWrite1h).toBe(card.base.cacheWrite5m);
    const small = pricedCard(catalog, 'acme-small-4-5', april2026).card;
    expect(small.base.cacheRead).toBe(small.base.input);
    expect(small.base.reasoning).toBe(2_000_000);
    expect(small.base.request).toBe(500_000_000);
  });

  it('marks a model billed by audio hours as not priced by token', () => {
    expect(pricedCard(catalog, 'acme-whisper', april2026).card.pricedByToken).toBe(false);
  });
});

describe('PriceCatalog overrides', () => {
  const overrides = catalogOverridesSchema.parse({
    models: [
      { id: 'llama-ft', provider: 'self-hosted', aliases: ['our-llama'], prices: { input: 0.2, output: 0.6 } },
      {
        id: 'dated-ft',
        prices: [
          { effective_from: '2026-01-01', input: 1, output: 2 },
          { effective_from: '2026-06-01', input: 0.5, output: 1 },
        ],
      },
    ],
    discounts: [
      { provider: 'acme', percent: 20 },
      { model: 'acme/acme-small-4-5', percent: 50, effective_from: '2026-01-01', effective_to: '2026-02-01' },
    ],
    prices: [{ model: 'acme-large', effective_from: '2026-04-01', input: 1.5 }],
  });
  const catalog = new PriceCatalog(testProviders, overrides);

  it('prices a custom model by id, alias and provider prefix', () => {
    for (const name of ['llama-ft', 'our-llama', 'self-hosted/llama-ft']) {
      expect(pricedCard(catalog, name, april2026).card.base).toMatchObject({ input: 200_000, output: 600_000 });
    }
  });

  it('has no price for a custom model before its first dated price', () => {
    const answer = catalog.priceAt('dated-ft', Date.parse('2025-06-01T00:00:00Z'));
    expect(answer.priced).toBe(false);
    expect(pricedCard(catalog, 'dated-ft', Date.parse('2026-07-01T00:00:00Z')).card.base.input).toBe(500_000);
  });

  it('applies a provider discount, with a model-specific discount winning while it lasts', () => {
    expect(pricedCard(catalog, 'acme-large', Date.parse('2026-03-15T00:00:00Z')).card.base.output).toBe(8_000_000);
    expect(pricedCard(catalog, 'acme-small-4-5', Date.parse('2026-01-15T00:00:00Z')).card.base.input).toBe(125_000);
    expect(pricedCard(catalog, 'acme-small-4-5', Date.parse('2026-02-15T00:00:00Z')).card.base.input).toBe(200_000);
  });

  it('lets a dated price point win from its date, leaving the other classes to the catalog', () => {
    const before = pricedCard(catalog, 'acme-large', Date.parse('2026-03-15T00:00:00Z'));
    const after = pricedCard(catalog, 'acme-large', april2026);
    expect(before.card.base.input).toBe(1_600_000);
    expect(after.card.base.input).toBe(1_500_000);
    expect(after.card.base.output).toBe(8_000_000);
    expect(after.sources).toEqual(['genai-prices from 2026-03-01', 'discount 20%', 'override from 2026-04-01']);
  });

  it('discounts the price per web search with the tokens, and lets a dated price point set it', () => {
    const searching = new PriceCatalog(
      [{ id: 'acme', name: 'Acme AI', api_pattern: 'acme', models: [{ id: 'acme-search', match: { equals: 'acme-search' }, prices: { input_mtok: 1, output_mtok: 2, web_searches_kcount: 10 } }] }],
      catalogOverridesSchema.parse({ discounts: [{ provider: 'acme', percent: 20 }], prices: [{ model: 'acme-search', effective_from: '2026-04-01', per_web_search_usd: 0.005 }] }),
    );
    expect(pricedCard(searching, 'acme-search', Date.parse('2026-03-15T00:00:00Z')).card.base.webSearch).toBe(8_000_000_000);
    const overridden = pricedCard(searching, 'acme-search', april2026).card;
    expect(overridden.base.webSearch).toBe(5_000_000_000);
    expect(overridden.base.input).toBe(800_000);
  });

  it('reuses one compiled price for every call in the same period', () => {
    const first = pricedCard(catalog, 'acme-large', Date.parse('2026-05-01T00:00:00Z'));
    const second = pricedCard(catalog, 'acme-large', Date.parse('2026-09-01T00:00:00Z'));
    expect(second).toBe(first);
  });
});

describe('long-context tiers', () => {
  const catalog = new PriceCatalog(testProviders);
  const card = pricedCard(catalog, 'acme-large', march2025).card;

  it('bills the whole call at the tier price once its input crosses the threshold', () => {
    const below = computeCost(normalizedUsage({ inputTotal: 200_000, outputTotal: 1000 }), card);
    expect(below.total).toBe(200_000 * 3_000_000 + 1000 * 15_000_000);
    expect(below.tierInputAbove).toBeNull();
    const above = computeCost(normalizedUsage({ inputTotal: 200_001, cacheRead: 100_000, outputTotal: 1000 }), card);
    expect(above.input).toBe(100_001 * 6_000_000);
    expect(above.cacheRead).toBe(100_000 * 600_000);
    expect(above.output).toBe(1000 * 22_500_000);
    expect(above.tierInputAbove).toBe(200_000);
  });
});
