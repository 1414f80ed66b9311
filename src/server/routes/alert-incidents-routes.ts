import { Hono } from 'hono';
import type { ServerServices } from '../../app/server-types.js';
import { UnitcostError } from '../../core/unitcost-error.js';
import { readTextBody } from '../read-text-body.js';
import { requireScope, type AccessPolicy, type AccessVariables } from '../require-scope.js';
import { strictQuery } from '../strict-query.js';

const statuses = ['open', 'resolved', 'all'] as const;

/**
 * /v1/alerts/incidents and /v1/alerts/mutes: what alert delivery remembers. Reading needs the read scope;
 * acknowledging and muting change what on-call is told, so they need an admin key (on loopback without keys, anyone on the machine).
 */
export function alertIncidentsRoutes(services: ServerServices, policy: AccessPolicy): Hono<{ Variables: AccessVariables }> {
  const routes = new Hono<{ Variables: AccessVariables }>();
  const admin = requireScope('admin', policy);

  routes.get('/v1/alerts/incidents', requireScope('read', policy), async (context) => {
    const { status = 'open' } = strictQuery(context.req.url, { single: ['status'] }).values;
    if (!(statuses as readonly string[]).includes(status)) throw new UnitcostError('invalid_argument', `status must be one of ${statuses.join(', ')}, got "${status}"`, { field: 'status' });
    return context.json(await services.alertIncidents.incidents(status as (typeof statuses)[number]));
  });

  routes.post('/v1/alerts/incidents/:id/acknowledge', admin, async (context) => {
    strictQuery(context.req.url, { single: [] });
    return context.json(await services.alertIncidents.acknowledge(context.req.param('id'), context.get('identity')?.name ?? 'local'));
  });

  routes.post('/v1/alerts/mutes', admin, async (context) => {
    strictQuery(context.req.url, { single: [] });
    const text = await readTextBody(context.req.raw, { maxBytes: 10_000, types: ['application/json'], what: '{"rule": "…", "scope": {"feature": "…"}, "until": "2026-12-06T00:00:00Z"}' });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new UnitcostError('invalid_argument', `the body is not valid JSON: ${(error as Error).message}`, { field: 'body' });
    }
    return context.json(await services.alertIncidents.addMute(body, context.get('identity')?.name ?? null), 201);
  });

  routes.delete('/v1/alerts/mutes/:id', admin, async (context) => {
    strictQuery(context.req.url, { single: [] });
    return context.json(await services.alertIncidents.deleteMute(context.req.param('id')));
  });

  return routes;
}
