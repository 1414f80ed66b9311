import { Hono } from 'hono';
import { requireScope, type AccessPolicy, type AccessVariables } from '../require-scope.js';
import type { ServerMetrics } from '../server-metrics.js';
import { strictQuery } from '../strict-query.js';

/** /healthz, /metrics and /openapi.json. */
export function systemRoutes(policy: AccessPolicy, metrics: ServerMetrics, openapi: () => Record<string, unknown>): Hono<{ Variables: AccessVariables }> {
  const routes = new Hono<{ Variables: AccessVariables }>();
  // Open to all, for load balancers and orchestrators; it tells nothing but that the server is up.
  routes.get('/healthz', (context) => {
    strictQuery(context.req.url, { single: [] });
    return context.json({ status: 'ok' });
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
