import type { ModelPrice } from '@pydantic/genai-prices';
import { picodollarsPerToken } from '../cost/picodollars.js';

/** The token classes a call is billed by, in the order a breakdown shows them. */
export const tokenClasses = [
  'input',
  'cacheRead',
  'cacheWrite5m',
  'cacheWrite1h',
  'output',
  'reasoning',
  'inputAudio',
  'outputAudio',
] as const;

/** One of the separately priced kinds of token. */
export type TokenClass = (typeof tokenClasses)[number];

/**
 * Integer picodollars per token for each class, plus a flat fee per request and a fee per server-side web
 * search (Anthropic bills $10 per 1,000 searches on top of the tokens the results add to the prompt).
 * webSearch is optional so that rates written by hand before searches were priced still type-check: absent is 0.
 */
export type Rates = Record<TokenClass, number> & { request: number; webSearch?: number };

/** A model's prices for one price period: base rates and the long-context tiers that replace them. */
export interface RateCard {
  base: Rates;
  /** Ascending by threshold; a tier applies to the whole call once its input total exceeds inputAbove. */
  tiers: Array<{ inputAbove: number; rates: Rates }>;
  /** The classes the price source names; the others inherit a parent's rate (cache read ← input, reasoning ← output…). */
  explicit: ReadonlySet<TokenClass | 'request' | 'webSearch'>;
  /** False for models billed by something other than tokens (audio hours, pages): their token cost is unknown, not zero. */
  pricedByToken: boolean;
}

/** A price in $/M tokens for each class a source names; missing classes inherit. Shared by catalog data, overrides and inline prices. */
export type PricePerMillion = Partial<Record<TokenClass, number>> & { requestUsd?: number; webSearchUsd?: number };

/** The rates a call pays, given its total input tokens. */
export function ratesFor(card: RateCard, inputTotal: number): Rates {
  let rates = card.base;
  for (const tier of card.tiers) {
    if (inputTotal > tier.inputAbove) rates = tier.rates;
    else break;
  }
  return rates;
}

// Which key of @pydantic/genai-prices' data prices each class.
const genaiPriceKeys: Record<TokenClass, string> = {
  input: 'input_mtok',
  cacheRead: 'cache_read_mtok',
  cacheWrite5m: 'cache_write_mtok',
  cacheWrite1h: 'cache_write_1h_mtok',
  output: 'output_mtok',
  reasoning: 'output_reasoning_mtok',
  inputAudio: 'input_audio_mtok',
  outputAudio: 'output_audio_mtok',
};

type TieredValue = number | { base: number; tiers: Array<{ start: number; price: number }> };

function valueAtThreshold(value: TieredValue, threshold: number | null): number {
  if (typeof value === 'number') return value;
  let price = value.base;
  if (threshold === null) return price;
  for (const tier of [...value.tiers].sort((a, b) => a.start - b.start)) {
    if (tier.start <= threshold) price = tier.price;
  }
  return price;
}

/** Compiles one price entry of @pydantic/genai-prices into a rate card. */
export function rateCardFromGenaiPrices(modelPrice: ModelPrice): RateCard {
  const perMillionAt = (threshold: number | null): PricePerMillion => {
    const prices: PricePerMillion = {};
    for (const tokenClass of tokenClasses) {
      const value = modelPrice[genaiPriceKeys[tokenClass]] as TieredValue | undefined;
      if (value !== undefined) prices[tokenClass] = valueAtThreshold(value, threshold);
    }
    const perThousandRequests = modelPrice.requests_kcount as TieredValue | undefined;
    if (perThousandRequests !== undefined) prices.requestUsd = valueAtThreshold(perThousandRequests, threshold) / 1000;
    const perThousandSearches = modelPrice.web_searches_kcount as TieredValue | undefined;
    if (perThousandSearches !== undefined) prices.webSearchUsd = valueAtThreshold(perThousandSearches, threshold) / 1000;
    return prices;
  };
  const thresholds = new Set<number>();
  for (const value of Object.values(modelPrice)) {
    if (value !== undefined && typeof value === 'object') for (const tier of value.tiers) thresholds.add(tier.start);
  }
  const card = rateCardFromPrices(perMillionAt(null));
  card.tiers = [...thresholds]
    .sort((a, b) => a - b)
    .map((threshold) => ({ inputAbove: threshold, rates: ratesFromPrices(perMillionAt(threshold)) }));
  return card;
}

