import { Hono } from 'hono';
import type { ServerServices } from '../../app/server-types.js';
import { requireScope, type AccessPolicy, type AccessVariables } from '../require-scope.js';
import { strictQuery } from '../strict-query.js';

/** GET /v1/gateway/effects: what the gateway's policies did over a window, beside the what-if estimate for each. */
export function gatewayEffectsRoutes(services: ServerServices, policy: AccessPolicy): Hono<{ Variables: AccessVariables }> {
  const routes = new Hono<{ Variables: AccessVariables }>();
  routes.get('/v1/gateway/effects', requireScope('read', policy), async (context) => {
    const query = strictQuery(context.req.url, { single: ['from', 'to'] });
    const { from, to } = query.values;
    return context.json(await services.gatewayEffects({ ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) }, context.req.raw.signal));
  });
  return routes;
}
