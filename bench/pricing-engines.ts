import { calcPrice } from '@pydantic/genai-prices';
import type { PriceCatalog } from '../src/core/catalog/price-catalog.js';
import type { RateCard } from '../src/core/catalog/rate-card.js';
import { computeCost, computeCostTotal } from '../src/core/cost/compute-cost.js';
import { PicodollarTotal } from '../src/core/cost/picodollars.js';
import { normalizedUsage, type NormalizedUsage } from '../src/core/usage/normalized-usage.js';
import type { SyntheticCalls } from './synthetic-calls.js';

/*
 * The ways the pricing benchmark prices the same columnar calls: our engine's hot path as an ingest or
 * report pass would call it, two narrower variants that show where its time goes, our engine's slow
 * per-call path (the reference for agreement), and @pydantic/genai-prices' calcPrice.
 */

/** A pass's exact total and how many calls it could not price. */
export interface PassTotal {
  totalPicodollars: bigint;
  unpriced: number;
}

/**
 * The fast path: every call names its model and provider and is resolved through catalog.findModel
 * (memoized) and timeline.at (which remembers the current price period), then costed by computeCostTotal
 * into an exact PicodollarTotal. One usage object is refilled from the columns, as a pass over stored rows
 * would do, so the loop allocates nothing of its own.
 */
export function priceCallsFast(catalog: PriceCatalog, calls: SyntheticCalls, count = calls.count): PassTotal {
  const names = calls.models.map((model) => model.model);
  // Built once per model, as a caller holding a row's provider column would; a literal per call measures the allocator.
  const lookupOptions = calls.models.map((model) => ({ provider: model.provider }));
  const { modelIndex, timestampMs } = calls;
  const usage = normalizedUsage({});
  const total = new PicodollarTotal();
  let unpriced = 0;
  for (let index = 0; index < count; index += 1) {
    const model = modelIndex[index]!;
    const lookup = catalog.findModel(names[model]!, lookupOptions[model]);
    if (!lookup.found) {
      unpriced += 1;
      continue;
    }
    const answer = lookup.timeline.at(timestampMs[index]!);
    if (!answer.priced) {
      unpriced += 1;
      continue;
    }
    fillUsage(usage, calls, index);
    total.add(computeCostTotal(usage, answer.price.card));
  }
  return { totalPicodollars: total.value(), unpriced };
}

/**
 * The fast path without the per-call findModel: each model's timeline is looked up once before the loop.
 * The difference from priceCallsFast is what the memoized look-up costs per call.
 */
export function priceCallsWithTimelines(catalog: PriceCatalog, calls: SyntheticCalls, count = calls.count): PassTotal {
  const timelines = calls.models.map((model) => {
    const lookup = catalog.findModel(model.model, { provider: model.provider });
    return lookup.found ? lookup.timeline : undefined;
  });
  const { modelIndex, timestampMs } = calls;
  const usage = normalizedUsage({});
  const total = new PicodollarTotal();
  let unpriced = 0;
  for (let index = 0; index < count; index += 1) {
    const answer = timelines[modelIndex[index]!]?.at(timestampMs[index]!);
    if (!answer?.priced) {
      unpriced += 1;
      continue;
    }
    fillUsage(usage, calls, index);
    total.add(computeCostTotal(usage, answer.price.card));
  }
  return { totalPicodollars: total.value(), unpriced };
}

/** Each call's rate card, resolved ahead of time: a column of indexes into a small list of distinct cards. */
export interface ResolvedCards {
  cards: RateCard[];
  /** Index into `cards` per call, or -1 when the call has no price. */
  cardIndex: Int32Array;
}

/** Resolves every call's card once, outside any timed loop, keyed by (provider, model, price period). */
export function resolveCards(catalog: PriceCatalog, calls: SyntheticCalls, count = calls.count): ResolvedCards {
  const cards: RateCard[] = [];
  const byCard = new Map<RateCard, number>();
  const cardIndex = new Int32Array(count);
  for (let index = 0; index < count; index += 1) {
    const model = calls.models[calls.modelIndex[index]!]!;
    const answer = catalog.priceAt(model.model, calls.timestampMs[index]!, { provider: model.provider });
    if (!answer.priced) {
      cardIndex[index] = -1;
      continue;
    }
    let position = byCard.get(answer.price.card);
    if (position === undefined) {
      position = cards.length;
      cards.push(answer.price.card);
      byCard.set(answer.price.card, position);
    }
    cardIndex[index] = position;
  }
  return { cards, cardIndex };
}

