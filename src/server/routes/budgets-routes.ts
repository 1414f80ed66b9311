import { Hono } from 'hono';
import type { ServerServices } from '../../app/server-types.js';
import { requireScope, type AccessPolicy, type AccessVariables } from '../require-scope.js';
import { strictQuery } from '../strict-query.js';

/** GET /v1/budgets: the JSON of `unitcost budgets --json`. */
export function budgetsRoutes(services: ServerServices, policy: AccessPolicy): Hono<{ Variables: AccessVariables }> {
  const routes = new Hono<{ Variables: AccessVariables }>();
  routes.get('/v1/budgets', requireScope('read', policy), async (context) => {
    const query = strictQuery(context.req.url, { single: ['at'], repeated: [] });
    const { at } = query.values;
    return context.json(await services.budgets(at === undefined ? {} : { at }, context.req.raw.signal));
  });
  return routes;
}
