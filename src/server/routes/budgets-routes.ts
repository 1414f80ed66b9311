import { Hono } from 'hono';
import type { ServerServices } from '../../app/server-types.js';
import { UnitcostError } from '../../core/unitcost-error.js';
import { requireScope, type AccessPolicy, type AccessVariables } from '../require-scope.js';
import { strictQuery } from '../strict-query.js';

/** GET /v1/budgets: the JSON of `unitcost budgets --json`; with burn_down=true, each scope's burn-down too. */
export function budgetsRoutes(services: ServerServices, policy: AccessPolicy): Hono<{ Variables: AccessVariables }> {
  const routes = new Hono<{ Variables: AccessVariables }>();
  routes.get('/v1/budgets', requireScope('read', policy), async (context) => {
    const query = strictQuery(context.req.url, { single: ['at', 'burn_down'], repeated: [] });
    const { at, burn_down: burnDown } = query.values;
    if (burnDown !== undefined && burnDown !== 'true' && burnDown !== 'false') {
      throw new UnitcostError('invalid_argument', `burn_down must be true or false, got "${burnDown}"`, { field: 'burn_down' });
    }
    return context.json(await services.budgets({ ...(at === undefined ? {} : { at }), ...(burnDown === 'true' ? { burn_down: true } : {}) }, context.req.raw.signal));
  });
  return routes;
}
