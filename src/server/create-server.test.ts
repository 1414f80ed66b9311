import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ApiKeys } from '../app/api-keys.js';
import { createApp } from '../app/create-app.js';
import type { ServerServices } from '../app/server-types.js';
import { createServer } from './create-server.js';

const services: ServerServices = {
  app: createApp({ directory: '/nonexistent-config-dir' }),
  keys: { hasActiveKeys: () => false } as unknown as ApiKeys,
  storeLocation: 'memory',
  ingestBatch: async () => ({ received: 0, accepted: 0, rejected: 0, unpriced: 0, results: [] }),
  ingestCounters: () => ({ inserted: 0, duplicates: 0, rejected: 0 }),
  report: async () => ({}),
  kpis: async () => ({}),
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
});
