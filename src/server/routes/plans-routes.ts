import { Hono } from 'hono';
import type { PlansOptions } from '../../app/plans/plans-service.js';
import type { ServerServices } from '../../app/server-types.js';
import { UnitcostError } from '../../core/unitcost-error.js';
import { requireScope, type AccessPolicy, type AccessVariables } from '../require-scope.js';
import { strictQuery } from '../strict-query.js';

/** The query parameters of GET /v1/plans, as `unitcost plans` names its flags (snake_case). */
export const plansParameters = ['tier', 'target_margin', 'price_points', 'max_overage_share', 'allowance', 'month', 'models'] as const;

/** GET /v1/plans: the JSON of `unitcost plans --json` (plans per user tier that reach a target margin). */
export function plansRoutes(services: ServerServices, policy: AccessPolicy): Hono<{ Variables: AccessVariables }> {
  const routes = new Hono<{ Variables: AccessVariables }>();
  routes.get('/v1/plans', requireScope('read', policy), async (context) => {
    const { values } = strictQuery(context.req.url, { single: plansParameters });
    if (values.models !== undefined && values.models !== 'true' && values.models !== 'false') {
      throw new UnitcostError('invalid_argument', `models must be true or false, got "${values.models}"`, { field: 'models' });
    }
    const request: PlansOptions = {
      naming: 'query',
      ...(values.tier === undefined ? {} : { tier: values.tier }),
      ...(values.target_margin === undefined ? {} : { targetMargin: values.target_margin }),
      ...(values.price_points === undefined ? {} : { pricePoints: values.price_points }),
      ...(values.max_overage_share === undefined ? {} : { maxOverageShare: values.max_overage_share }),
      ...(values.allowance === undefined ? {} : { allowance: values.allowance }),
      ...(values.month === undefined ? {} : { month: values.month }),
      ...(values.models === 'false' ? { models: false } : {}),
    };
    return context.json(await services.plans(request, context.req.raw.signal));
  });
  return routes;
}
