import { Hono } from 'hono';
import { alertsCheckOver } from '../../app/governance/evaluate-alerts.js';
import type { ServerServices } from '../../app/server-types.js';
import { requireScope, type AccessPolicy, type AccessVariables } from '../require-scope.js';
import { strictQuery } from '../strict-query.js';

/** GET /v1/alerts: every rule and budget evaluated now (or at `at`), the JSON of `unitcost alerts check --json`. */
export function alertsRoutes(services: ServerServices, policy: AccessPolicy): Hono<{ Variables: AccessVariables }> {
  const routes = new Hono<{ Variables: AccessVariables }>();
  routes.get('/v1/alerts', requireScope('read', policy), async (context) => {
    const query = strictQuery(context.req.url, { single: ['at'], repeated: [] });
    const { at } = query.values;
    // In the store's turn like every read; never kept, since it depends on the clock.
    return context.json(await services.readStore((reader) => alertsCheckOver(services.app, reader, at === undefined ? {} : { at })));
  });
  return routes;
}
