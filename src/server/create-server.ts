import { readFileSync } from 'node:fs';
import { Hono, type Context } from 'hono';
import { compress } from 'hono/compress';
import { matchedRoutes } from 'hono/route';
import type { Logger } from 'pino';
import type { ServerServices } from '../app/server-types.js';
import { UnitcostError } from '../core/unitcost-error.js';
import type { DashboardAsset } from './dashboard-assets.js';
import { errorResponse } from './error-response.js';
import { openapiDocument, operationSpecs } from './openapi-document.js';
import type { BatchLimits } from './read-event-body.js';
import type { AccessPolicy, AccessVariables } from './require-scope.js';
import { alertsRoutes } from './routes/alerts-routes.js';
import { alertIncidentsRoutes } from './routes/alert-incidents-routes.js';
import { budgetsRoutes } from './routes/budgets-routes.js';
import { statementsRoutes } from './routes/statements-routes.js';
import { focusRoutes } from './routes/focus-routes.js';
import { gatewayEffectsRoutes } from './routes/gateway-effects-routes.js';
import { catalogRoutes } from './routes/catalog-routes.js';
import { eventsRoutes } from './routes/events-routes.js';
import { keysRoutes } from './routes/keys-routes.js';
import { otlpRoutes } from './routes/otlp-routes.js';
import { kpiParameters, reportParameters, reportRoutes } from './routes/report-routes.js';
import { simulateRoutes } from './routes/simulate-routes.js';
import { plansRoutes } from './routes/plans-routes.js';
import { reconcileRoutes } from './routes/reconcile-routes.js';
import { systemRoutes } from './routes/system-routes.js';
import { ServerMetrics } from './server-metrics.js';

/** What the HTTP app is built from. */
export interface ServerOptions {
  services: ServerServices;
  /** Whether the listener is bound to loopback only, where no key is needed while none exists. */
  loopbackOnly: boolean;
  logger: Logger;
  limits?: Partial<BatchLimits>;
  /** The built dashboard; null serves a page saying how to build it. */
  dashboard: Map<string, DashboardAsset> | null;
}

/** The default batch limits: 10,000 records, 16 MB on the wire, 64 MB decompressed. */
export const defaultBatchLimits: BatchLimits = { maxItems: 10_000, maxBodyBytes: 16 * 1024 * 1024, maxDecodedBytes: 64 * 1024 * 1024 };

const packageVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * The HTTP app of `unitcost serve`: every route thin (read the request, call one service, write JSON),
 * every failure turned into a response by errorResponse alone, every request timed for /metrics and
 * logged without its query, headers or body (which may hold keys, user ids or prompt text).
 */
export function createServer(options: ServerOptions): { app: Hono<{ Variables: AccessVariables }>; metrics: ServerMetrics } {
  const { services, logger } = options;
  const metrics = new ServerMetrics(() => services.ingestCounters(), () => services.readCounters(), () => services.traceCounters());
  const policy: AccessPolicy = { keys: services.keys, loopbackOnly: options.loopbackOnly };
  const limits = { ...defaultBatchLimits, ...options.limits };
  const document = openapiDocument(operationSpecs(reportParameters, kpiParameters), packageVersion);

  const app = new Hono<{ Variables: AccessVariables }>();
  app.use(async (context, next) => {
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    const route = matchedRoutes(context).findLast((candidate) => candidate.path !== '/*' && candidate.method !== 'ALL')?.path ?? (context.res.status === 404 ? 'unmatched' : 'static');
    metrics.observeRequest(context.req.method, route, context.res.status, seconds);
    const identity = context.get('identity');
    logger.info(
      { method: context.req.method, route, path: new URL(context.req.url).pathname, status: context.res.status, ms: Math.round(seconds * 10_000) / 10, ...(identity ? { key_name: identity.name } : {}) },
      'request',
    );
  });

  // Reports by day or by user run to megabytes of JSON; gzip makes them a tenth of that for remote browsers.
  app.use('/v1/*', compress({ encoding: 'gzip', threshold: 32 * 1024 }));
  app.route('/', systemRoutes(policy, metrics, () => document, limits));
  app.route('/', catalogRoutes(services, policy));
  app.route('/', eventsRoutes(services, policy, limits));
  app.route('/', otlpRoutes(services, policy, limits));
  app.route('/', reportRoutes(services, policy));
  app.route('/', simulateRoutes(services, policy));
  app.route('/', plansRoutes(services, policy));
  app.route('/', reconcileRoutes(services, policy));
  app.route('/', budgetsRoutes(services, policy));
  app.route('/', statementsRoutes(services, policy));
  app.route('/', focusRoutes(services, policy));
  app.route('/', alertsRoutes(services, policy));
  app.route('/', alertIncidentsRoutes(services, policy));
  app.route('/', gatewayEffectsRoutes(services, policy));
  app.route('/', keysRoutes(services, policy));
  app.get('*', (context) => dashboard(context, options.dashboard));
  app.all('*', (context) => {
    throw new UnitcostError('not_found', `no route ${context.req.method} ${new URL(context.req.url).pathname}; /openapi.json lists them`);
  });
  app.onError((error, context) => errorResponse(error, context, (unexpected) => logger.error({ err: unexpected, route: new URL(context.req.url).pathname }, 'unexpected error')));
  return { app, metrics };
}

function dashboard(context: Context, assets: Map<string, DashboardAsset> | null): Response {
  const path = new URL(context.req.url).pathname;
  if (path.startsWith('/v1/')) throw new UnitcostError('not_found', `no route GET ${path}; /openapi.json lists them`);
  if (!assets) {
    return context.html(
      '<!doctype html><title>unitcost</title><p>The dashboard is not built. Run <code>npm run build</code>, then restart <code>unitcost serve</code>. The API is up: see <a href="/openapi.json">/openapi.json</a>.</p>',
      503,
    );
  }
  // Any other path is a page of the single-page dashboard (/feature/chat, /estimate…): index.html routes it.
  const asset = assets.get(path) ?? (path.startsWith('/assets/') ? undefined : assets.get('/index.html'));
  if (!asset) throw new UnitcostError('not_found', `no file ${path}`);
  const headers: Record<string, string> = {
    'Content-Type': asset.type,
    ETag: asset.etag,
    'Cache-Control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    Vary: 'Accept-Encoding',
  };
  if (context.req.header('if-none-match') === asset.etag) return new Response(null, { status: 304, headers });
  const gzip = asset.gzipped !== null && /\bgzip\b/.test(context.req.header('accept-encoding') ?? '');
  if (gzip) headers['Content-Encoding'] = 'gzip';
  return new Response(gzip ? asset.gzipped : asset.body, { status: 200, headers });
}
