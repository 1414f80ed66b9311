import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadWebhookSecrets } from '../../config/webhook-secrets.js';
import type { FiredAlert } from '../../core/governance/alerts/fired-alert.js';
import { webhookSchema } from '../../core/governance/alerts/webhook-config.js';
import type { WebhookPayload } from '../../core/governance/alerts/webhook-payload.js';
import { DuckdbStore } from '../../store/duckdb/duckdb-store.js';
import { AlertDelivery } from './alert-delivery-service.js';
import { verifyWebhookSignature } from './webhook-signature.js';

/*
 * Delivery end to end: a real DuckDB file, a real webhook receiver on loopback, a stand-in evaluator (the
 * fired alerts of each evaluation, written out). What a receiver sees is checked as a receiver would.
 */

const secret = 'test-signing-key-3f9a';
const directory = mkdtempSync(join(tmpdir(), 'unitcost-alert-delivery-'));
const retry = { firstDelayMs: 40, maxDelayMs: 200, maxAttempts: 5 };
const now = () => new Date('2026-08-12T10:00:00Z');

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

let receiver: Server;
let receiverUrl: string;
let received: Received[] = [];
// The receiver's answers to come, first first; once empty it answers 200. 0: never answer.
let answers: number[] = [];
const hanging: Array<() => void> = [];

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const status = answers.shift() ?? 200;
      if (status === 0) {
        hanging.push(() => response.destroy());
        return;
      }
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/unitcost`;
});
afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
  rmSync(directory, { recursive: true, force: true });
});

const opened: Array<{ store: DuckdbStore; delivery: AlertDelivery }> = [];
afterEach(async () => {
  for (const { store, delivery } of opened.splice(0)) {
    await delivery.close();
    await store.close();
  }
  received = [];
  answers = [];
  for (const release of hanging.splice(0)) release();
});

async function openDelivery(file: string, environment: NodeJS.ProcessEnv = { HOOK_SECRET: secret }, timeoutMs?: number): Promise<{ store: DuckdbStore; delivery: AlertDelivery }> {
  const store = await DuckdbStore.open(join(directory, file));
  const webhooks = loadWebhookSecrets([webhookSchema.parse({ name: 'ops', url: receiverUrl, secret_env: 'HOOK_SECRET' })], environment).webhooks;
  const delivery = await AlertDelivery.open(store, { webhooks, resolveAfterMissed: 1, now, dispatcher: { retry, ...(timeoutMs === undefined ? {} : { timeoutMs }) } });
  const handle = { store, delivery };
  opened.push(handle);
  return handle;
}

function spendAlert(value: number): FiredAlert {
  return {
    key: 'anomaly:day:feature=support-faq:2026-08-12',
    rule: 'feature-spend',
    kind: 'spend_anomaly',
    severity: 'critical',
    scope: { feature: 'support-faq' },
    grain: 'day',
    windowStart: '2026-08-12T00:00:00.000Z',
    title: `support-faq spent $${value} today, usually $2,000`,
    value,
    threshold: 2000,
    cause: {
      baselinePicodollars: 2_000_000_000_000_000n,
      currentPicodollars: 8_020_000_000_000_000n,
      contributions: [
        { driver: 'output_tokens_per_call', deltaPicodollars: 5_056_800_000_000_000n, before: 310, after: 961 },
        { driver: 'calls', deltaPicodollars: 963_200_000_000_000n, before: 1000, after: 1160 },
      ],
      summary: 'support-faq: output tokens per call ×3.1 since 2026-08-12 explains 84% of +$6,020',
    },
  };
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('alert delivery to a webhook', () => {
  it('POSTs one signed notification for an incident seen by three evaluations, and one for its resolution', async () => {
    const { delivery } = await openDelivery('dedup.duckdb');
    const summaries = [];
    for (const value of [8020, 8400, 9100]) {
      summaries.push(await delivery.merge([spendAlert(value)]));
      await delivery.dispatcher.settled();
    }
    expect(summaries.map((summary) => [summary.opened.length, summary.updated.length, summary.queued])).toEqual([
      [1, 0, 1],
      [0, 1, 0],
      [0, 1, 0],
    ]);
    expect(received).toHaveLength(1);
    const [post] = received;
    // As a receiver checks it: the HMAC of "timestamp.body" under the shared secret, and a recent timestamp.
    const timestamp = String(post!.headers['x-unitcost-timestamp']);
    expect(verifyWebhookSignature(secret, timestamp, post!.body, String(post!.headers['x-unitcost-signature']))).toBe(true);
    expect(verifyWebhookSignature('another-key', timestamp, post!.body, String(post!.headers['x-unitcost-signature']))).toBe(false);
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
    const payload = JSON.parse(post!.body) as WebhookPayload;
    const incidentId = summaries[0]!.opened[0]!;
    expect(post!.headers['idempotency-key']).toBe(`${incidentId}:opened`);
    expect(post!.headers['content-type']).toBe('application/json');
    expect(payload).toMatchObject({ type: 'unitcost.incident', event: 'opened', incident: { id: incidentId, status: 'open' }, alert: { rule: 'feature-spend', value: 8020 } });
    expect(payload.cause?.summary).toBe(spendAlert(0).cause!.summary);
    expect(payload.text).toContain('explains 84% of +$6,020');

    const resolved = await delivery.merge([]);
    await delivery.dispatcher.settled();
    expect(resolved.resolved).toEqual([incidentId]);
    expect(received.map((request) => request.headers['idempotency-key'])).toEqual([`${incidentId}:opened`, `${incidentId}:resolved`]);
    // The stored incident kept the latest figures: three evaluations saw it.
    expect((await delivery.incident(incidentId))?.incident).toMatchObject({ status: 'resolved', evaluations: 3, alert: { value: 9100 } });
  });

  it('retries with backoff after the receiver fails twice, sending the same body and idempotency key each time', async () => {
    answers = [500, 503];
    const { delivery } = await openDelivery('retry.duckdb');
    const { opened: [incidentId] } = await delivery.merge([spendAlert(8020)]);
    await until(() => received.length === 3);
    expect(received.map((request) => request.status)).toEqual([500, 503, 200]);
    expect(new Set(received.map((request) => request.body)).size).toBe(1);
    expect(new Set(received.map((request) => request.headers['idempotency-key']))).toEqual(new Set([`${incidentId}:opened`]));
    await until(async () => (await delivery.incident(incidentId!))?.deliveries[0]?.deliveredAt != null);
    expect((await delivery.incident(incidentId!))?.deliveries).toEqual([expect.objectContaining({ attempts: 3, lastError: null, nextAttemptAt: null })]);
    expect(delivery.counters).toEqual({ delivered: 1, failedAttempts: 2, abandoned: 0 });
  });

  it('keeps undelivered notifications in the store file across a restart, and sends them once it reopens', async () => {
    answers = [503, 503, 503, 503, 503];
    const first = await openDelivery('restart.duckdb');
    const { opened: [incidentId] } = await first.delivery.merge([spendAlert(8020)]);
    await until(() => received.length >= 1);
    await first.delivery.close();
    await first.store.close();
    opened.splice(0);
    const failed = received.length;
    answers = [];

    const second = await openDelivery('restart.duckdb');
    await until(() => received.length === failed + 1);
    expect(received.at(-1)).toMatchObject({ status: 200, headers: expect.objectContaining({ 'idempotency-key': `${incidentId}:opened` }) });
    expect(JSON.parse(received.at(-1)!.body)).toMatchObject({ event: 'opened', incident: { id: incidentId } });
    // The incident survived too: the same alert again updates it rather than opening (and notifying) another.
    const again = await second.delivery.merge([spendAlert(8400)]);
    expect([again.opened, again.updated]).toEqual([[], [incidentId]]);
  });

  it('never sends a notification unsigned: it waits in the outbox, naming the unset variable', async () => {
    const { delivery } = await openDelivery('unsigned.duckdb', {});
    const { opened: [incidentId] } = await delivery.merge([spendAlert(8020)]);
    await delivery.dispatcher.settled();
    expect(received).toHaveLength(0);
    expect((await delivery.incident(incidentId!))?.deliveries[0]).toMatchObject({ attempts: 1, deliveredAt: null, lastError: 'HOOK_SECRET is not set: notifications are never sent unsigned' });
  });

  it('holds up neither evaluations nor the incident list while a receiver does not answer, and retries it after the timeout', async () => {
    answers = [0];
    const { delivery } = await openDelivery('hanging.duckdb', undefined, 1_500);
    const { opened: [incidentId] } = await delivery.merge([spendAlert(8020)]);
    await until(() => hanging.length === 1);
    const started = performance.now();
    const again = await delivery.merge([spendAlert(8400)]);
    const listed = await delivery.incidents();
    expect(performance.now() - started).toBeLessThan(500);
    expect(again.updated).toEqual([incidentId]);
    expect(listed.outbox).toEqual({ pending: 1, delivered: 0, abandoned: 0 });
    await until(() => received.length === 1);
    // The receiver has the retry; the outbox records its answer just after, on a loaded machine a little later.
    await until(async () => (await delivery.incident(incidentId!))?.deliveries[0]?.attempts === 2);
    expect((await delivery.incident(incidentId!))?.deliveries[0]).toMatchObject({ attempts: 2, lastError: null });
  });
});
