import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AlertsNotifyJson } from '../app/governance/alerts-notify-service.js';
import { verifyWebhookSignature } from '../app/governance/webhook-signature.js';
import { createTestReportStore, type TestReportStore } from '../store/duckdb/report-test-store.js';
import { captureIo } from './capture-io.js';
import { runCli } from './main.js';

/*
 * `unitcost alerts check --notify` from cron: each run evaluates, merges into the incidents kept in the store
 * file and sends the webhooks, so a condition every run sees is notified once.
 */

let store: TestReportStore;
let receiver: Server;
const posts: Array<{ key: string; valid: boolean; event: string }> = [];

beforeAll(async () => {
  store = await createTestReportStore();
  // Today support-faq costs $70 against $100 of revenue: a 30% inference margin.
  await store.addCalls([{ ts: '2026-12-02T08:00:00Z', feature: 'support-faq', userId: 'u1', costUsd: 70 }]);
  await store.addRevenue('u1', 3100, '2026-12-02T10:00:00Z', { feature: 'support-faq' });
  store.close();
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const valid = verifyWebhookSignature('cron-secret', String(request.headers['x-unitcost-timestamp']), body, String(request.headers['x-unitcost-signature']));
      posts.push({ key: String(request.headers['idempotency-key']), valid, event: (JSON.parse(body) as { event: string }).event });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  vi.stubEnv('CRON_HOOK_SECRET', 'cron-secret');
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await new Promise((resolve) => receiver.close(resolve));
  store.dispose();
});

function configure(below: number): void {
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  writeFileSync(
    join(store.directory, 'unitcost.config.json'),
    JSON.stringify({
      alerts: [{ name: 'feature-margin', kind: 'kpi_threshold', kpi: 'inference_margin', per: 'feature', below }],
      alerts_delivery: { webhooks: [{ name: 'cron', url, secret_env: 'CRON_HOOK_SECRET' }] },
    }),
  );
}

async function run(...args: string[]) {
  const io = captureIo();
  const code = await runCli(['node', 'unitcost', 'alerts', 'check', '--db', store.path, ...args], io, { directory: store.directory, now: () => new Date('2026-12-02T12:00:00Z') });
  return { code, out: io.out(), err: io.err() };
}

describe('unitcost alerts check --notify', () => {
  it('notifies an incident once across cron runs, then its resolution, and exits 1 while it fires', async () => {
    configure(0.4);
    const first = await run('--notify');
    expect(first.err).toBe('');
    expect(first.code).toBe(1);
    expect(first.out).toContain('WARNING feature-margin: support-faq: inference margin 30% today, under 40%');
    expect(first.out).toContain('incidents: 1 opened, 0 still open, 0 resolved; webhooks: 1 sent, 0 waiting to retry');
    const second = await run('--notify', '--json');
    expect(second.code).toBe(1);
    const json = JSON.parse(second.out) as AlertsNotifyJson;
    expect(json.alerts.map((alert) => alert.key)).toEqual(['kpi:feature-margin:feature=support-faq:2026-12-02']);
    expect(json.delivery).toMatchObject({ opened: [], resolved: [], queued: 0, delivered: 0 });
    expect(json.delivery.updated).toHaveLength(1);
    expect(posts).toEqual([{ key: `${json.delivery.updated[0]}:opened`, valid: true, event: 'opened' }]);

    configure(0.25);
    const third = await run('--notify');
    expect(third.code).toBe(0);
    expect(third.out).toContain('incidents: 0 opened, 0 still open, 1 resolved; webhooks: 1 sent');
    expect(posts.map((post) => post.event)).toEqual(['opened', 'resolved']);
  });

  it('refuses --at with --notify: a replay must not notify', async () => {
    const { code, err } = await run('--notify', '--at', '2026-11-30');
    expect(code).toBe(2);
    expect(err).toContain('--notify evaluates now');
  });
});