/** Fills the classes a source leaves out from their parent class, as providers bill them. */
export function ratesFromPrices(prices: PricePerMillion): Rates {
  const rate = (value: number | undefined): number | undefined =>
    value === undefined ? undefined : picodollarsPerToken(value);
  const input = rate(prices.input) ?? 0;
  const output = rate(prices.output) ?? 0;
  const cacheWrite5m = rate(prices.cacheWrite5m) ?? input;
  return {
    input,
    cacheRead: rate(prices.cacheRead) ?? input,
    cacheWrite5m,
    cacheWrite1h: rate(prices.cacheWrite1h) ?? cacheWrite5m,
    output,
    reasoning: rate(prices.reasoning) ?? output,
    inputAudio: rate(prices.inputAudio) ?? input,
    outputAudio: rate(prices.outputAudio) ?? output,
    request: prices.requestUsd === undefined ? 0 : Math.round(prices.requestUsd * 1e12),
    // Zero, not unknown, when the source names no search price: models without server-side search run none.
    webSearch: prices.webSearchUsd === undefined ? 0 : Math.round(prices.webSearchUsd * 1e12),
  };
}

/** A rate card without tiers from $/M prices. */
export function rateCardFromPrices(prices: PricePerMillion): RateCard {
  const explicit = new Set<TokenClass | 'request' | 'webSearch'>();
  for (const tokenClass of tokenClasses) if (prices[tokenClass] !== undefined) explicit.add(tokenClass);
  if (prices.requestUsd !== undefined) explicit.add('request');
  if (prices.webSearchUsd !== undefined) explicit.add('webSearch');
  return {
    base: ratesFromPrices(prices),
    tiers: [],
    explicit,
    pricedByToken: prices.input !== undefined || prices.output !== undefined,
  };
}

/** The $/M prices a card names for its base tier, inherited classes filled in. */
export function pricesPerMillion(rates: Rates): Record<TokenClass, number> & { requestUsd: number; webSearchUsd: number } {
  const prices = {} as Record<TokenClass, number> & { requestUsd: number; webSearchUsd: number };
  for (const tokenClass of tokenClasses) prices[tokenClass] = rates[tokenClass] / 1_000_000;
  prices.requestUsd = rates.request / 1e12;
  prices.webSearchUsd = (rates.webSearch ?? 0) / 1e12;
  return prices;
}

/**
 * Lays partial prices over a card: the named classes replace the card's at every tier, the rest keep it.
 * Used for dated overrides that change only some classes, and for inline what-if prices.
 */
export function overlayPrices(card: RateCard, prices: PricePerMillion): RateCard {
  const given = stripUndefined(prices);
  // Rebuilding from the card's named classes lets inherited classes follow a parent the overlay changes.
  const overlay = (rates: Rates): Rates => {
    const named: PricePerMillion = {};
    for (const tokenClass of tokenClasses) if (card.explicit.has(tokenClass)) named[tokenClass] = rates[tokenClass] / 1_000_000;
    if (card.explicit.has('request')) named.requestUsd = rates.request / 1e12;
    if (card.explicit.has('webSearch')) named.webSearchUsd = (rates.webSearch ?? 0) / 1e12;
    return ratesFromPrices({ ...named, ...given });
  };
  const explicit = new Set(card.explicit);
  for (const tokenClass of tokenClasses) if (prices[tokenClass] !== undefined) explicit.add(tokenClass);
  if (prices.webSearchUsd !== undefined) explicit.add('webSearch');
  return {
    base: overlay(card.base),
    tiers: card.tiers.map((tier) => ({ inputAbove: tier.inputAbove, rates: overlay(tier.rates) })),
    explicit,
    pricedByToken: card.pricedByToken || prices.input !== undefined || prices.output !== undefined,
  };
}

/** Multiplies every rate by a factor (a discount of 20% is 0.8), rounding to whole picodollars per token. */
export function scaleRateCard(card: RateCard, factor: number): RateCard {
  const scale = (rates: Rates): Rates => {
    const next = { ...rates };
    for (const key of [...tokenClasses, 'request'] as const) next[key] = Math.round(rates[key] * factor);
    if (rates.webSearch !== undefined) next.webSearch = Math.round(rates.webSearch * factor);
    return next;
  };
  return { ...card, base: scale(card.base), tiers: card.tiers.map((tier) => ({ ...tier, rates: scale(tier.rates) })) };
}

function stripUndefined(prices: PricePerMillion): PricePerMillion {
  return Object.fromEntries(Object.entries(prices).filter(([, value]) => value !== undefined)) as PricePerMillion;
}
