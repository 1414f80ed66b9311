import { Hono } from 'hono';
import type { ServerServices } from '../../app/server-types.js';
import { readEventBody, type BatchLimits } from '../read-event-body.js';
import { requireScope, type AccessPolicy, type AccessVariables } from '../require-scope.js';
import { strictQuery } from '../strict-query.js';

/**
 * POST /v1/events: a batch of usage events, outcomes and revenue records, with a result per record. The
 * answer comes only after the accepted records are committed: 200 when any record was accepted, even if
 * others were refused (a 400 reads as "all lost" to most clients, and the good ones are stored), 400 only
 * when every record was refused. Sending a batch again is harmless: records are idempotent by id.
 */
export function eventsRoutes(services: ServerServices, policy: AccessPolicy, limits: BatchLimits): Hono<{ Variables: AccessVariables }> {
  const routes = new Hono<{ Variables: AccessVariables }>();
  routes.post('/v1/events', requireScope('ingest', policy), async (context) => {
    strictQuery(context.req.url, { single: [] });
    const body = await readEventBody(context.req.raw, limits);
    const identity = context.get('identity');
    const result = await services.ingestBody(body, identity ? `http:${identity.name}` : 'http');
    return context.json(result, result.accepted === 0 && result.rejected > 0 ? 400 : 200);
  });
  return routes;
}
