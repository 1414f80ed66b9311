import { ratesFor, tokenClasses, type RateCard, type TokenClass } from '../catalog/rate-card.js';
import type { NormalizedUsage } from '../usage/normalized-usage.js';

/** A call's cost in integer picodollars per token class, and their exact sum. */
export type CostBreakdown = Record<TokenClass, number> & {
  /** The flat per-request fee, where the model has one. */
  request: number;
  /** The server-side web searches the call ran, at the model's price per search. */
  webSearch: number;
  total: number;
  /** The long-context tier's threshold when one applied, else null. */
  tierInputAbove: number | null;
};

/**
 * Prices one call: each token class at its rate, the whole call at a long-context tier's rates once its
 * input total crosses that tier's threshold (as Anthropic and Google bill it).
 */
export function computeCost(usage: NormalizedUsage, card: RateCard): CostBreakdown {
  const rates = ratesFor(card, usage.input.total);
  const input = usage.input;
  const output = usage.output;
  const breakdown: CostBreakdown = {
    input: (input.noCache - input.audio) * rates.input,
    cacheRead: input.cacheRead * rates.cacheRead,
    cacheWrite5m: input.cacheWrite5m * rates.cacheWrite5m,
    cacheWrite1h: input.cacheWrite1h * rates.cacheWrite1h,
    output: output.text * rates.output,
    reasoning: output.reasoning * rates.reasoning,
    inputAudio: input.audio * rates.inputAudio,
    outputAudio: output.audio * rates.outputAudio,
    request: rates.request,
    webSearch: usage.webSearchRequests * (rates.webSearch ?? 0),
    total: 0,
    tierInputAbove: rates === card.base ? null : tierThreshold(card, rates),
  };
  let total = breakdown.request + breakdown.webSearch;
  for (const tokenClass of tokenClasses) total += breakdown[tokenClass];
  assertExact(total);
  breakdown.total = total;
  return breakdown;
}

/**
 * The total alone, for hot loops over millions of calls: the same arithmetic as computeCost without
 * building a breakdown.
 */
export function computeCostTotal(usage: NormalizedUsage, card: RateCard): number {
  const rates = ratesFor(card, usage.input.total);
  const input = usage.input;
  const output = usage.output;
  const total =
    (input.noCache - input.audio) * rates.input +
    input.cacheRead * rates.cacheRead +
    input.cacheWrite5m * rates.cacheWrite5m +
    input.cacheWrite1h * rates.cacheWrite1h +
    output.text * rates.output +
    output.reasoning * rates.reasoning +
    input.audio * rates.inputAudio +
    output.audio * rates.outputAudio +
    rates.request +
    usage.webSearchRequests * (rates.webSearch ?? 0);
  assertExact(total);
  return total;
}

function tierThreshold(card: RateCard, rates: RateCard['base']): number | null {
  return card.tiers.find((tier) => tier.rates === rates)?.inputAbove ?? null;
}

// A single call past 2^53 picodollars (about $9,007) can no longer be counted exactly in a double.
function assertExact(total: number): void {
  if (!Number.isSafeInteger(total)) {
    throw new RangeError(`a call's cost (${total} picodollars) is not a whole number below 2^53; token counts must be integers`);
  }
}
