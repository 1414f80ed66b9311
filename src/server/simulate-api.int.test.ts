import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app/create-app.js';
import { openServerServices } from '../app/server-service.js';
import type { ServerServices } from '../app/server-types.js';
import { simulateOnStore } from '../app/simulate-service.js';
import { loadSimulationScenario } from '../config/simulation-scenario-file.js';
import type { Store } from '../store/store.js';
import { startServer, type RunningServer } from './start-server.js';

const app = createApp({ now: () => new Date('2026-03-20T12:00:00Z'), directory: '/nonexistent-config-dir' });
const directory = mkdtempSync(join(tmpdir(), 'unitcost-simulate-api-'));
let server: RunningServer;
let services: ServerServices;
let store: Store;

const scenario = {
  name: 'over HTTP',
  levers: [
    { route: { feature: 'coding-agent', share: 0.7, to: 'anthropic/claude-sonnet-4-5' } },
    { output_cap: { feature: 'doc-summarizer', max_tokens: 300 } },
  ],
};
const yaml = `name: over HTTP
levers:
  - route: { feature: coding-agent, share: 0.7, to: anthropic/claude-sonnet-4-5 }
  - output_cap: { feature: doc-summarizer, max_tokens: 300 }
`;

beforeAll(async () => {
  ({ services, store } = await openServerServices(app, { db: join(directory, 'store.duckdb'), demoWhenEmpty: { events: 5_000, days: 20 } }));
  server = await startServer({ services, host: '127.0.0.1', port: 0, logLevel: 'silent' });
}, 60_000);
afterAll(async () => {
  await server.close();
  await services.close();
  rmSync(directory, { recursive: true, force: true });
});

const post = (path: string, body: string, type: string): Promise<Response> => fetch(`${server.url}${path}`, { method: 'POST', body, headers: { 'content-type': type } });

describe('POST /v1/simulate over HTTP', () => {
  it('answers the JSON of unitcost simulate --json for a JSON body', async () => {
    const response = await post('/v1/simulate', JSON.stringify({ scenario }), 'application/json');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { total: { savings_usd: number }; levers: Array<{ kind: string }> };
    const direct = await simulateOnStore(app, store, loadSimulationScenario({ value: scenario, name: 'scenario' }), {});
    expect(body).toEqual(JSON.parse(JSON.stringify(direct)));
    expect(body.levers.map((lever) => lever.kind)).toEqual(['route', 'output_cap']);
    expect(body.total.savings_usd).toBeGreaterThan(0);
  });

  it('takes the YAML of a scenario file, with the window in the query', async () => {
    const fromJson = (await (await post('/v1/simulate', JSON.stringify({ scenario, from: '2026-03-10', to: '2026-03-20' }), 'application/json')).json()) as unknown;
    const response = await post('/v1/simulate?from=2026-03-10&to=2026-03-20', yaml, 'application/yaml');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { window: unknown };
    expect(body).toEqual(fromJson);
    expect(body.window).toEqual({ from: '2026-03-10', to: '2026-03-20', days: 10 });
  });

  it('answers 400 naming the line and field of a bad scenario', async () => {
    const response = await post('/v1/simulate', 'levers:\n  - output_cap:\n      feature: nowhere\n      max_tokens: 100\n', 'application/yaml');
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { message: string; line: number; field: string } };
    expect(body.error).toMatchObject({ line: 3, field: 'levers[0].output_cap.feature' });
    expect(body.error.message).toContain('request body:3: levers[0].output_cap.feature: no recorded call of feature "nowhere"');
    const share = await post('/v1/simulate', JSON.stringify({ scenario: { levers: [{ fine_tune: { feature: 'coding-agent', target_model: 'gpt-4.1-nano', share: 2, training_usd: 1 } }] } }), 'application/json');
    expect(share.status).toBe(400);
    expect(((await share.json()) as { error: { field: string } }).error.field).toBe('levers[0].fine_tune.share');
  });

  it('says a window without calls is empty', async () => {
    const response = await post('/v1/simulate', JSON.stringify({ scenario, from: '2020-01-01', to: '2020-02-01' }), 'application/json');
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain('no recorded calls between 2020-01-01 and 2020-02-01');
  });

  it('refuses a body that is not a scenario request', async () => {
    expect((await post('/v1/simulate', JSON.stringify({ levers: [] }), 'application/json')).status).toBe(400);
    expect((await post('/v1/simulate', 'levers: []', 'text/plain')).status).toBe(415);
  });
});
