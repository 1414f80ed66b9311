import { UnitcostError } from '../core/unitcost-error.js';
import type { EventWriter, RepricedModel, TimeRange } from '../store/event-writer.js';
import { planRateAssignments } from '../store/plan-rate-assignments.js';
import type { App } from './create-app.js';

export type { RepricedModel } from '../store/event-writer.js';

/** What a reprice moved, per stored (provider, model) and in all. */
export interface RepriceResult {
  range: { from: string | null; to: string | null };
  models: RepricedModel[];
  totals: { calls: number; repriced: number; newlyPriced: number; newlyUnpriced: number; unpricedAfter: number; oldTotalPicodollars: bigint; newTotalPicodollars: bigint };
}

/**
 * Recomputes the cost of the stored calls in a range with the catalog and overrides in force now: calls
 * stored unpriced get a price once their model is known, and a changed override or discount moves the
 * calls it covers. Rates are resolved once per model and price period here; the store recomputes the rows.
 */
export async function repriceCalls(app: App, store: EventWriter, range: { from?: Date; to?: Date } = {}): Promise<RepriceResult> {
  if (range.from && range.to && range.from.getTime() >= range.to.getTime()) {
    throw new UnitcostError('invalid_argument', '--from must be before --to', { field: '--from' });
  }
  const timeRange: TimeRange = {
    ...(range.from ? { fromMs: range.from.getTime() } : {}),
    ...(range.to ? { toMs: range.to.getTime() } : {}),
  };
  const groups = await store.pricingGroups(timeRange);
  const { assignments, prices } = planRateAssignments(groups, app.catalog);
  const models = await store.applyRates(timeRange, assignments, prices);
  const totals = { calls: 0, repriced: 0, newlyPriced: 0, newlyUnpriced: 0, unpricedAfter: 0, oldTotalPicodollars: 0n, newTotalPicodollars: 0n };
  for (const model of models) {
    totals.calls += model.calls;
    totals.repriced += model.repriced;
    totals.newlyPriced += model.newlyPriced;
    totals.newlyUnpriced += model.newlyUnpriced;
    totals.unpricedAfter += model.unpricedAfter;
    totals.oldTotalPicodollars += model.oldTotalPicodollars;
    totals.newTotalPicodollars += model.newTotalPicodollars;
  }
  return { range: { from: range.from?.toISOString() ?? null, to: range.to?.toISOString() ?? null }, models, totals };
}
