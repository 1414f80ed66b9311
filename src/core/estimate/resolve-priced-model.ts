import type { PriceCatalog } from '../catalog/price-catalog.js';
import { overlayPrices, rateCardFromPrices, type PricePerMillion, type RateCard } from '../catalog/rate-card.js';
import type { EstimateIssueCode } from './estimate-issue.js';
import { customModelName } from './feature-shape.js';

/** A model ready to price calls: who serves it, its rate card, and where its prices came from. */
export interface PricedModel {
  /** The name the user wrote. */
  query: string;
  provider: string;
  model: string;
  /** catalog: bundled data; custom: the config's models; inline: prices given with the estimate alone. */
  source: 'catalog' | 'custom' | 'inline';
  card: RateCard;
  /** The catalog's context window in tokens, where it knows one. */
  contextWindow?: number;
  /** How the prices were arrived at, e.g. ["genai-prices", "inline what-if"]. */
  priceSources: string[];
}

/** A resolved model, or why there is none and what the user may have meant. */
export type PricedModelLookup =
  | { found: true; model: PricedModel }
  | { found: false; code: EstimateIssueCode; reason: string; suggestions: string[] };

/**
 * Resolves a model name through the catalog at an instant. Inline prices price a model the catalog lacks
 * or an unnamed one (they then need input and output), or are laid over a known model's prices as a what-if.
 */
export function resolvePricedModel(
  catalog: PriceCatalog,
  query: string | undefined,
  timeMs: number,
  inlinePrices?: PricePerMillion,
): PricedModelLookup {
  if (query === undefined) return inlineModel(customModelName, inlinePrices ?? {});
  const lookup = catalog.findModel(query);
  if (!lookup.found) {
    if (inlinePrices) return inlineModel(query, inlinePrices);
    return { found: false, code: 'unknown_model', reason: lookup.reason, suggestions: lookup.suggestions };
  }
  const result = lookup.timeline.at(timeMs);
  if (!result.priced) {
    if (inlinePrices) return inlineModel(query, inlinePrices);
    return { found: false, code: 'unpriced', reason: result.reason, suggestions: [] };
  }
  const price = result.price;
  const card = inlinePrices ? overlayPrices(price.card, inlinePrices) : price.card;
  if (!card.pricedByToken) {
    return {
      found: false,
      code: 'unpriced',
      reason: `${price.model.provider}/${price.model.model} is not billed by the token, so its token cost is unknown; give inline input and output prices to estimate anyway`,
      suggestions: [],
    };
  }
  return {
    found: true,
    model: {
      query,
      provider: price.model.provider,
      model: price.model.model,
      source: price.model.source,
      card,
      ...(price.model.contextWindow === undefined ? {} : { contextWindow: price.model.contextWindow }),
      priceSources: inlinePrices ? [...price.sources, 'inline what-if prices'] : price.sources,
    },
  };
}

function inlineModel(query: string, prices: PricePerMillion): PricedModelLookup {
  if (prices.input === undefined || prices.output === undefined) {
    return {
      found: false,
      code: 'invalid_argument',
      reason: `"${query}" has no catalog price, so inline prices must include both {prices.input} and {prices.output}`,
      suggestions: [],
    };
  }
  return {
    found: true,
    model: { query, provider: 'inline', model: query, source: 'inline', card: rateCardFromPrices(prices), priceSources: ['inline prices'] },
  };
}
