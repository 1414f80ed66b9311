import { ratesFor, tokenClasses, type RateCard, type TokenClass } from '../catalog/rate-card.js';
import type { NormalizedUsage } from '../usage/normalized-usage.js';

/**
 * The most one call may cost, in picodollars: costs are counted as doubles, which hold whole numbers
 * exactly only up to 2^53 − 1 (about $9,007), and a cost that is not exact is refused rather than rounded.
 */
export const maxCallPicodollars = Number.MAX_SAFE_INTEGER;

/** Why a call costs more than one call may: the token class that costs most, and how many of it could fit. */
export interface CostOverflow {
  /** The class whose tokens cost most in this call. */
  tokenClass: TokenClass;
  /** How many tokens of that class the call has. */
  tokens: number;
  /** The call's cost, approximately (it is past exact counting). */
  approximatePicodollars: number;
  /** The most tokens of that class one call of this model may have (with no other tokens). */
  largestTokens: number;
}

/**
 * Says whether a call's cost is past what one call may cost (maxCallPicodollars), and if so which of its
 * token classes to blame, so that the refusal names a field and a count a user can act on. Undefined when
 * the cost is countable exactly.
 */
export function costOverflow(usage: NormalizedUsage, card: RateCard): CostOverflow | undefined {
  const rates = ratesFor(card, usage.input.total);
  const tokens: Record<TokenClass, number> = {
    input: usage.input.noCache - usage.input.audio,
    cacheRead: usage.input.cacheRead,
    cacheWrite5m: usage.input.cacheWrite5m,
    cacheWrite1h: usage.input.cacheWrite1h,
    output: usage.output.text,
    reasoning: usage.output.reasoning,
    inputAudio: usage.input.audio,
    outputAudio: usage.output.audio,
  };
  let total = rates.request + usage.webSearchRequests * (rates.webSearch ?? 0);
  let costliest: TokenClass = 'input';
  for (const tokenClass of tokenClasses) {
    const cost = tokens[tokenClass] * rates[tokenClass];
    total += cost;
    if (cost > tokens[costliest] * rates[costliest]) costliest = tokenClass;
  }
  if (Number.isSafeInteger(total)) return undefined;
  const rate = rates[costliest];
  return {
    tokenClass: costliest,
    tokens: tokens[costliest],
    approximatePicodollars: total,
    largestTokens: rate > 0 ? Math.floor((maxCallPicodollars - rates.request) / rate) : Number.MAX_SAFE_INTEGER,
  };
}
