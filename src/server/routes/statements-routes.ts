import { Hono } from 'hono';
import type { ServerServices } from '../../app/server-types.js';
import { requireScope, type AccessPolicy, type AccessVariables } from '../require-scope.js';
import { strictQuery } from '../strict-query.js';

/** GET /v1/statements: the JSON of `unitcost statement --format json` (showback, or a closed period's chargeback statement). */
export function statementsRoutes(services: ServerServices, policy: AccessPolicy): Hono<{ Variables: AccessVariables }> {
  const routes = new Hono<{ Variables: AccessVariables }>();
  routes.get('/v1/statements', requireScope('read', policy), async (context) => {
    const query = strictQuery(context.req.url, { single: ['period', 'from', 'to', 'by', 'mode'], repeated: [] });
    return context.json(await services.statements(query.values, context.req.raw.signal));
  });
  return routes;
}
