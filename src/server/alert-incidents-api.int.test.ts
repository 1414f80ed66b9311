import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app/create-app.js';
import { openServerServices } from '../app/server-service.js';
import type { ServerServices } from '../app/server-types.js';
import type { FiredAlert } from '../core/governance/alerts/fired-alert.js';
import type { IncidentsJson } from '../app/governance/alert-delivery-service.js';
import { startServer, type RunningServer } from './start-server.js';

/*
 * `unitcost serve` evaluating alerts after ingest pauses, and the incidents API. The evaluator is a stand-in
 * (what fires is set by each test) so that this tests delivery, not the rules; webhooks go to a loopback receiver.
 */

const directory = mkdtempSync(join(tmpdir(), 'unitcost-alert-incidents-'));
let server: RunningServer;
let services: ServerServices;
let receiver: Server;
const posts: Array<{ key: string; event: string }> = [];
let firing: FiredAlert[] = [];
let failure: string | null = null;
let evaluations = 0;

function alert(feature: string): FiredAlert {
  return {
    key: `anomaly:day:feature=${feature}:2026-12-02`,
    rule: 'feature-spend',
    kind: 'spend_anomaly',
    severity: 'warning',
    scope: { feature },
    grain: 'day',
    windowStart: '2026-12-02T00:00:00.000Z',
    title: `${feature} spent $80 today, usually $20`,
    value: 80,
    threshold: 20,
    cause: { baselinePicodollars: 20n * 10n ** 12n, currentPicodollars: 80n * 10n ** 12n, contributions: [{ driver: 'calls', deltaPicodollars: 60n * 10n ** 12n, before: 100, after: 400 }], summary: `${feature}: calls ×4 explains 100% of +$60` },
  };
}

