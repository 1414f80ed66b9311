/**
 * The cache hit rate above which prompt caching saves money, from the cost of the cached tokens when the
 * cache is not used, when it hits and when it misses (and the prefix is written). Works on $/M rates,
 * R* = (write − input) / (write − read), and on whole-session costs alike, since both are linear in the
 * hit rate. 0 when a miss costs no more than no caching (OpenAI, Gemini, DeepSeek bill no write premium);
 * null when even a hit costs as much as no caching, so caching never pays.
 */
export function breakEvenHitRate(costs: { withoutCache: number; onHit: number; onMiss: number }): number | null {
  const premium = costs.onMiss - costs.withoutCache;
  if (premium <= 0) return 0;
  const saving = costs.withoutCache - costs.onHit;
  if (saving <= 0) return null;
  return premium / (costs.onMiss - costs.onHit);
}
