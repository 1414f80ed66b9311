import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../app/create-app.js';
import { openServerServices } from '../app/server-service.js';
import type { ServerServices } from '../app/server-types.js';
import { captureIo } from '../cli/capture-io.js';
import { runCli } from '../cli/main.js';
import type { Store } from '../store/store.js';
import { narrowedReportJson } from '../testing/narrowed-report-json.js';
import { startServer, type RunningServer } from './start-server.js';

const now = () => new Date('2026-03-20T12:00:00Z');
const appOptions = { now, directory: '/nonexistent-config-dir' };

function event(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    timestamp: '2026-03-10T09:00:00Z',
    provider: 'openai',
    model: 'gpt-4o-mini',
    input_tokens: 1200,
    cache_read_tokens: 200,
    output_tokens: 300,
    feature: 'support-bot',
    team: 'support',
    user_tier: 'pro',
    user_id: 'user-1',
    ...overrides,
  };
}

async function cliJson(...args: string[]): Promise<unknown> {
  const io = captureIo();
  const code = await runCli(['node', 'unitcost', ...args, '--json'], io, appOptions);
  expect(code, io.err()).toBe(0);
  return JSON.parse(io.out());
}

interface Harness {
  server: RunningServer;
  services: ServerServices;
  store: Store;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  post(path: string, body: string | Uint8Array, headers: Record<string, string>): Promise<Response>;
  /** What the server logged as unexpected errors: a 500's cause, for the assertion that sees it. */
  loggedErrors(): string;
  close(): Promise<void>;
}

async function serve(limits = {}, conversionWorker?: { minBodyBytes?: number; startNow?: boolean }): Promise<Harness> {
  const directory = mkdtempSync(join(tmpdir(), 'unitcost-serve-'));
  const { services, store } = await openServerServices(createApp(appOptions), { db: join(directory, 'store.duckdb'), ...(conversionWorker ? { conversionWorker } : {}) });
  const errorLines: string[] = [];
  const server = await startServer({ services, host: '127.0.0.1', port: 0, logLevel: 'error', limits, logDestination: { write: (line: string) => void errorLines.push(line) } });
  return {
    server,
    services,
    store,
    get: (path, headers = {}) => fetch(`${server.url}${path}`, { headers }),
    post: (path, body, headers) => fetch(`${server.url}${path}`, { method: 'POST', body, headers }),
    loggedErrors: () => errorLines.join(''),
    close: async () => {
      await server.close();
      await services.close();
    },
  };
}

