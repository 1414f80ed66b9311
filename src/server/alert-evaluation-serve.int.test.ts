import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app/create-app.js';
import type { IncidentsJson } from '../app/governance/alert-delivery-service.js';
import { openServerServices } from '../app/server-service.js';
import type { ServerServices } from '../app/server-types.js';
import { startServer, type RunningServer } from './start-server.js';

/*
 * The real evaluation wired into `unitcost serve`: a budget configured, events posted past its alert points,
 * and the incidents the server opens by itself once ingest pauses, with no request asking for them.
 */

const directory = mkdtempSync(join(tmpdir(), 'unitcost-serve-alerts-'));
let server: RunningServer;
let services: ServerServices;
let warnings: string[];

beforeAll(async () => {
  writeFileSync(join(directory, 'unitcost.config.json'), JSON.stringify({
      budgets: [{ name: 'support-daily', per: 'team', equals: 'support', period: 'day', limit_usd: 0.1, mode: 'soft', alert_at: [0.5, 1] }],
      alerts_delivery: { webhooks: [{ name: 'ops', url: 'http://127.0.0.1:9/hook', secret_env: 'UNITCOST_TEST_UNSET_HOOK_KEY' }] },
    }));
  const app = createApp({ directory, now: () => new Date('2026-12-02T12:00:00Z') });
  ({ services, warnings } = await openServerServices(app, { db: join(directory, 'store.duckdb'), alerts: { quietMs: 50, minIntervalMs: 0, environment: {} } }));
  server = await startServer({ services, host: '127.0.0.1', port: 0, logLevel: 'silent' });
});
afterAll(async () => {
  await server.close();
  await services.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('unitcost serve with alert rules', () => {
  it('warns at start of a webhook whose signing key variable is not set', () => {
    expect(warnings).toEqual(['UNITCOST_TEST_UNSET_HOOK_KEY is not set: webhook notifications that need it wait in the outbox, never sent unsigned']);
  });

  it('opens an incident when a budget point is passed, and moves it to the next point, from the evaluations it runs after ingest pauses', async () => {
    // About $0.054 a call: the first passes 50% of the $0.10 budget, the second 100%.
    const post = (id: string) =>
      fetch(`${server.url}/v1/events`, { method: 'POST', body: JSON.stringify([{ id, timestamp: '2026-12-02T09:00:00Z', provider: 'openai', model: 'gpt-4o-mini', input_tokens: 200_000, output_tokens: 40_000, team: 'support' }]), headers: { 'Content-Type': 'application/json' } });
    const incidents = async (status: string) => ((await (await fetch(`${server.url}/v1/alerts/incidents?status=${status}`)).json()) as IncidentsJson).incidents;
    // The budget points' incidents (a projected breach may fire beside them).
    const keys = async (status: string) => (await incidents(status)).filter((incident) => incident.alert.kind === 'budget_point').map((incident) => incident.key);
    const point = (share: number) => `budget_point:support-daily:team=support:2026-12-02:${share}`;

    expect((await post('s-1')).status).toBe(200);
    await expect.poll(() => keys('open'), { timeout: 15_000 }).toEqual([point(0.5)]);
    // The incidents are the alerts GET /v1/alerts says fire now.
    const checked = (await (await fetch(`${server.url}/v1/alerts`)).json()) as { alerts: Array<{ key: string }> };
    expect((await incidents('open')).map((incident) => incident.key).sort()).toEqual(checked.alerts.map((alert) => alert.key).sort());

    expect((await post('s-2')).status).toBe(200);
    await expect.poll(() => keys('open'), { timeout: 15_000 }).toEqual([point(1)]);
    expect(await keys('resolved')).toEqual([point(0.5)]);
    expect((await incidents('open'))[0]!.alert).toMatchObject({ kind: 'budget_point', severity: 'critical', scope: { team: 'support' } });
  });
});
