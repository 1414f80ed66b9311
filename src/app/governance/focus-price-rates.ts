import type { PriceCatalog } from '../../core/catalog/price-catalog.js';
import type { FocusPriceRate } from '../../core/governance/focus/focus-price-rate.js';
import type { PricingGroup, RateAssignment } from '../../store/event-writer.js';
import { planRateAssignments } from '../../store/plan-rate-assignments.js';

/**
 * The list and contracted rates of every price the stored calls of a window were billed at. Both come
 * from planning the calls' rates twice, as reprice does: once with the config as it is (whose price ids
 * the calls carry) and once with its discounts left out (the list prices). Discounts only add change
 * points, so each discounted stretch lies inside one undiscounted stretch of the same model, slice of the
 * day and long-context band. A stored price the current config no longer produces (the config changed and
 * the calls were not repriced) gets no rate: the export writes those calls at their stored cost.
 */
export function planFocusPriceRates(groups: readonly PricingGroup[], catalog: PriceCatalog, listCatalog: PriceCatalog): FocusPriceRate[] {
  const contracted = planRateAssignments(groups, catalog).assignments.filter((assignment) => assignment.price !== null);
  const list = planRateAssignments(groups, listCatalog).assignments.filter((assignment) => assignment.price !== null);
  const thresholds = new Map<string, number[]>();
  for (const assignment of contracted) {
    const priceId = assignment.price!.priceId;
    const known = thresholds.get(priceId) ?? [];
    if (assignment.inputAbove >= 0 && !known.includes(assignment.inputAbove)) known.push(assignment.inputAbove);
    thresholds.set(priceId, known);
  }
  for (const values of thresholds.values()) values.sort((a, b) => a - b);
  const rates = new Map<string, FocusPriceRate>();
  for (const assignment of contracted) {
    const price = assignment.price!;
    const priceThresholds = thresholds.get(price.priceId)!;
    const band = assignment.inputAbove < 0 ? 0 : priceThresholds.indexOf(assignment.inputAbove) + 1;
    const key = `${price.priceId}\u0000${band}`;
    if (rates.has(key)) continue;
    const undiscounted = list.find((candidate) => covers(candidate, assignment));
    if (undiscounted === undefined) continue;
    rates.set(key, { priceId: price.priceId, band, thresholds: priceThresholds, list: undiscounted.price!.rates, contracted: price.rates });
  }
  return [...rates.values()];
}

// The undiscounted assignment of the same model whose stretch, slice of the day and band hold the discounted one's.
function covers(candidate: RateAssignment, assignment: RateAssignment): boolean {
  return (
    candidate.model === assignment.model &&
    candidate.provider === assignment.provider &&
    candidate.fromMs <= assignment.fromMs &&
    assignment.fromMs < candidate.toMs &&
    candidate.daySecondFrom <= assignment.daySecondFrom &&
    assignment.daySecondFrom < candidate.daySecondTo &&
    candidate.inputAbove === assignment.inputAbove
  );
}