function batch(ids: string[]): string {
  return JSON.stringify(ids.map((id) => ({ id, timestamp: '2026-12-02T08:00:00Z', provider: 'openai', model: 'gpt-4o-mini', input_tokens: 1000, output_tokens: 200, feature: 'support-bot' })));
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

beforeAll(async () => {
  receiver = createHttpServer((request, response) => {
    request.resume();
    request.on('end', () => {
      posts.push({ key: String(request.headers['idempotency-key']), event: String(request.headers['x-unitcost-event']) });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  writeFileSync(join(directory, 'unitcost.config.json'), JSON.stringify({ alerts_delivery: { webhooks: [{ name: 'ops', url: hook, secret_env: 'OPS_HOOK_KEY', events: ['opened'] }] } }));
  const app = createApp({ directory, now: () => new Date('2026-12-02T12:00:00Z') });
  ({ services } = await openServerServices(app, {
    db: join(directory, 'store.duckdb'),
    alerts: {
      evaluate: async () => {
        evaluations += 1;
        if (failure !== null) throw new Error(failure);
        return firing;
      },
      quietMs: 100,
      minIntervalMs: 0,
      environment: { OPS_HOOK_KEY: 'secret' },
    },
  }));
  server = await startServer({ services, host: '127.0.0.1', port: 0, logLevel: 'silent' });
  // The evaluation at start, over what the store held already.
  await until(() => evaluations === 1);
});
afterAll(async () => {
  await server.close();
  await services.close();
  await new Promise((resolve) => receiver.close(resolve));
  rmSync(directory, { recursive: true, force: true });
});

const incidents = async (headers: Record<string, string> = {}): Promise<IncidentsJson> => (await (await fetch(`${server.url}/v1/alerts/incidents`, { headers })).json()) as IncidentsJson;

describe('alerts in unitcost serve', () => {
  it('evaluates once ingest has paused, not once per batch, and notifies a new incident once', async () => {
    firing = [alert('support-bot')];
    for (const ids of [['a-1'], ['a-2'], ['a-3']]) {
      const response = await fetch(`${server.url}/v1/events`, { method: 'POST', body: batch(ids), headers: { 'Content-Type': 'application/json' } });
      expect(response.status).toBe(200);
    }
    await until(() => posts.length === 1);
    expect(evaluations).toBe(2);
    const listed = await incidents();
    expect(listed.incidents).toHaveLength(1);
    expect(listed.incidents[0]).toMatchObject({ status: 'open', evaluations: 1, alert: { rule: 'feature-spend', scope: { feature: 'support-bot' }, cause: { summary: 'support-bot: calls ×4 explains 100% of +$60' } } });
    expect(posts).toEqual([{ key: `${listed.incidents[0]!.id}:opened`, event: 'incident.opened' }]);
    expect(listed.last_evaluation).toEqual({ at: '2026-12-02T12:00:00.000Z', fired: 1, error: null });

    // More data, the same condition: the incident is updated, nobody is told again.
    await fetch(`${server.url}/v1/events`, { method: 'POST', body: batch(['a-4']), headers: { 'Content-Type': 'application/json' } });
    await until(async () => (await incidents()).incidents[0]?.evaluations === 2);
    expect(evaluations).toBe(3);
    expect((await incidents()).incidents[0]).toMatchObject({ id: listed.incidents[0]!.id, evaluations: 2 });
    expect(posts).toHaveLength(1);
  });

  it('says why an evaluation failed, and changes no incident for it', async () => {
    const before = await incidents();
    failure = 'the store is busy';
    await fetch(`${server.url}/v1/events`, { method: 'POST', body: batch(['c-1']), headers: { 'Content-Type': 'application/json' } });
    await until(async () => (await incidents()).last_evaluation?.error === 'the store is busy');
    failure = null;
    expect((await incidents()).incidents.map((incident) => [incident.id, incident.evaluations])).toEqual(before.incidents.map((incident) => [incident.id, incident.evaluations]));
  });

  it('acknowledges and mutes over the API, with an admin key; a read key may only list', async () => {
    const read = await services.keys.create('dashboard-viewer', 'read');
    const admin = await services.keys.create('on-call', 'admin');
    const as = (key: string) => ({ Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' });
    const [open] = (await incidents(as(read.key))).incidents;

    const refused = await fetch(`${server.url}/v1/alerts/incidents/${open!.id}/acknowledge`, { method: 'POST', headers: as(read.key) });
    expect(refused.status).toBe(403);
    const acknowledged = await fetch(`${server.url}/v1/alerts/incidents/${open!.id}/acknowledge`, { method: 'POST', headers: as(admin.key) });
    expect(acknowledged.status).toBe(200);
    expect(await acknowledged.json()).toMatchObject({ id: open!.id, acknowledged_at: '2026-12-02T12:00:00.000Z', acknowledged_by: 'on-call' });
    expect((await fetch(`${server.url}/v1/alerts/incidents/inc_nope/acknowledge`, { method: 'POST', headers: as(admin.key) })).status).toBe(404);

    expect((await fetch(`${server.url}/v1/alerts/mutes`, { method: 'POST', headers: as(read.key), body: '{}' })).status).toBe(403);
    const bad = await fetch(`${server.url}/v1/alerts/mutes`, { method: 'POST', headers: as(admin.key), body: JSON.stringify({ until: '2026-12-09' }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { field: 'rule' } });
    const past = await fetch(`${server.url}/v1/alerts/mutes`, { method: 'POST', headers: as(admin.key), body: JSON.stringify({ scope: { feature: 'search' }, until: '2026-12-01' }) });
    expect(past.status).toBe(400);
    const muted = await fetch(`${server.url}/v1/alerts/mutes`, { method: 'POST', headers: as(admin.key), body: JSON.stringify({ scope: { feature: 'search' }, until: '2026-12-09', reason: 'launch week' }) });
    expect(muted.status).toBe(201);
    const mute = (await muted.json()) as { id: string; active: boolean; created_by: string };
    expect(mute).toMatchObject({ active: true, created_by: 'on-call' });

    // A muted scope's alert opens an incident, shown as muted, and no webhook hears of it; the other scope's is still kept open.
    firing = [alert('support-bot'), alert('search')];
    await fetch(`${server.url}/v1/events`, { method: 'POST', body: batch(['b-1']), headers: as(admin.key) });
    await until(async () => (await incidents(as(read.key))).incidents.length === 2);
    // Time for a notification to go out, were one queued.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const after = await incidents(as(read.key));
    expect(after.incidents.map((incident) => [incident.alert.scope.feature, incident.muted]).sort()).toEqual([
      ['search', true],
      ['support-bot', false],
    ]);
    expect(after.mutes).toEqual([expect.objectContaining({ id: mute.id, scope: { feature: 'search' }, reason: 'launch week' })]);
    expect(posts).toHaveLength(1);

    expect((await fetch(`${server.url}/v1/alerts/mutes/${mute.id}`, { method: 'DELETE', headers: as(admin.key) })).status).toBe(200);
    expect((await fetch(`${server.url}/v1/alerts/mutes/${mute.id}`, { method: 'DELETE', headers: as(admin.key) })).status).toBe(404);
    expect((await incidents(as(read.key))).mutes).toEqual([]);
  });

});
