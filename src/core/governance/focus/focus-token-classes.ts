/*
 * The SKUs of the FOCUS export: one per model and token class, spelled "model:token_class". A class is
 * billed at its own rate, so a row never mixes two prices of one model; the per-request fee some models
 * charge and server-side web searches are classes of their own, counted in requests and searches.
 */

/** The classes a call is billed by, as the FOCUS export names them (x_TokenClass and the end of SkuId). */
export const focusTokenClasses = [
  'input',
  'cache_read',
  'cache_write_5m',
  'cache_write_1h',
  'output',
  'reasoning',
  'input_audio',
  'output_audio',
  'request',
  'web_search',
] as const;

/** One of the billed classes of the export. */
export type FocusTokenClass = (typeof focusTokenClasses)[number];

/**
 * Each class's units as providers price them (UnitFormat: "<quantity> <plural unit>"): tokens per million,
 * web searches per thousand ($10 per 1,000 at Anthropic), a request fee per request.
 */
const units: Record<'tokens' | 'request' | 'web_search', { consumed: string; pricing: string; perPricingUnit: number }> = {
  tokens: { consumed: 'Tokens', pricing: '1000000 Tokens', perPricingUnit: 1_000_000 },
  request: { consumed: 'Requests', pricing: 'Requests', perPricingUnit: 1 },
  web_search: { consumed: 'Searches', pricing: '1000 Searches', perPricingUnit: 1000 },
};
const unitsOf = (tokenClass: FocusTokenClass) => (tokenClass === 'request' || tokenClass === 'web_search' ? units[tokenClass] : units.tokens);

/** How many consumed units (tokens, requests, searches) make one pricing unit: a power of ten. */
export function consumedPerPricingUnit(tokenClass: FocusTokenClass): number {
  return unitsOf(tokenClass).perPricingUnit;
}

/** The pricing unit of a class's rows. */
export function focusPricingUnit(tokenClass: FocusTokenClass): string {
  return unitsOf(tokenClass).pricing;
}

/** The consumed unit of a class's rows. */
export function focusConsumedUnit(tokenClass: FocusTokenClass): string {
  return unitsOf(tokenClass).consumed;
}

const classWords: Record<FocusTokenClass, string> = {
  input: 'uncached input tokens',
  cache_read: 'cache-read tokens',
  cache_write_5m: '5-minute cache-write tokens',
  cache_write_1h: '1-hour cache-write tokens',
  output: 'output tokens',
  reasoning: 'reasoning tokens',
  input_audio: 'input audio tokens',
  output_audio: 'output audio tokens',
  request: 'request fees',
  web_search: 'web searches',
};

/** ChargeDescription: the model and what of it was billed, e.g. "claude-haiku-4-5 cache-read tokens". */
export function focusChargeDescription(model: string, tokenClass: FocusTokenClass): string {
  return `${model} ${classWords[tokenClass]}`;
}

/** The words ChargeDescription uses for a class, for building the same text in SQL. */
export function focusClassWords(tokenClass: FocusTokenClass): string {
  return classWords[tokenClass];
}

/** SkuId: the model and the class, e.g. "gpt-4.1-mini:cache_read". */
export function focusSkuId(model: string, tokenClass: FocusTokenClass): string {
  return `${model}:${tokenClass}`;
}
