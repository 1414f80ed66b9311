import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerServices } from '../app/server-types.js';
import { serveStoreWithConfig, type ServedStore } from './served-store-test-harness.js';
import type { RunningServer } from './start-server.js';

let served: ServedStore;
let directory: string;
let server: RunningServer;
let services: ServerServices;

function event(id: string, timestamp: string, team: string): Record<string, unknown> {
  return { id, timestamp, provider: 'openai', model: 'gpt-4o-mini', input_tokens: 100_000, output_tokens: 20_000, feature: 'support-bot', team };
}

beforeAll(async () => {
  served = await serveStoreWithConfig('unitcost-budgets-', { budgets: [{ name: 'support-daily', per: 'team', equals: 'support', period: 'day', limit_usd: 1, mode: 'hard' }] }, '2026-12-02T12:00:00Z');
  ({ directory, server, services } = served);
});
afterAll(() => served.close());

describe('GET /v1/budgets', () => {
  it("answers each budget's spend from the batches the server has stored, as `unitcost budgets --json`", async () => {
    const batch = [event('b-1', '2026-12-02T08:00:00Z', 'support'), event('b-2', '2026-12-02T09:00:00Z', 'support'), event('b-3', '2026-12-02T09:00:00Z', 'search')];
    const posted = await fetch(`${server.url}/v1/events`, { method: 'POST', body: JSON.stringify(batch), headers: { 'Content-Type': 'application/json' } });
    expect(posted.status).toBe(200);
    const report = (await (await fetch(`${server.url}/v1/report?by=team&where=team%3Dsupport`)).json()) as { totals: { cost_usd: number } };

    const response = await fetch(`${server.url}/v1/budgets`);
    expect(response.status).toBe(200);
    const status = (await response.json()) as { at: string; budgets: Array<{ name: string; scopes: Array<{ value: string; spent_usd: number; window: unknown }> }> };
    expect(status.at).toBe('2026-12-02T12:00:00.000Z');
    expect(status.budgets.map((budget) => budget.name)).toEqual(['support-daily']);
    expect(status.budgets[0]!.scopes).toHaveLength(1);
    expect(status.budgets[0]!.scopes[0]).toMatchObject({ value: 'support', window: { from: '2026-12-02', to: '2026-12-03' } });
    expect(status.budgets[0]!.scopes[0]!.spent_usd).toBeGreaterThan(0);
    expect(status.budgets[0]!.scopes[0]!.spent_usd).toBe(report.totals.cost_usd);
  });

  it('adds each scope\'s burn-down when asked: the spend by day, the forecast to the end of the period and the alert points', async () => {
    const plain = (await (await fetch(`${server.url}/v1/budgets`)).json()) as { budgets: Array<{ scopes: Array<Record<string, unknown>> }> };
    expect(plain.budgets[0]!.scopes[0]).not.toHaveProperty('burn_down');
    const response = await fetch(`${server.url}/v1/budgets?burn_down=true`);
    expect(response.status).toBe(200);
    interface Scope {
      spent_usd: number;
      forecast: { end_usd: number };
      alert_points_reached: number[];
      burn_down: { spent: Array<{ day: string; usd: number }>; forecast: Array<{ day: string; usd: number }>; alert_points: Array<{ at: number; reached_on: string | null }> };
    }
    const scope = ((await response.json()) as { budgets: Array<{ scopes: Scope[] }> }).budgets[0]!.scopes[0]!;
    expect(scope.burn_down.spent).toEqual([{ day: '2026-12-02', usd: scope.spent_usd }]);
    expect(scope.burn_down.forecast.at(-1)).toMatchObject({ day: '2026-12-02', usd: scope.forecast.end_usd });
    expect(scope.burn_down.alert_points.filter((point) => point.reached_on !== null).map((point) => point.at)).toEqual(scope.alert_points_reached);
    expect((await fetch(`${server.url}/v1/budgets?burn_down=yes`)).status).toBe(400);
  });

  it('refuses a query parameter it does not take', async () => {
    const response = await fetch(`${server.url}/v1/budgets?period=week`);
    expect(response.status).toBe(400);
  });
});