/**
 * The ceiling: the cost arithmetic alone, each call's card already resolved once per (provider, model,
 * period). What remains is refilling the usage, picking the tier, nine products and the exact sum.
 */
export function priceCallsWithResolvedCards(calls: SyntheticCalls, resolved: ResolvedCards, count = calls.count): PassTotal {
  const { cards, cardIndex } = resolved;
  const usage = normalizedUsage({});
  const total = new PicodollarTotal();
  let unpriced = 0;
  for (let index = 0; index < count; index += 1) {
    const card = cards[cardIndex[index]!];
    if (card === undefined) {
      unpriced += 1;
      continue;
    }
    fillUsage(usage, calls, index);
    total.add(computeCostTotal(usage, card));
  }
  return { totalPicodollars: total.value(), unpriced };
}

/**
 * Our engine one call at a time through its public, unhurried functions (priceAt, normalizedUsage with its
 * checks, computeCost's full breakdown): the per-call reference the fast path's total must equal exactly.
 * Unpriced calls are NaN.
 */
export function priceEachCall(catalog: PriceCatalog, calls: SyntheticCalls, count = calls.count): Float64Array {
  const costs = new Float64Array(count);
  for (let index = 0; index < count; index += 1) {
    const model = calls.models[calls.modelIndex[index]!]!;
    const answer = catalog.priceAt(model.model, calls.timestampMs[index]!, { provider: model.provider });
    if (!answer.priced) {
      costs[index] = Number.NaN;
      continue;
    }
    const usage = normalizedUsage({
      inputTotal: calls.inputTotal[index]!,
      cacheRead: calls.cacheRead[index]!,
      cacheWrite5m: calls.cacheWrite5m[index]!,
      cacheWrite1h: calls.cacheWrite1h[index]!,
      outputTotal: calls.outputTotal[index]!,
      reasoning: calls.reasoning[index]!,
    });
    costs[index] = computeCost(usage, answer.price.card).total;
  }
  return costs;
}

/** The usage object @pydantic/genai-prices expects for one of the calls. */
export function genaiPricesUsage(calls: SyntheticCalls, index: number): Record<string, number> {
  const cacheWrite1h = calls.cacheWrite1h[index]!;
  return {
    // The package's input_tokens is every prompt token; the cache counts are parts of it, not additions.
    input_tokens: calls.inputTotal[index]!,
    cache_read_tokens: calls.cacheRead[index]!,
    // cache_write_tokens is every cache write; the 1-hour ones are a part of it the package prices apart.
    cache_write_tokens: calls.cacheWrite5m[index]! + cacheWrite1h,
    cache_write_1h_tokens: cacheWrite1h,
    // Likewise output_tokens includes the reasoning tokens.
    output_tokens: calls.outputTotal[index]!,
    output_reasoning_tokens: calls.reasoning[index]!,
  };
}

/** Each call priced by @pydantic/genai-prices' calcPrice, in float dollars; NaN where it finds no price. */
export function priceEachCallWithGenaiPrices(calls: SyntheticCalls, count = calls.count): Float64Array {
  const costs = new Float64Array(count);
  for (let index = 0; index < count; index += 1) {
    const model = calls.models[calls.modelIndex[index]!]!;
    const result = calcPrice(genaiPricesUsage(calls, index), model.model, {
      providerId: model.provider,
      timestamp: new Date(calls.timestampMs[index]!),
    });
    costs[index] = result === null ? Number.NaN : result.total_price;
  }
  return costs;
}

// Every part is written on every call, so nothing of the previous call can leak into this one.
function fillUsage(usage: NormalizedUsage, calls: SyntheticCalls, index: number): void {
  const input = usage.input;
  const output = usage.output;
  const inputTotal = calls.inputTotal[index]!;
  const cacheRead = calls.cacheRead[index]!;
  const cacheWrite5m = calls.cacheWrite5m[index]!;
  const cacheWrite1h = calls.cacheWrite1h[index]!;
  const outputTotal = calls.outputTotal[index]!;
  const reasoning = calls.reasoning[index]!;
  input.total = inputTotal;
  input.noCache = inputTotal - cacheRead - cacheWrite5m - cacheWrite1h;
  input.cacheRead = cacheRead;
  input.cacheWrite5m = cacheWrite5m;
  input.cacheWrite1h = cacheWrite1h;
  output.total = outputTotal;
  output.text = outputTotal - reasoning;
  output.reasoning = reasoning;
}
