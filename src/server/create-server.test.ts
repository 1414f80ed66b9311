import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ApiKeys } from '../app/api-keys.js';
import { createApp } from '../app/create-app.js';
import type { ServerServices } from '../app/server-types.js';
import { createServer } from './create-server.js';

const noBatch = { received: 0, accepted: 0, duplicates: 0, rejected: 0, unpriced: 0, results: [] };
const services: ServerServices = {
  app: createApp({ directory: '/nonexistent-config-dir' }),
  keys: { hasActiveKeys: () => false } as unknown as ApiKeys,
  storeLocation: 'memory',
  ingestBatch: async () => noBatch,
  ingestBody: async () => noBatch,
  ingestCounters: () => ({ inserted: 0, duplicates: 0, rejected: 0 }),
  readCounters: () => ({ kept: 0, computed: 0, warmups: 0 }),
  readStore: async () => {
    throw new Error('no store in this test');
  },
  ingestTraces: async () => ({ rejectedSpans: 0, errorMessage: '', calls: 0, withoutUsage: 0, notGenAi: 0 }),
  traceCounters: () => ({ spans: 0, calls: 0, withoutUsage: 0, notGenAi: 0, rejected: 0 }),
  // As the real services do: a read whose client has gone is not run.
  report: async (_flags, signal) => {
    signal?.throwIfAborted();
    return {};
  },
  // Says whether it was asked for a fresh answer.
  kpis: async (_flags, _signal, options) => ({ fresh: options?.fresh ?? false }),
  budgets: async () => ({ budgets: [] }),
  statements: async () => ({ lines: [] }),
  gatewayEffects: async () => ({ levers: [] }),
  simulate: async () => ({}),
  plans: async () => ({ tiers: [] }),
  alertIncidents: { incidents: async () => ({ incidents: [], mutes: [], outbox: { pending: 0, delivered: 0, abandoned: 0 }, last_evaluation: null }) } as unknown as ServerServices['alertIncidents'],
  close: async () => undefined,
};

describe('createServer', () => {
  const { app } = createServer({ services, loopbackOnly: true, logger: pino({ level: 'silent' }), dashboard: null });

  it('describes every route it serves in /openapi.json, and nothing it does not serve', async () => {
    const response = await app.request('http://localhost/openapi.json');
    const document = (await response.json()) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
    const served = app.routes
      .filter((route) => route.method !== 'ALL' && route.path !== '/*' && route.path !== '*')
      .map((route) => `${route.method} ${route.path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}')}`);
    expect(new Set(served)).toEqual(new Set(documented));
  });

  it('says the dashboard is not built when it is not, and still serves the API', async () => {
    const page = await app.request('http://localhost/');
    expect(page.status).toBe(503);
    expect(await page.text()).toContain('npm run build');
    expect((await app.request('http://localhost/healthz')).status).toBe(200);
  });

  it('hands a read the request\'s signal, and answers 499 without an error once the client has gone', async () => {
    const gone = new AbortController();
    gone.abort();
    const response = await app.request('http://localhost/v1/report?by=feature', { signal: gone.signal, headers: { host: 'localhost' } });
    expect(response.status).toBe(499);
    expect(await response.text()).toBe('');
    expect((await app.request('http://localhost/v1/report?by=feature', { headers: { host: 'localhost' } })).status).toBe(200);
  });

  it('asks for a fresh answer when the request says Cache-Control: no-cache', async () => {
    const kept = await app.request('http://localhost/v1/kpis', { headers: { host: 'localhost' } });
    expect(await kept.json()).toEqual({ fresh: false });
    const fresh = await app.request('http://localhost/v1/kpis', { headers: { host: 'localhost', 'cache-control': 'no-cache' } });
    expect(await fresh.json()).toEqual({ fresh: true });
  });

  it('documents the Cache-Control: no-cache bypass of kept answers, and the KPIs\' where filter, in /openapi.json', async () => {
    const document = (await (await app.request('http://localhost/openapi.json')).json()) as { paths: Record<string, { get: { parameters: Array<{ name: string; in: string; description: string }> } }> };
    for (const path of ['/v1/kpis', '/v1/report']) {
      const header = document.paths[path]!.get.parameters.find((parameter) => parameter.in === 'header' && parameter.name === 'Cache-Control');
      expect(header?.description, path).toContain('no-cache');
    }
    expect(document.paths['/v1/kpis']!.get.parameters.map((parameter) => `${parameter.in} ${parameter.name}`)).toContain('query where');
  });
});
