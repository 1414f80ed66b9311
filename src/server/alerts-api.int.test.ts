import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerServices } from '../app/server-types.js';
import type { AlertsCheckJson } from '../core/governance/alerts/fired-alert-json.js';
import { serveStoreWithConfig, type ServedStore } from './served-store-test-harness.js';
import type { RunningServer } from './start-server.js';

let served: ServedStore;
let directory: string;
let server: RunningServer;
let services: ServerServices;

beforeAll(async () => {
  served = await serveStoreWithConfig('unitcost-alerts-api-', { budgets: [{ name: 'support-daily', per: 'team', equals: 'support', period: 'day', limit_usd: 1, mode: 'hard' }] }, '2026-12-02T12:00:00Z');
  ({ directory, server, services } = served);
});
afterAll(() => served.close());

describe('GET /v1/alerts', () => {
  it('evaluates the rules and budgets over what the server has stored, as `unitcost alerts check --json`', async () => {
    // 100k input and 20k output tokens of gpt-4o-mini: about 3 cents a call; 20 calls by noon is half of a $1 day budget.
    const batch = Array.from({ length: 20 }, (_, index) => ({ id: `a-${index}`, timestamp: `2026-12-02T${String(index % 12).padStart(2, '0')}:00:00Z`, provider: 'openai', model: 'gpt-4o-mini', input_tokens: 100_000, output_tokens: 20_000, feature: 'support-bot', team: 'support' }));
    expect((await fetch(`${server.url}/v1/events`, { method: 'POST', body: JSON.stringify(batch), headers: { 'Content-Type': 'application/json' } })).status).toBe(200);
    const response = await fetch(`${server.url}/v1/alerts`);
    expect(response.status).toBe(200);
    const check = (await response.json()) as AlertsCheckJson;
    expect(check.at).toBe('2026-12-02T12:00:00.000Z');
    expect(check.alerts.map((alert) => alert.key)).toEqual(['budget_projected_breach:support-daily:team=support:2026-12-02', 'budget_point:support-daily:team=support:2026-12-02:0.5']);
    expect(check.counts).toEqual({ critical: 1, warning: 0, info: 1 });
  });

  it('refuses a query parameter it does not take, and a bad instant', async () => {
    expect((await fetch(`${server.url}/v1/alerts?grain=day`)).status).toBe(400);
    expect((await fetch(`${server.url}/v1/alerts?at=soon`)).status).toBe(400);
  });
});
