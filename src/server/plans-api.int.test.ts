import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app/create-app.js';
import { plansOnStore, plansQuery } from '../app/plans/plans-service.js';
import { openServerServices } from '../app/server-service.js';
import type { ServerServices } from '../app/server-types.js';
import type { PlansResult } from '../core/plans/plans-result.js';
import type { Store } from '../store/store.js';
import { startServer, type RunningServer } from './start-server.js';

const app = createApp({ now: () => new Date('2026-03-20T12:00:00Z'), directory: '/nonexistent-config-dir' });
const directory = mkdtempSync(join(tmpdir(), 'unitcost-plans-api-'));
let server: RunningServer;
let services: ServerServices;
let store: Store;

beforeAll(async () => {
  ({ services, store } = await openServerServices(app, { db: join(directory, 'store.duckdb'), demoWhenEmpty: { events: 4_000, days: 20 } }));
  server = await startServer({ services, host: '127.0.0.1', port: 0, logLevel: 'silent' });
}, 60_000);
afterAll(async () => {
  await server.close();
  await services.close();
  rmSync(directory, { recursive: true, force: true });
});

const get = async (query: Array<[string, string]>): Promise<{ status: number; body: unknown }> => {
  const url = new URL('/v1/plans', server.url);
  for (const [name, value] of query) url.searchParams.append(name, value);
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
};

describe('GET /v1/plans', () => {
  it('answers the JSON of unitcost plans --json for the query the CLI sends when the server holds the store', async () => {
    const request = { tier: 'pro', targetMargin: '0.65', pricePoints: '9,19,29,49', maxOverageShare: '0.1', allowance: 'usd', models: false };
    const { status, body } = await get(plansQuery(request));
    expect(status).toBe(200);
    const result = body as PlansResult;
    expect(result.constraints).toEqual({ target_margin: 0.65, price_points_usd: [9, 19, 29, 49], max_overage_share: 0.1, allowance_unit: 'usd' });
    expect(result.tiers.map((tier) => tier.user_tier)).toEqual(['pro']);
    expect(result.tiers[0]!.models).toBeNull();
    expect(body).toEqual(JSON.parse(JSON.stringify(await plansOnStore(app, store, request))));
  }, 60_000);

  it('names query parameters, not flags, in its refusals', async () => {
    const percent = await get([['target_margin', '70%']]);
    expect(percent.status).toBe(400);
    expect(percent.body).toMatchObject({ error: { code: 'invalid_argument', field: 'target_margin', message: 'target_margin is a fraction, not a percentage: write 0.7 for 70%' } });
    const unknown = await get([['margin', '0.7']]);
    expect(unknown.status).toBe(400);
    expect((unknown.body as { error: { message: string } }).error.message).toContain('unknown query parameter: margin');
    const tier = await get([['tier', 'nobody'], ['models', 'false']]);
    expect(tier.status).toBe(404);
    expect(tier.body).toMatchObject({ error: { field: 'tier', suggestions: expect.arrayContaining(['pro']) } });
  });
});