describe('the HTTP API without keys, on loopback', () => {
  let api: Harness;
  beforeAll(async () => {
    api = await serve({ maxItems: 50 });
  });
  afterAll(async () => {
    await api.close();
  });

  it('answers /healthz with the batch limits of POST /v1/events, which unitcost push sizes its batches by', async () => {
    const response = await api.get('/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', limits: { events: { max_items: 50, max_body_bytes: 16 * 1024 * 1024, max_decoded_bytes: 64 * 1024 * 1024 } } });
  });

  it('lists models with the same JSON as `unitcost models --json`', async () => {
    const response = await api.get('/v1/models?q=claude%20opus&provider=anthropic&limit=3');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(await cliJson('models', 'claude', 'opus', '--provider', 'anthropic', '--limit', '3'));
  });

  it('shows one model, provider in the path, with its price history', async () => {
    // `unitcost models show ID --json` prints text today (the parent command takes --json), so this checks the shape itself.
    const response = await api.get('/v1/models/anthropic/claude-opus-4-7');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { provider: string; model: string; history: Array<{ priced: boolean; prices_per_million: Record<string, number> }> };
    expect(body).toMatchObject({ provider: 'anthropic', model: 'claude-opus-4-7' });
    expect(body.history.at(-1)).toMatchObject({ priced: true, prices_per_million: { input: 5, output: 25 } });
  });

  it('answers 404 with suggestions for an unknown model', async () => {
    const response = await api.get('/v1/models/claude-opuss-4-7');
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: { code: string; suggestions: string[] } };
    expect(body.error.code).toBe('unknown_model');
    expect(body.error.suggestions).toContain('anthropic/claude-opus-4-7');
  });

  it('estimates from query flags with the same JSON as `unitcost estimate --json`', async () => {
    const response = await api.get('/v1/estimate?model=claude-opus-4-7&input=2k&output=800&calls=20&sessions-per-month=20&arpu=30&cache-prefix=1500&cache-hit-rate=0.7');
    expect(response.status).toBe(200);
    const expected = await cliJson('estimate', '--model', 'claude-opus-4-7', '--input', '2k', '--output', '800', '--calls', '20', '--sessions-per-month', '20', '--arpu', '30', '--cache-prefix', '1500', '--cache-hit-rate', '0.7');
    expect(await response.json()).toEqual(expected);
  });

  it('estimates a posted scenario with the same JSON as `unitcost estimate --scenario`', async () => {
    const { readFileSync } = await import('node:fs');
    const yaml = readFileSync(new URL('../../examples/support-assistant.yaml', import.meta.url), 'utf8');
    const response = await api.post('/v1/estimate', yaml, { 'Content-Type': 'application/yaml' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(await cliJson('estimate', '--scenario', 'examples/support-assistant.yaml'));
  });

  it('names the flag at fault in an estimate', async () => {
    const response = await api.get('/v1/estimate?model=claude-opus-4-7&input=lots&output=800');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: 'invalid_argument', message: 'input must be a whole number, such as 2000 or 2k (got "lots")', field: 'input' } });
  });

  it('refuses unknown query parameters, naming them', async () => {
    const response = await api.get('/v1/models?q=gpt&colour=blue&size=2');
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { message: string; field: string } };
    expect(body.error.message).toContain('unknown query parameters: colour, size');
    expect(body.error.field).toBe('colour');
  });

  it('stores a JSON array of events and says so per event, once committed', async () => {
    const response = await api.post('/v1/events', JSON.stringify([event('a-1'), event('a-2'), { type: 'outcome', task_id: 'task-a', outcome: 'success', timestamp: '2026-03-10T09:01:00Z' }]), { 'Content-Type': 'application/json' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      received: 3,
      accepted: 3,
      duplicates: 0,
      rejected: 0,
      results: [
        { index: 0, id: 'a-1', status: 'accepted' },
        { index: 1, id: 'a-2', status: 'accepted' },
        { index: 2, id: 'task-a', status: 'accepted' },
      ],
    });
    expect((await api.store.counts()).usageEvents).toBe(2);
  });

  it('is idempotent by event id: posting the same batch again stores nothing new', async () => {
    const before = await api.store.counts();
    const response = await api.post('/v1/events', JSON.stringify([event('a-1'), event('a-2')]), { 'Content-Type': 'application/json' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      accepted: 2,
      duplicates: 2,
      rejected: 0,
      results: [
        { index: 0, id: 'a-1', status: 'accepted', duplicate: true },
        { index: 1, id: 'a-2', status: 'accepted', duplicate: true },
      ],
    });
    expect(await api.store.counts()).toEqual(before);
  });

  it('counts as duplicates only the records of a batch that were already stored', async () => {
    const response = await api.post('/v1/events', JSON.stringify([event('a-1'), event('a-9')]), { 'Content-Type': 'application/json' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { accepted: number; duplicates: number; results: Array<{ id: string; duplicate?: boolean }> };
    expect(body).toMatchObject({ accepted: 2, duplicates: 1 });
    expect(body.results.map((result) => [result.id, result.duplicate ?? false])).toEqual([
      ['a-1', true],
      ['a-9', false],
    ]);
  });

  it('keeps the good events of an NDJSON batch and answers 200 with each bad line', async () => {
    const before = (await api.store.counts()).usageEvents;
    const lines = [JSON.stringify(event('b-1')), '{"id": "b-2", "timestamp": ', JSON.stringify(event('b-3', { input_tokens: -5 })), '', JSON.stringify(event('b-4'))].join('\n');
    const response = await api.post('/v1/events', lines, { 'Content-Type': 'application/x-ndjson' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { accepted: number; rejected: number; results: Array<{ line: number; status: string; errors?: Array<{ field: string }> }> };
    expect(body).toMatchObject({ received: 4, accepted: 2, duplicates: 0, rejected: 2 });
    expect(body.results.map((result) => [result.line, result.status])).toEqual([
      [1, 'accepted'],
      [2, 'rejected'],
      [3, 'rejected'],
      [5, 'accepted'],
    ]);
    expect(body.results[2]!.errors![0]!.field).toBe('input_tokens');
    expect((await api.store.counts()).usageEvents).toBe(before + 2);
  });

  it('refuses the same id with other content, keeping the stored event, with 400 when nothing of the batch was accepted', async () => {
    const response = await api.post('/v1/events', JSON.stringify([event('a-1', { output_tokens: 999 })]), { 'Content-Type': 'application/json' });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { results: Array<{ status: string; errors: Array<{ field: string; message: string }> }> };
    expect(body.results[0]).toMatchObject({ status: 'rejected', errors: [{ field: 'id' }] });
  });

  it('accepts a gzipped batch', async () => {
    const body = gzipSync(Buffer.from([event('c-1'), event('c-2')].map((item) => JSON.stringify(item)).join('\n')));
    const response = await api.post('/v1/events', body, { 'Content-Type': 'application/x-ndjson', 'Content-Encoding': 'gzip' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ accepted: 2 });
  });

  it('refuses a batch over the record limit whole, with 413', async () => {
    const before = await api.store.counts();
    const batch = Array.from({ length: 51 }, (_, index) => event(`big-${index}`));
    const response = await api.post('/v1/events', JSON.stringify(batch), { 'Content-Type': 'application/json' });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
    expect(await api.store.counts()).toEqual(before);
  });

  it('refuses malformed JSON whole, an empty batch and a wrong content type', async () => {
    const before = await api.store.counts();
    const malformed = await api.post('/v1/events', `[${JSON.stringify(event('d-1'))},`, { 'Content-Type': 'application/json' });
    expect(malformed.status).toBe(400);
    const empty = await api.post('/v1/events', '[]', { 'Content-Type': 'application/json' });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: { message: string } }).error.message).toContain('empty');
    const text = await api.post('/v1/events', JSON.stringify([event('d-2')]), { 'Content-Type': 'text/plain' });
    expect(text.status).toBe(415);
    const brotli = await api.post('/v1/events', JSON.stringify([event('d-3')]), { 'Content-Type': 'application/json', 'Content-Encoding': 'br' });
    expect(brotli.status).toBe(415);
    expect(await api.store.counts()).toEqual(before);
  });

  it('counts accepted and rejected events and request latency in /metrics', async () => {
    const response = await api.get('/metrics');
    const text = await response.text();
    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(text).toMatch(/^unitcost_events_accepted_total 8$/m);
    expect(text).toMatch(/^unitcost_events_duplicate_total 3$/m);
    expect(text).toMatch(/^unitcost_events_rejected_total 3$/m);
    expect(text).toMatch(/unitcost_http_request_duration_seconds_count\{method="POST",route="\/v1\/events"\} \d+/);
  });

  it('answers requests addressed to another host name with 403 while no key is configured', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      request(`${api.server.url}/v1/models`, { headers: { Host: 'evil.example:80' } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(403);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const response = await api.get('/v1/nothing-here');
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});

describe('the HTTP API with keys', () => {
  let api: Harness;
  let keys: Record<'ingest' | 'read' | 'admin', string>;
  beforeAll(async () => {
    api = await serve();
    keys = {
      ingest: (await api.services.keys.create('loader', 'ingest')).key,
      read: (await api.services.keys.create('analyst', 'read')).key,
      admin: (await api.services.keys.create('ops', 'admin')).key,
    };
  });
  afterAll(async () => {
    await api.close();
  });
  const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

  it('refuses a missing, malformed, unknown or revoked key with the same 401', async () => {
    const revoked = await api.services.keys.create('temporary', 'read');
    await api.services.keys.revoke('temporary');
    const unknown = `uck_${'0'.repeat(10)}_${'A'.repeat(43)}`;
    const answers = await Promise.all([api.get('/v1/models'), api.get('/v1/models', bearer('nonsense')), api.get('/v1/models', bearer(unknown)), api.get('/v1/models', bearer(revoked.key))]);
    const bodies = await Promise.all(answers.map((response) => response.text()));
    expect(answers.map((response) => response.status)).toEqual([401, 401, 401, 401]);
    expect(new Set(bodies).size).toBe(1);
    expect(answers[0]!.headers.get('www-authenticate')).toContain('Bearer');
  });

  it('lets an ingest key send events but not read', async () => {
    const sent = await api.post('/v1/events', JSON.stringify([event('k-1')]), { 'Content-Type': 'application/json', ...bearer(keys.ingest) });
    expect(sent.status).toBe(200);
    const read = await api.get('/v1/models', bearer(keys.ingest));
    expect(read.status).toBe(403);
    expect(((await read.json()) as { error: { code: string } }).error.code).toBe('forbidden');
  });

  it('lets a read key read but not send events', async () => {
    expect((await api.get('/v1/models?limit=1', bearer(keys.read))).status).toBe(200);
    expect((await api.post('/v1/events', JSON.stringify([event('k-2')]), { 'Content-Type': 'application/json', ...bearer(keys.read) })).status).toBe(403);
  });

  it('lets an admin key manage keys, and a revoked key stops working at once', async () => {
    const created = await api.post('/v1/keys', JSON.stringify({ name: 'batch-job', scope: 'ingest' }), { 'Content-Type': 'application/json', ...bearer(keys.admin) });
    expect(created.status).toBe(201);
    const { key, id } = (await created.json()) as { key: string; id: string };
    const listed = (await (await api.get('/v1/keys', bearer(keys.admin))).json()) as { keys: Array<Record<string, unknown>> };
    expect(listed.keys.map((record) => record.name)).toContain('batch-job');
    expect(JSON.stringify(listed)).not.toContain(key.slice(15));
    expect((await api.post('/v1/events', JSON.stringify([event('k-3')]), { 'Content-Type': 'application/json', ...bearer(key) })).status).toBe(200);
    expect((await fetch(`${api.server.url}/v1/keys/${id}`, { method: 'DELETE', headers: bearer(keys.admin) })).status).toBe(200);
    expect((await api.post('/v1/events', JSON.stringify([event('k-4')]), { 'Content-Type': 'application/json', ...bearer(key) })).status).toBe(401);
    expect((await api.get('/v1/keys', bearer(keys.read))).status).toBe(403);
  });

  it('keeps only a SHA-256 hash of each key in the store, never the key itself', async () => {
    const { createHash } = await import('node:crypto');
    const { DuckdbStore } = await import('../store/duckdb/duckdb-store.js');
    if (!(api.store instanceof DuckdbStore)) throw new Error('the server runs on the embedded store');
    const rows = (await api.store.database.connection.runAndReadAll('SELECT * FROM api_keys')).getRowObjectsJS();
    const stored = JSON.stringify(rows, (_name, value: unknown) => (typeof value === 'bigint' ? String(value) : value));
    for (const key of Object.values(keys)) {
      expect(stored).not.toContain(key);
      expect(stored).not.toContain(key.slice(15));
      expect(rows.map((row) => row.key_hash)).toContain(createHash('sha256').update(key).digest('hex'));
    }
  });

  it('leaves /healthz and the OpenAPI document open', async () => {
    expect((await api.get('/healthz')).status).toBe(200);
    expect((await api.get('/openapi.json')).status).toBe(200);
  });
});

describe('byte limits of a batch', () => {
  it('refuses a body over the byte limit and a gzip body that inflates past its limit with 413, storing nothing', async () => {
    const api = await serve({ maxBodyBytes: 4_096, maxDecodedBytes: 16_384 });
    try {
      const lines = (count: number) => Array.from({ length: count }, (_, index) => JSON.stringify(event(`bytes-${index}`))).join('\n');
      const small = await api.post('/v1/events', lines(2), { 'Content-Type': 'application/x-ndjson' });
      expect(small.status).toBe(200);
      const before = await api.store.counts();
      const plain = await api.post('/v1/events', lines(40), { 'Content-Type': 'application/x-ndjson' });
      expect(plain.status).toBe(413);
      expect(((await plain.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'payload_too_large', message: expect.stringContaining('4,096 bytes') });
      // 80 repetitive events gzip to well under the wire limit but inflate past the decoded one.
      const bomb = gzipSync(Buffer.from(lines(80)));
      expect(bomb.length).toBeLessThan(4_096);
      const inflated = await api.post('/v1/events', bomb, { 'Content-Type': 'application/x-ndjson', 'Content-Encoding': 'gzip' });
      expect(inflated.status).toBe(413);
      expect(((await inflated.json()) as { error: { message: string } }).error.message).toContain('decompresses to more than 16,384 bytes');
      const notGzip = await api.post('/v1/events', lines(1), { 'Content-Type': 'application/x-ndjson', 'Content-Encoding': 'gzip' });
      expect(notGzip.status).toBe(400);
      expect(await api.store.counts()).toEqual(before);
    } finally {
      await api.close();
    }
  });
});

describe('the request log', () => {
  it('records each request without its key, query or body', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'unitcost-serve-log-'));
    const { services } = await openServerServices(createApp(appOptions), { db: join(directory, 'store.duckdb') });
    const lines: string[] = [];
    const server = await startServer({ services, host: '127.0.0.1', port: 0, logLevel: 'info', logDestination: { write: (line: string) => void lines.push(line) } });
    try {
      const key = (await services.keys.create('logged', 'admin')).key;
      const headers = { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' };
      const body = JSON.stringify([event('log-1', { user_id: 'secret-user-7731', attributes: { note: 'summarize the confidential memo' } })]);
      expect((await fetch(`${server.url}/v1/events`, { method: 'POST', body, headers })).status).toBe(200);
      expect((await fetch(`${server.url}/v1/report?by=feature&where=user_id%3Dsecret-user-7731`, { headers })).status).toBe(200);
      expect((await fetch(`${server.url}/v1/models`, { headers: { Authorization: 'Bearer uck_0000000000_wrong-key-wrong-key-wrong-key-wrong-key-000' } })).status).toBe(401);
      await expect.poll(() => lines.length).toBeGreaterThanOrEqual(3);
      const log = lines.join('');
      expect(log).toContain('"route":"/v1/events"');
      expect(log).toContain('"key_name":"logged"');
      for (const secret of [key, key.slice(15), 'wrong-key', 'secret-user-7731', 'confidential memo']) expect(log).not.toContain(secret);
    } finally {
      await server.close();
      await services.close();
    }
  });
});

describe('many clients at once', () => {
  /** 20 clients post 5 batches each at once, every batch resending one record of client 0's first: each is stored once. */
  async function twentyClientsStoreExactly(api: Harness): Promise<void> {
    const clients = 20;
    const batchesPerClient = 5;
    const perBatch = 200;
    const post = async (client: number): Promise<number> => {
      let accepted = 0;
      for (let batch = 0; batch < batchesPerClient; batch += 1) {
        const events = Array.from({ length: perBatch }, (_, index) => event(`c${client}-b${batch}-e${index}`, { user_id: `user-${index % 17}`, output_tokens: 100 + index }));
        events.push(event('c0-b0-e0', { user_id: 'user-0', output_tokens: 100 }));
        const response = await api.post('/v1/events', events.map((item) => JSON.stringify(item)).join('\n'), { 'Content-Type': 'application/x-ndjson' });
        expect(response.status, api.loggedErrors()).toBe(200);
        const body = (await response.json()) as { accepted: number; rejected: number };
        expect(body.rejected).toBe(0);
        accepted += body.accepted;
      }
      return accepted;
    };
    const accepted = await Promise.all(Array.from({ length: clients }, (_, client) => post(client)));
    const total = clients * batchesPerClient * perBatch;
    // Every record is acknowledged, the resent ones included; each is stored once.
    expect(accepted.reduce((sum, value) => sum + value, 0)).toBe(clients * batchesPerClient * (perBatch + 1));
    expect((await api.store.counts()).usageEvents).toBe(total);
  }

  it('serves 20 concurrent clients over one DuckDB file with exact totals', async () => {
    const api = await serve();
    try {
      await twentyClientsStoreExactly(api);
    } finally {
      await api.close();
    }
  });

  it('stores the same exact totals when every body is converted on the worker', async () => {
    const api = await serve({}, { minBodyBytes: 0, startNow: true });
    try {
      await twentyClientsStoreExactly(api);
      const metrics = await (await api.get('/metrics')).text();
      expect(metrics).toMatch(/^unitcost_event_bodies_converted_total\{thread="worker"\} 100$/m);
      expect(metrics).toMatch(/^unitcost_event_bodies_converted_total\{thread="server"\} 0$/m);
    } finally {
      await api.close();
    }
  });

  it('answers a batch converted on the worker as the server\'s thread does: bad lines, duplicates and conflicts per record', async () => {
    const onWorker = await serve({}, { minBodyBytes: 0, startNow: true });
    const onThread = await serve({}, { minBodyBytes: Number.MAX_SAFE_INTEGER });
    try {
      const ndjson = { 'Content-Type': 'application/x-ndjson' };
      const first = [...Array.from({ length: 50 }, (_, index) => JSON.stringify(event(`w-${index}`, { user_id: `user-${index % 3}` }))), '{"id": "broken",', JSON.stringify(event('w-bad', { input_tokens: -1 }))].join('\n');
      // Again with one call changed: 49 duplicates and one conflict, plus an outcome.
      const second = [...Array.from({ length: 50 }, (_, index) => JSON.stringify(event(`w-${index}`, { user_id: `user-${index % 3}`, ...(index === 7 ? { output_tokens: 1 } : {}) }))), JSON.stringify({ type: 'outcome', task_id: 'task-w', outcome: 'success', timestamp: '2026-03-10T09:05:00Z' })].join('\n');
      const answers: unknown[] = [];
      for (const body of [first, second]) {
        const [there, here] = await Promise.all([onWorker.post('/v1/events', body, ndjson), onThread.post('/v1/events', body, ndjson)]);
        expect(there.status).toBe(here.status);
        answers.push(await there.json());
        expect(answers.at(-1)).toEqual(await here.json());
      }
      expect(answers).toMatchObject([
        { received: 52, accepted: 50, duplicates: 0, rejected: 2 },
        { received: 51, accepted: 50, duplicates: 49, rejected: 1 },
      ]);
      expect(await onWorker.store.counts()).toEqual(await onThread.store.counts());
      expect(await (await onWorker.get('/metrics')).text()).toMatch(/^unitcost_event_bodies_converted_total\{thread="worker"\} 2$/m);
      expect(await (await onThread.get('/metrics')).text()).toMatch(/^unitcost_event_bodies_converted_total\{thread="worker"\} 0$/m);
    } finally {
      await onWorker.close();
      await onThread.close();
    }
  });
});

describe('answers kept until the next batch', () => {
  it('answers a repeated read from memory, and the first read after a batch commits sees the batch', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'unitcost-cache-'));
    // No background warm-up during this test (it would add its own store.kpis call): it checks reads alone.
    const opened = await openServerServices(createApp(appOptions), { db: join(directory, 'store.duckdb'), demoWhenEmpty: { events: 2_000, days: 10 }, refreshQuietMs: 600_000 });
    try {
      // A repeated read is answered from memory until a batch commits; the next read then sees the batch.
      const kpisQueries = vi.spyOn(opened.store, 'kpis');
      const first = await opened.services.kpis({ period: 'month' });
      expect(await opened.services.kpis({ period: 'month' })).toEqual(first);
      expect(kpisQueries).toHaveBeenCalledTimes(1);
      const window = (first as { window: { from: string; to: string } }).window;
      const lastDay = new Date(Date.parse(`${window.to}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
      const sent = await opened.services.ingestBatch([{ index: 0, value: event('cache-1', { timestamp: `${lastDay}T12:00:00Z`, feature: 'cache-check' }) }], 'test');
      expect(sent.accepted).toBe(1);
      const after = (await opened.services.kpis({ period: 'month' })) as { features: Array<{ feature: string | null }> };
      expect(kpisQueries).toHaveBeenCalledTimes(2);
      expect(after.features.map((line) => line.feature)).toContain('cache-check');
      kpisQueries.mockRestore();
    } finally {
      await opened.services.close();
    }
  });
});

describe('reads prepared in the background after new data', () => {
  async function serveDemo(refreshQuietMs: number) {
    const directory = mkdtempSync(join(tmpdir(), 'unitcost-warm-'));
    const opened = await openServerServices(createApp(appOptions), { db: join(directory, 'store.duckdb'), demoWhenEmpty: { events: 2_000, days: 10 }, refreshQuietMs });
    const server = await startServer({ services: opened.services, host: '127.0.0.1', port: 0, logLevel: 'silent' });
    const get = async (path: string, headers: Record<string, string> = {}) => {
      const response = await fetch(`${server.url}${path}`, { headers });
      expect(response.status).toBe(200);
      return path === '/metrics' ? response.text() : ((await response.json()) as KpisBody);
    };
    const metric = async (name: string): Promise<number> => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec((await get('/metrics')) as string)![1]);
    const postOnLastDay = async (id: string, feature: string) => {
      const window = ((await get('/v1/kpis?period=week')) as KpisBody).window;
      const lastDay = new Date(Date.parse(`${window.to}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
      const response = await fetch(`${server.url}/v1/events`, { method: 'POST', body: JSON.stringify([event(id, { timestamp: `${lastDay}T12:00:00Z`, feature })]), headers: { 'Content-Type': 'application/json' } });
      expect(response.status).toBe(200);
    };
    const close = async () => {
      await server.close();
      await opened.services.close();
    };
    return { opened, get, metric, postOnLastDay, close };
  }
  type KpisBody = { window: { from: string; to: string }; features: Array<{ feature: string | null }>; overall: { measures: Record<string, unknown> } };

  it('refreshes the summaries and computes the overview KPIs once writes pause, so the next visitor reads a kept answer', async () => {
    const demo = await serveDemo(50);
    try {
      // The warm-up on opening (the demo was just written) comes first.
      await vi.waitFor(async () => expect(await demo.metric('unitcost_read_warmups_total')).toBe(1), { timeout: 30_000, interval: 50 });
      await demo.postOnLastDay('warm-1', 'warm-check');
      const kpisQueries = vi.spyOn(demo.opened.store, 'kpis');
      // No read after the POST: the warm-up alone queries the store (refreshing the summaries first, as every
      // report does), once writes have been quiet for 50 ms.
      await vi.waitFor(async () => expect(await demo.metric('unitcost_read_warmups_total')).toBe(2), { timeout: 30_000, interval: 50 });
      expect(kpisQueries).toHaveBeenCalledTimes(1);
      expect(kpisQueries.mock.calls[0]![0]).toMatchObject({ period: 'week', where: [] });
      // The overview's request, and the same question without its default period, are answered from memory…
      const kept = await demo.metric('unitcost_reads_total\\{answer="kept"\\}');
      const visitor = (await demo.get('/v1/kpis?period=week')) as KpisBody;
      expect(await demo.get('/v1/kpis')).toEqual(visitor);
      expect(kpisQueries).toHaveBeenCalledTimes(1);
      expect(await demo.metric('unitcost_reads_total\\{answer="kept"\\}')).toBe(kept + 2);
      // …and that answer holds the new call, with the figures a computation now gives.
      expect(visitor.features.map((line) => line.feature)).toContain('warm-check');
      expect(await demo.get('/v1/kpis?period=week', { 'Cache-Control': 'no-cache' })).toEqual(visitor);
      kpisQueries.mockRestore();
    } finally {
      await demo.close();
    }
  });

  it('warms up on opening, so the first visitor after a demo fill (or an ingest while the server was down) reads a kept answer', async () => {
    const demo = await serveDemo(50);
    try {
      await vi.waitFor(async () => expect(await demo.metric('unitcost_read_warmups_total')).toBe(1), { timeout: 30_000, interval: 50 });
      const computed = await demo.metric('unitcost_reads_total\\{answer="computed"\\}');
      const first = (await demo.get('/v1/kpis?period=week')) as KpisBody;
      expect(first.overall.measures.calls).toBeGreaterThan(0);
      // Answered from memory: the read counted no computation.
      expect(await demo.metric('unitcost_reads_total\\{answer="computed"\\}')).toBe(computed);
    } finally {
      await demo.close();
    }
  });

  it('answers a read that comes before the warm-up with the new batch, never the answer kept from before it', async () => {
    const demo = await serveDemo(600_000);
    try {
      const before = (await demo.get('/v1/kpis?period=week')) as KpisBody;
      expect(before.features.map((line) => line.feature)).not.toContain('early-check');
      await demo.postOnLastDay('early-1', 'early-check');
      const after = (await demo.get('/v1/kpis?period=week')) as KpisBody;
      expect(await demo.metric('unitcost_read_warmups_total')).toBe(0);
      expect(after.features.map((line) => line.feature)).toContain('early-check');
    } finally {
      await demo.close();
    }
  });
});

/** A server over a demo store of 3,000 records and its JSON reads; the warm-up kept quiet, so reads compute what they answer. */
async function demoServer(prefix: string): Promise<{ get(path: string): Promise<{ status: number; body: Record<string, any> }>; close(): Promise<void> }> {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  const opened = await openServerServices(createApp(appOptions), { db: join(directory, 'store.duckdb'), demoWhenEmpty: { events: 3_000, days: 20 }, refreshQuietMs: 600_000 });
  const server = await startServer({ services: opened.services, host: '127.0.0.1', port: 0, logLevel: 'silent' });
  return {
    get: async (path) => {
      const response = await fetch(`${server.url}${path}`);
      return { status: response.status, body: (await response.json()) as Record<string, any> };
    },
    close: async () => {
      await server.close();
      await opened.services.close();
    },
  };
}

describe('KPIs filtered by team and tier over HTTP', () => {
  it('gives the KPIs of the calls a filter keeps, with the report\'s figures for the same filter and window', async () => {
    const { get, close } = await demoServer('unitcost-kpi-filter-');
    try {
      const everyone = await get('/v1/kpis?period=week');
      const team = ((await get('/v1/report?by=team')).body.rows as Array<{ team: string | null }>).map((row) => row.team).find((name) => name !== null)!;
      const where = `where=${encodeURIComponent(`team=${team}`)}&where=${encodeURIComponent('user_tier=pro')}`;
      const filtered = await get(`/v1/kpis?period=week&${where}`);
      expect(filtered.status).toBe(200);
      expect(filtered.body.overall.measures.calls).toBeGreaterThan(0);
      expect(filtered.body.overall.measures.calls).toBeLessThan(everyone.body.overall.measures.calls);
      expect(filtered.body.overall.measures.cost_usd).not.toBe(everyone.body.overall.measures.cost_usd);
      const window = filtered.body.window as { from: string; to: string };
      const report = await get(`/v1/report?by=feature&from=${window.from}&to=${window.to}&${where}`);
      for (const measure of ['calls', 'cost_usd', 'active_users', 'revenue_usd', 'inference_margin', 'prompt_cache_hit_rate', 'frontier_call_share']) {
        expect(filtered.body.overall.measures[measure], measure).toEqual(report.body.totals[measure]);
      }
      // A filter on an unknown tag names the query parameter.
      const bad = await get('/v1/kpis?where=teem=search');
      expect(bad.status).toBe(400);
      expect(bad.body.error.field).toBe('where');
    } finally {
      await close();
    }
  });
});

describe('the top rows of a report over HTTP', () => {
  it('lists with top= the first rows of the report of every row, with its totals and the count of rows with calls', async () => {
    const { get, close } = await demoServer('unitcost-report-top-');
    try {
      const every = await get('/v1/report?by=session_id');
      expect(every.body).not.toHaveProperty('group_count');
      const top = await get('/v1/report?by=session_id&top=5');
      expect(top.status).toBe(200);
      expect(top.body.rows).toEqual(every.body.rows.slice(0, 5));
      expect(top.body.totals).toEqual(every.body.totals);
      expect(top.body.top).toBe(5);
      expect(top.body.group_count).toBe(every.body.rows.filter((row: { calls: number }) => row.calls > 0).length);
      const bad = await get('/v1/report?by=session_id&top=0');
      expect(bad.status).toBe(400);
      expect(bad.body.error.field).toBe('top');
    } finally {
      await close();
    }
  });
});

describe('a report narrowed to some measures over HTTP', () => {
  it('gives with fields= the full report\'s rows cut to those measures, and refuses an unknown one naming the nearest', async () => {
    const { get, close } = await demoServer('unitcost-report-fields-');
    try {
      const fields = ['calls', 'cost_usd', 'revenue_usd', 'cost_per_active_user_month_usd'] as const;
      const every = await get('/v1/report?by=user_id');
      const narrowed = await get(`/v1/report?by=user_id&fields=${fields.join(',')}`);
      expect(narrowed.status).toBe(200);
      expect(narrowed.body.rows.length).toBeGreaterThan(10);
      expect(JSON.stringify(narrowed.body)).toBe(JSON.stringify(narrowedReportJson(every.body, fields)));
      const bad = await get('/v1/report?by=user_id&fields=calls,cost_per_user');
      expect(bad.status).toBe(400);
      expect(bad.body.error.field).toBe('fields');
      expect(bad.body.error.message).toMatch(/^fields cannot use "cost_per_user"/);
      expect(bad.body.error.suggestions).toContain('cost_per_active_user_month_usd');
    } finally {
      await close();
    }
  });
});

describe('report errors over HTTP', () => {
  it('name the query parameter at fault, not the command line\'s flag', async () => {
    const api = await serve();
    try {
      const byError = (await (await api.get('/v1/report?by=featur')).json()) as { error: { message: string; field: string; suggestions?: string[] } };
      expect(byError.error.field).toBe('by');
      expect(byError.error.message).toMatch(/^by cannot use "featur"/);
      expect(byError.error.message).not.toContain('--');
      const whereError = (await (await api.get('/v1/report?where=team')).json()) as { error: { message: string; field: string } };
      expect(whereError.error.field).toBe('where');
      expect(whereError.error.message).toBe('where must be tag=value, e.g. where=team=search, got "team"');
      const tagError = (await (await api.get('/v1/report?where=teem=x')).json()) as { error: { message: string; field: string } };
      expect(tagError.error.field).toBe('where');
      expect(tagError.error.message).not.toContain('--');
    } finally {
      await api.close();
    }
  });
});

describe('reports over HTTP', () => {
  it('answers /v1/report and /v1/kpis with the same JSON as the CLI, and filter values are data, never SQL', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'unitcost-report-'));
    const db = join(directory, 'store.duckdb');
    const app = createApp(appOptions);
    const opened = await openServerServices(app, { db, demoWhenEmpty: { events: 5_000, days: 20 } });
    const server = await startServer({ services: opened.services, host: '127.0.0.1', port: 0, logLevel: 'silent' });
    const get = async (path: string) => {
      const response = await fetch(`${server.url}${path}`);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const report = await get('/v1/report?by=feature,model&period=week&where=user_tier=pro');
    const kpis = await get('/v1/kpis?period=week');
    expect(report.status).toBe(200);
    expect(kpis.status).toBe(200);
    expect((report.body.rows as unknown[]).length).toBeGreaterThan(0);

    // SQL in a filter value is a value that matches nothing; the store is untouched.
    const before = await opened.store.counts();
    for (const value of ["support' OR '1'='1", "x'; DROP TABLE usage_events; --", 'x") OR 1=1 --', "%' --"]) {
      const injected = await get(`/v1/report?by=feature&where=${encodeURIComponent(`feature=${value}`)}`);
      expect(injected.status).toBe(200);
      expect(injected.body.rows).toEqual([]);
    }
    expect(await opened.store.counts()).toEqual(before);
    const badDimension = await get(`/v1/report?by=${encodeURIComponent('feature; DROP TABLE usage_events')}`);
    expect(badDimension.status).toBe(400);
    const badPeriod = await get('/v1/kpis?period=fortnight');
    expect(badPeriod.status).toBe(400);
    expect(((badPeriod.body.error as { message: string }).message)).toContain('period must be one of day, week, month');
    // A read whose client has gone while it waited for its turn is dropped, not run.
    const gone = new AbortController();
    gone.abort();
    await expect(opened.services.report({ by: 'session_id' }, gone.signal)).rejects.toThrow(/abort/i);
    // (The week's KPIs without filters are kept by the warm-up after new data: ask for a question nobody has.)
    await expect(opened.services.kpis({ period: 'day' }, gone.signal)).rejects.toThrow(/abort/i);
    await server.close();
    await opened.services.close();

    // The CLI opens the same file once the server has let go of it.
    expect(report.body).toEqual(await cliJson('report', '--by', 'feature,model', '--period', 'week', '--where', 'user_tier=pro', '--db', db));
    expect(kpis.body).toEqual(await cliJson('kpis', '--period', 'week', '--db', db));
  });
});
