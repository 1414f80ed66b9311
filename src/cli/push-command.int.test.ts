import { createServer, request as httpRequest, type Server } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../app/create-app.js';
import { DuckdbStore } from '../store/duckdb/duckdb-store.js';
import { captureIo } from './capture-io.js';
import { runCli } from './main.js';
import { runServe } from './serve-command.js';

const appOptions = { directory: '/nonexistent-config-dir', environment: {} };

function call(id: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ id, timestamp: '2026-03-10T09:00:00Z', provider: 'openai', model: 'gpt-4o-mini', input_tokens: 1000, output_tokens: 100, feature: 'chat', ...extra });
}

// A stand-in for a load balancer in trouble: the first `failures` POSTs get a 503, the rest reach the server.
function flakyProxy(target: string, failures: number): Promise<{ url: string; posts: () => number; close: () => Promise<void> }> {
  let posts = 0;
  const server: Server = createServer((incoming, outgoing) => {
    if (incoming.method === 'POST') {
      posts += 1;
      if (posts <= failures) {
        incoming.resume();
        outgoing.writeHead(503, { 'content-type': 'application/json', 'retry-after': '0' }).end('{"error":{"message":"try again"}}');
        return;
      }
    }
    const forwarded = httpRequest(`${target}${incoming.url}`, { method: incoming.method, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    incoming.pipe(forwarded);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${address.port}`, posts: () => posts, close: () => new Promise((done) => server.close(() => done())) });
    }),
  );
}

describe('unitcost push', () => {
  const directory = mkdtempSync(join(tmpdir(), 'unitcost-push-'));
  const db = join(directory, 'store.duckdb');
  let url: string;
  let stop!: () => void;
  let serving: Promise<void>;

  beforeAll(async () => {
    const io = captureIo();
    const until = new Promise<void>((resolve) => (stop = resolve));
    serving = runServe({ port: '0', db, logLevel: 'silent', maxBatchItems: '3' }, { app: () => createApp(appOptions), io }, until);
    url = await vi.waitFor(
      () => {
        const found = /dashboard: (http:\/\/[^/\s]+)\//.exec(io.out())?.[1];
        if (found === undefined) throw new Error('the server has not started yet');
        return found;
      },
      { timeout: 20_000, interval: 50 },
    );
  }, 30_000);

  afterAll(async () => {
    stop();
    await serving;
  });

  it('sends good lines, reports bad ones with file and line, counts duplicates, and exits 1 past --max-rejects', async () => {
    const file = join(directory, 'events.jsonl');
    writeFileSync(file, [call('p1'), call('p2'), '{"id": "p3", "timestamp": "2026-03-10T09:00:00Z", "provider": "openai"}', 'not json', call('p4'), call('p1'), ''].join('\n'));
    const io = captureIo();
    const code = await runCli(['node', 'unitcost', 'push', file, '--server', url, '--json', '--batch-size', '2'], io, appOptions);
    const result = JSON.parse(io.out()) as { totals: { accepted: number; duplicates: number; rejected: number }; failedBatches: unknown[]; requests: number; rejectsPath: string };
    expect(result.totals).toMatchObject({ accepted: 3, duplicates: 1, rejected: 2 });
    expect(result.failedBatches).toEqual([]);
    expect(result.requests).toBe(2);
    expect(code).toBe(1);
    expect(io.err()).toContain('2 lines refused, more than --max-rejects 0 allows');
    const rejects = readFileSync(result.rejectsPath, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { source: string; field: string });
    expect(rejects.map((reject) => reject.source)).toEqual(['events.jsonl:3', 'events.jsonl:4']);
    expect(rejects[0]!.field).toBe('model');

    // The same file again stores nothing twice.
    const again = captureIo();
    await runCli(['node', 'unitcost', 'push', file, '--server', url, '--json', '--max-rejects', 'unlimited'], again, appOptions);
    expect((JSON.parse(again.out()) as { totals: { accepted: number; duplicates: number } }).totals).toMatchObject({ accepted: 0, duplicates: 4 });
  });

  it('batches under the limit the server says on /healthz', async () => {
    const file = join(directory, 'many.jsonl');
    writeFileSync(file, Array.from({ length: 10 }, (_, index) => call(`m${index}`)).join('\n'));
    const io = captureIo();
    // Asked for 1,000 a request, it sends 3 at most: the server was started with --max-batch-items 3.
    const code = await runCli(['node', 'unitcost', 'push', file, '--server', url, '--json'], io, appOptions);
    const result = JSON.parse(io.out()) as { totals: { accepted: number }; requests: number };
    expect(code).toBe(0);
    expect(result.totals.accepted).toBe(10);
    expect(result.requests).toBe(4);
  });

  it('retries a batch the server answered 503, and stores every record once', async () => {
    const proxy = await flakyProxy(url, 2);
    try {
      const file = join(directory, 'flaky.jsonl');
      writeFileSync(file, [call('f1'), call('f2')].join('\n'));
      const io = captureIo();
      const code = await runCli(['node', 'unitcost', 'push', file, '--server', proxy.url, '--json'], io, appOptions);
      const result = JSON.parse(io.out()) as { totals: { accepted: number; duplicates: number }; retries: number };
      expect(code).toBe(0);
      expect(result.retries).toBe(2);
      expect(result.totals).toMatchObject({ accepted: 2, duplicates: 0 });
      expect(proxy.posts()).toBe(3);
    } finally {
      await proxy.close();
    }
  });

  it('says which lines were not stored when the server never recovers', async () => {
    const proxy = await flakyProxy(url, 1_000);
    try {
      const file = join(directory, 'down.jsonl');
      writeFileSync(file, [call('d1'), call('d2')].join('\n'));
      const io = captureIo();
      // Six attempts, with Retry-After: 0 between them.
      const code = await runCli(['node', 'unitcost', 'push', file, '--server', proxy.url], io, appOptions);
      expect(code).toBe(1);
      expect(io.out()).toContain('NOT STORED  down.jsonl lines 1–2 (2 records): the server answered 503: try again');
      expect(io.err()).toContain('2 records in 1 batches were not stored after every retry');
    } finally {
      await proxy.close();
    }
  });

  it('names the server it cannot reach', async () => {
    const io = captureIo();
    const code = await runCli(['node', 'unitcost', 'push', join(directory, 'events.jsonl'), '--server', 'http://127.0.0.1:1'], io, appOptions);
    expect(code).toBe(2);
    expect(io.err()).toContain('cannot reach a unitcost server at http://127.0.0.1:1');
  });

  it('leaves every record the server accepted in the store, once', async () => {
    stop();
    await serving;
    const store = await DuckdbStore.open(db);
    try {
      expect((await store.counts()).usageEvents).toBe(3 + 10 + 2);
    } finally {
      await store.close();
    }
  });
});
