import { optimizePlansOf } from '../../core/plans/plans-result.js';
import type { OptimizeResult } from '../../core/simulate/simulation-result.js';
import { UnitcostError } from '../../core/unitcost-error.js';
import type { Store } from '../../store/store.js';
import type { App } from '../create-app.js';
import { plansOnStore } from './plans-service.js';

/**
 * optimize's plans lever: the plan `unitcost plans` recommends per tier with its default constraints, and the
 * margin now → with it, over optimize's window. Plans change revenue, not cost, so they are shown beside the
 * ranking, not in it. Without calls that carry a user tier and user id there is nothing to design from: the
 * lever stays not evaluated, saying so.
 */
export async function withPlansEffect(app: App, store: Store, result: OptimizeResult, window: { from?: Date; to?: Date }): Promise<OptimizeResult> {
  try {
    const designed = await plansOnStore(app, store, { ...window, models: false });
    return { ...result, skipped: result.skipped.filter((entry) => entry.kind !== 'plans'), plans: optimizePlansOf(designed) };
  } catch (error) {
    if (!UnitcostError.isInstance(error) || error.code !== 'not_found') throw error;
    const reason = 'no call in the window carries a user_tier and a user_id: unitcost plans designs plans from each user\'s usage';
    return { ...result, skipped: result.skipped.map((entry) => (entry.kind === 'plans' ? { kind: 'plans', reason } : entry)) };
  }
}
