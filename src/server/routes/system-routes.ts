import { Hono } from 'hono';
import { requireScope, type AccessPolicy, type AccessVariables } from '../require-scope.js';
import type { ServerMetrics } from '../server-metrics.js';
import type { BatchLimits } from '../read-event-body.js';
import { strictQuery } from '../strict-query.js';

/** /healthz, /metrics and /openapi.json. */
export function systemRoutes(policy: AccessPolicy, metrics: ServerMetrics, openapi: () => Record<string, unknown>, limits: BatchLimits): Hono<{ Variables: AccessVariables }> {
  const routes = new Hono<{ Variables: AccessVariables }>();
  // Open to all, for load balancers and orchestrators; it tells that the server is up, and the batch limits
  // of POST /v1/events, so that `unitcost push` sizes its batches to this server rather than to the defaults.
  const health = { status: 'ok', limits: { events: { max_items: limits.maxItems, max_body_bytes: limits.maxBodyBytes, max_decoded_bytes: limits.maxDecodedBytes } } };
  routes.get('/healthz', (context) => {
    strictQuery(context.req.url, { single: [] });
    return context.json(health);
  });
  routes.get('/openapi.json', (context) => {
    strictQuery(context.req.url, { single: [] });
    return context.json(openapi());
  });
  routes.get('/metrics', requireScope('read', policy), (context) => {
    strictQuery(context.req.url, { single: [] });
    return context.text(metrics.render(), 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
  });
  return routes;
}
