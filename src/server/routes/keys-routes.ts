import { Hono } from 'hono';
import type { ServerServices } from '../../app/server-types.js';
import { UnitcostError } from '../../core/unitcost-error.js';
import { readTextBody } from '../read-text-body.js';
import { requireScope, type AccessPolicy, type AccessVariables } from '../require-scope.js';
import { strictQuery } from '../strict-query.js';

/**
 * /v1/keys: manage API keys while the server holds the store open (the `unitcost keys` commands cannot
 * open the file then, as DuckDB lets one process write it). Admin scope only.
 */
export function keysRoutes(services: ServerServices, policy: AccessPolicy): Hono<{ Variables: AccessVariables }> {
  const routes = new Hono<{ Variables: AccessVariables }>();
  const admin = requireScope('admin', policy);

  routes.get('/v1/keys', admin, (context) => {
    strictQuery(context.req.url, { single: [] });
    return context.json({ keys: services.keys.list() });
  });

  routes.post('/v1/keys', admin, async (context) => {
    strictQuery(context.req.url, { single: [] });
    const text = await readTextBody(context.req.raw, { maxBytes: 10_000, types: ['application/json'], what: '{"name": "…", "scope": "ingest" | "read" | "admin"}' });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new UnitcostError('invalid_argument', `the body is not valid JSON: ${(error as Error).message}`, { field: 'body' });
    }
    const { name, scope, ...rest } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (extra.length > 0) throw new UnitcostError('invalid_argument', `unknown field${extra.length === 1 ? '' : 's'}: ${extra.join(', ')} (a key takes name and scope)`, { field: extra[0]! });
    if (typeof name !== 'string') throw new UnitcostError('invalid_argument', 'name is required: a label for whoever holds the key', { field: 'name' });
    if (typeof scope !== 'string') throw new UnitcostError('invalid_argument', 'scope is required: ingest, read or admin', { field: 'scope' });
    const created = await services.keys.create(name, scope);
    return context.json({ ...created.record, key: created.key, note: 'the key is shown once: store it now' }, 201);
  });

  routes.delete('/v1/keys/:key', admin, async (context) => {
    strictQuery(context.req.url, { single: [] });
    return context.json(await services.keys.revoke(context.req.param('key')));
  });

  return routes;
}
