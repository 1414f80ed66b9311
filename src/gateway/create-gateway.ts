import type { IncomingMessage, ServerResponse } from 'node:http';
import { Hono } from 'hono';
import { answerResponse, fetchCallRequest, nodeCallRequest, writeAnswer, type CallAnswer } from './call-exchange.js';
import { nodeClientConnection, type ClientConnection } from './client-connection.js';
import type { Logger } from 'pino';
import type { GatewayServices } from '../app/gateway/gateway-services.js';
import { gatewayRefusal } from '../core/gateway/gateway-refusal.js';
import { anthropicAdapter } from './anthropic-adapter.js';
import { forwardCall } from './forward-call.js';
import type { InFlightCalls } from './in-flight-calls.js';
import { openaiAdapter } from './openai-adapter.js';
import { passThrough } from './pass-through.js';
import type { ProviderAdapter } from './provider-adapter.js';

/** What the gateway app is built from. */
export interface GatewayOptions {
  services: GatewayServices;
  logger: Logger;
  /** The calls being served, for a shutdown that waits for them. */
  calls: InFlightCalls;
}

const adapters: readonly ProviderAdapter[] = [openaiAdapter, anthropicAdapter];

/**
 * The gateway's HTTP app: every endpoint of every adapter proxied and recorded, plus the free calls the
 * SDKs make (models, token counts) passed through. Requests are logged without headers or bodies, which
 * carry keys and prompt text.
 */
export function createGateway(options: GatewayOptions): Hono {
  const { services, logger, calls } = options;
  const app = new Hono();
  app.use(async (context, next) => {
    // At warn (the gateway's usual level) nothing is logged: skip parsing the URL for a line nobody reads.
    if (!logger.isLevelEnabled('info')) return next();
    const started = performance.now();
    await next();
    logger.info({ method: context.req.method, path: new URL(context.req.url).pathname, status: context.res.status, ms: Math.round((performance.now() - started) * 10) / 10 }, 'request');
  });

  for (const adapter of adapters) {
    for (const endpoint of adapter.endpoints) {
      app.post(endpoint.route, async (context) => answerResponse(await forwardCall(fetchCallRequest(context.req.raw, clientOf(context.env)), { services, adapter, endpoint, logger, calls })));
    }
  }
  app.post('/v1/messages/count_tokens', (context) => passThrough(context.req.raw, { services, adapter: anthropicAdapter, path: '/v1/messages/count_tokens' }));
  // Both SDKs list models at GET /v1/models; only Anthropic's sends anthropic-version.
  app.get('/v1/models', (context) =>
    context.req.header('anthropic-version') === undefined
      ? passThrough(context.req.raw, { services, adapter: openaiAdapter, path: '/models' })
      : passThrough(context.req.raw, { services, adapter: anthropicAdapter, path: '/v1/models' }),
  );
  app.get('/healthz', (context) => context.json({ status: 'ok', recorder: services.recorderCounters() }));
  app.all('*', (context) => {
    const adapter = context.req.header('anthropic-version') === undefined ? openaiAdapter : anthropicAdapter;
    const refusal = gatewayRefusal('not_found', 'request', `no route ${context.req.method} ${new URL(context.req.url).pathname}; the gateway serves ${routeList()}`);
    return context.json(adapter.errorBody(refusal), 404);
  });
  app.onError((error, context) => {
    // Never the error's own text: it may quote the request. The stack goes to the log for whoever runs the gateway.
    logger.error({ err: error, path: new URL(context.req.url).pathname }, 'unexpected gateway error');
    const adapter = context.req.header('anthropic-version') === undefined ? openaiAdapter : anthropicAdapter;
    return context.json(adapter.errorBody(gatewayRefusal('internal', 'gateway', 'unexpected error; the gateway log has the details')), 500);
  });
  return app;
}

/** Answers a request itself and returns true, or returns false and leaves it to the next listener. */
export type NodeListener = (incoming: IncomingMessage, outgoing: ServerResponse) => boolean;

/**
 * The proxied routes (`POST /v1/chat/completions`, `/v1/messages`…) served straight from node:http, for the
 * server that listens for the gateway: forwardCall reads the Node request in place and its answer is
 * written with one `end()`, where Hono's adapter built a Fetch Request (and, once its headers were copied
 * for the upstream, a Headers), a Context and a Response per call, ~9% of the serving thread's CPU at 1,000
 * calls/s and much of what it left for the garbage collector. Everything else (the pass-through routes,
 * health, the 404s) is left to the Hono app, which still serves the same routes where it is mounted whole.
 * The same request log and the same last-resort error as the app's.
 */
export function createProxyListener(options: GatewayOptions): NodeListener {
  const { services, logger, calls } = options;
  const routes = new Map<string, { adapter: ProviderAdapter; endpoint: ProviderAdapter['endpoints'][number] }>();
  for (const adapter of adapters) for (const endpoint of adapter.endpoints) routes.set(endpoint.route, { adapter, endpoint });
  return (incoming, outgoing) => {
    if (incoming.method !== 'POST') return false;
    const url = incoming.url ?? '';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const route = routes.get(path);
    if (route === undefined) return false;
    const started = logger.isLevelEnabled('info') ? performance.now() : undefined;
    const request = nodeCallRequest(incoming, nodeClientConnection(incoming, outgoing));
    const answered = (answer: CallAnswer): void => {
      if (started !== undefined) logger.info({ method: 'POST', path, status: answer.status, ms: Math.round((performance.now() - started) * 10) / 10 }, 'request');
      writeAnswer(answer, outgoing);
    };
    forwardCall(request, { services, adapter: route.adapter, endpoint: route.endpoint, logger, calls })
      .then(answered)
      .catch((error: unknown) => {
        // As app.onError: never the error's own text, which may quote the request.
        logger.error({ err: error, path }, 'unexpected gateway error');
        if (outgoing.headersSent) {
          outgoing.destroy();
          return;
        }
        const refusal = gatewayRefusal('internal', 'gateway', 'unexpected error; the gateway log has the details');
        answered({ status: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify(route.adapter.errorBody(refusal)) });
      });
    return true;
  };
}

function routeList(): string {
  return [...adapters.flatMap((adapter) => adapter.endpoints.map((endpoint) => `POST ${endpoint.route}`)), 'POST /v1/messages/count_tokens', 'GET /v1/models'].join(', ');
}

// The Node adapter passes its request and response as the environment; elsewhere the request's signal serves.
function clientOf(environment: unknown): ClientConnection | undefined {
  const { incoming, outgoing } = (environment ?? {}) as { incoming?: IncomingMessage; outgoing?: ServerResponse };
  return incoming !== undefined && outgoing !== undefined && typeof outgoing.once === 'function' ? nodeClientConnection(incoming, outgoing) : undefined;
}
