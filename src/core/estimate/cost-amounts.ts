import { tokenClasses, type TokenClass } from '../catalog/rate-card.js';

/** What a cost is split by: each token class and the flat per-request fee. */
export const costKeys = [...tokenClasses, 'request'] as const;

/** A token class or the per-request fee. */
export type CostKey = (typeof costKeys)[number];

/**
 * Picodollars by cost key with their sum. A single call's amounts are whole picodollars; blends over a route
 * and expectations over cache hits are weighted averages of whole amounts, so they may be fractional.
 */
export interface CostAmounts {
  byClass: Record<CostKey, number>;
  total: number;
}

/** Expected token counts by class; fractional under a cache hit rate. */
export type TokenCounts = Record<TokenClass, number>;

/** Amounts from per-key values, their total summed once from the parts. */
export function costAmounts(byClass: Record<CostKey, number>): CostAmounts {
  let total = 0;
  for (const key of costKeys) total += byClass[key];
  return { byClass: { ...byClass }, total };
}

/** Every amount times a factor: a share of calls, a count of sessions, 1/steps. */
export function scaleCostAmounts(amounts: CostAmounts, factor: number): CostAmounts {
  const byClass = {} as Record<CostKey, number>;
  for (const key of costKeys) byClass[key] = amounts.byClass[key] * factor;
  return { byClass, total: amounts.total * factor };
}

/** Every amount divided by a count, as a session's cost over its calls; dividing keeps a whole amount whole. */
export function divideCostAmounts(amounts: CostAmounts, divisor: number): CostAmounts {
  const byClass = {} as Record<CostKey, number>;
  for (const key of costKeys) byClass[key] = amounts.byClass[key] / divisor;
  return { byClass, total: amounts.total / divisor };
}
