import { tokenClasses, type Rates } from '../catalog/rate-card.js';
import type { ResolvedPrice } from '../catalog/price-timeline.js';
import type { StoredPriceRow } from './event-rows.js';

// Compiled prices are memoized by their timelines, so a price period is one object: its row is built once.
const rowsByPrice = new WeakMap<ResolvedPrice, StoredPriceRow>();

/**
 * The price row a call billed at this price refers to. Its id, e.g. "anthropic/claude-opus-4-7:3f2a…",
 * is a hash of the provider, model, sources and every rate: the same prices always get the same id, and a
 * changed override gets a new one instead of silently redefining the rows that used the old.
 */
export function priceRowFor(price: ResolvedPrice): StoredPriceRow {
  let row = rowsByPrice.get(price);
  if (!row) {
    row = buildPriceRow(price);
    rowsByPrice.set(price, row);
  }
  return row;
}

function buildPriceRow(price: ResolvedPrice): StoredPriceRow {
  const { provider, model } = price.model;
  const sources = price.sources.join('; ');
  const base = price.card.base;
  const tiers = JSON.stringify(price.card.tiers.map((tier) => ({ inputAbove: tier.inputAbove, rates: ratesInOrder(tier.rates) })));
  const identity = JSON.stringify([provider, model, sources, ratesInOrder(base), tiers]);
  return {
    priceId: `${provider}/${model}:${fnv1a64(identity)}`,
    provider,
    model,
    sources,
    inputRate: base.input,
    cacheReadRate: base.cacheRead,
    cacheWrite5mRate: base.cacheWrite5m,
    cacheWrite1hRate: base.cacheWrite1h,
    outputRate: base.output,
    reasoningRate: base.reasoning,
    inputAudioRate: base.inputAudio,
    outputAudioRate: base.outputAudio,
    requestFee: base.request,
    tiers,
  };
}

function ratesInOrder(rates: Rates): Record<string, number> {
  const ordered: Record<string, number> = {};
  for (const tokenClass of tokenClasses) ordered[tokenClass] = rates[tokenClass];
  ordered.request = rates.request;
  // Named only when set, so that the ids of prices without web search stay what they were before it was priced.
  if (rates.webSearch !== undefined && rates.webSearch !== 0) ordered.webSearch = rates.webSearch;
  return ordered;
}

// A 64-bit FNV-1a hash as 16 hex digits: enough to tell price periods apart, pure and without I/O.
function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= BigInt(text.charCodeAt(index));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}
