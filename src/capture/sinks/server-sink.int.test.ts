import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { CapturedEvent } from '../capture-options.js';
import { serverSink } from './server-sink.js';

const childScript = fileURLToPath(new URL('../../testing/sink-exit-child.ts', import.meta.url));

interface Received {
  headers: Record<string, string | string[] | undefined>;
  lines: Array<Record<string, unknown>>;
}

interface EventsServer {
  url: string;
  batches: Received[];
  attempts: number;
  close(): Promise<void>;
}

/** A stand-in for POST /v1/events that answers each attempt with what `answer` says (200 by default). */
async function startEventsServer(answer: (attempt: number, lines: Array<Record<string, unknown>>) => { status: number; body?: unknown } = () => ({ status: 200 })): Promise<EventsServer> {
  const state = { batches: [] as Received[], attempts: 0 };
  const server: Server = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      state.attempts += 1;
      const lines = Buffer.concat(parts).toString('utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
      const { status, body } = answer(state.attempts, lines);
      if (status === 200) state.batches.push({ headers: request.headers, lines });
      const reply = JSON.stringify(body ?? { received: lines.length, accepted: lines.length, rejected: 0, unpriced: 0, results: [] });
      response.writeHead(status, { 'content-type': 'application/json' }).end(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get batches() {
      return state.batches;
    },
    get attempts() {
      return state.attempts;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function event(step: number): CapturedEvent {
  return { timestamp: '2026-03-02T14:05:11Z', provider: 'openai', model: 'gpt-4.1', input_tokens: 10, output_tokens: 2, step };
}

describe('serverSink', () => {
  const servers: EventsServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it('sends events as NDJSON batches of batchSize, with the key as a bearer token', async () => {
    const server = await startEventsServer();
    servers.push(server);
    const sink = serverSink({ url: `${server.url}/`, apiKey: 'uc_test_key', batchSize: 2, flushIntervalMs: 60_000 });
    for (let step = 0; step < 5; step += 1) sink.write(event(step));
    await sink.close();
    expect(server.batches.map((batch) => batch.lines.map((line) => line.step))).toEqual([[0, 1], [2, 3], [4]]);
    expect(server.batches[0]!.headers.authorization).toBe('Bearer uc_test_key');
    expect(server.batches[0]!.headers['content-type']).toBe('application/x-ndjson');
  });

  it('sends a partial batch once flushIntervalMs has passed', async () => {
    const server = await startEventsServer();
    servers.push(server);
    const sink = serverSink({ url: server.url, batchSize: 100, flushIntervalMs: 20 });
    sink.write(event(1));
    await expect.poll(() => server.batches.length).toBe(1);
    await sink.close();
  });

  it('retries a batch after a 503 and delivers it', async () => {
    const server = await startEventsServer((attempt) => ({ status: attempt === 1 ? 503 : 200 }));
    servers.push(server);
    const errors: unknown[] = [];
    const sink = serverSink({ url: server.url, retryBaseMs: 5, onError: (error) => errors.push(error) });
    sink.write(event(1));
    await sink.flush();
    expect(server.attempts).toBe(2);
    expect(server.batches).toHaveLength(1);
    expect(errors).toEqual([]);
    await sink.close();
  });

  it('gives up after maxRetries and reports it, without the key', async () => {
    const server = await startEventsServer(() => ({ status: 500 }));
    servers.push(server);
    const errors: Error[] = [];
    const sink = serverSink({ url: server.url, apiKey: 'uc_secret', maxRetries: 2, retryBaseMs: 5, onError: (error) => errors.push(error as Error) });
    sink.write(event(1));
    await sink.close();
    expect(server.attempts).toBe(3);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/gave up on 1 events after 3 attempts: HTTP 500/);
    expect(errors[0]!.message).not.toContain('uc_secret');
  });

  it('gives up boundedly when the server is unreachable', async () => {
    const server = await startEventsServer();
    const url = server.url;
    await server.close();
    const errors: Error[] = [];
    const sink = serverSink({ url, maxRetries: 1, retryBaseMs: 5, onError: (error) => errors.push(error as Error) });
    sink.write(event(1));
    await sink.close();
    expect(errors[0]!.message).toMatch(/gave up on 1 events after 2 attempts: network error: ECONNREFUSED/);
  });

  it('reports events the server refused as invalid and does not send them again', async () => {
    // Some stored, some refused: the server answers 200, with the refusals in the body.
    const server = await startEventsServer((_attempt, lines) => ({
      status: 200,
      body: {
        received: lines.length,
        accepted: 1,
        rejected: 1,
        unpriced: 0,
        results: [
          { index: 0, status: 'accepted' },
          { index: 1, status: 'rejected', errors: [{ field: 'input_tokens', message: 'must be a whole number of tokens' }] },
        ],
      },
    }));
    servers.push(server);
    const errors: Error[] = [];
    const sink = serverSink({ url: server.url, retryBaseMs: 5, onError: (error) => errors.push(error as Error) });
    sink.write(event(1));
    sink.write(event(2));
    await sink.close();
    expect(server.attempts).toBe(1);
    expect(errors.map((error) => error.message)).toEqual(['unitcost server refused 1 of 2 events: #1 input_tokens must be a whole number of tokens']);
  });

  it('reports a batch whose every event was refused, answered 400', async () => {
    const server = await startEventsServer((_attempt, lines) => ({
      status: 400,
      body: { received: lines.length, accepted: 0, duplicates: 0, rejected: 1, unpriced: 0, results: [{ index: 0, status: 'rejected', errors: [{ field: 'model', message: 'is required' }] }] },
    }));
    servers.push(server);
    const errors: Error[] = [];
    const sink = serverSink({ url: server.url, retryBaseMs: 5, onError: (error) => errors.push(error as Error) });
    sink.write(event(1));
    await sink.close();
    expect(server.attempts).toBe(1);
    expect(errors.map((error) => error.message)).toEqual(['unitcost server refused 1 of 1 events: #0 model is required']);
  });

  it('does not retry a batch refused whole, such as for a bad key', async () => {
    const server = await startEventsServer(() => ({ status: 401, body: { error: { code: 'unauthenticated', message: 'no valid API key' } } }));
    servers.push(server);
    const errors: Error[] = [];
    const sink = serverSink({ url: server.url, apiKey: 'wrong', retryBaseMs: 5, onError: (error) => errors.push(error as Error) });
    sink.write(event(1));
    await sink.close();
    expect(server.attempts).toBe(1);
    expect(errors[0]!.message).toMatch(/HTTP 401; not retried/);
  });

  it('splits a batch the server finds too large until the halves fit', async () => {
    const server = await startEventsServer((_attempt, lines) => ({ status: lines.length > 2 ? 413 : 200 }));
    servers.push(server);
    const errors: unknown[] = [];
    const sink = serverSink({ url: server.url, batchSize: 5, flushIntervalMs: 60_000, onError: (error) => errors.push(error) });
    for (let step = 0; step < 5; step += 1) sink.write(event(step));
    await sink.close();
    expect(server.batches.flatMap((batch) => batch.lines.map((line) => line.step))).toEqual([0, 1, 2, 3, 4]);
    expect(server.batches.every((batch) => batch.lines.length <= 2)).toBe(true);
    expect(errors).toEqual([]);
  });

  it('drops the oldest events over maxQueue and reports how many', async () => {
    const server = await startEventsServer();
    servers.push(server);
    const errors: Error[] = [];
    const sink = serverSink({ url: server.url, maxQueue: 3, batchSize: 100, flushIntervalMs: 60_000, onError: (error) => errors.push(error as Error) });
    for (let step = 0; step < 10; step += 1) sink.write(event(step));
    await sink.close();
    expect(server.batches.flatMap((batch) => batch.lines.map((line) => line.step))).toEqual([7, 8, 9]);
    expect(errors.map((error) => error.message)).toEqual(['server sink queue was full (3 events): dropped the 7 oldest']);
  });

  it('keeps only the newest maxQueue events while a batch is stuck retrying', async () => {
    const server = await startEventsServer((attempt) => ({ status: attempt <= 2 ? 503 : 200 }));
    servers.push(server);
    const errors: Error[] = [];
    const sink = serverSink({ url: server.url, batchSize: 10, maxQueue: 100, retryBaseMs: 400, flushIntervalMs: 60_000, onError: (error) => errors.push(error as Error) });
    for (let step = 0; step < 10; step += 1) sink.write(event(step));
    await expect.poll(() => server.attempts, { interval: 5 }).toBe(1);
    for (let step = 10; step < 5010; step += 1) sink.write(event(step));
    await sink.close();
    const delivered = server.batches.flatMap((batch) => batch.lines.map((line) => line.step as number));
    expect(delivered).toEqual([...Array.from({ length: 10 }, (_, step) => step), ...Array.from({ length: 100 }, (_, index) => 4910 + index)]);
    expect(errors.map((error) => error.message)).toEqual(['server sink queue was full (100 events): dropped the 4900 oldest']);
  });

  it('keeps accepting events while a batch is being retried, within maxQueue', async () => {
    const server = await startEventsServer((attempt) => ({ status: attempt <= 2 ? 503 : 200 }));
    servers.push(server);
    const sink = serverSink({ url: server.url, batchSize: 1, retryBaseMs: 20, flushIntervalMs: 60_000 });
    sink.write(event(0));
    for (let step = 1; step < 4; step += 1) sink.write(event(step));
    await sink.close();
    expect(server.batches.flatMap((batch) => batch.lines.map((line) => line.step))).toEqual([0, 1, 2, 3]);
  });

  it('reports an event written after close instead of throwing', async () => {
    const server = await startEventsServer();
    servers.push(server);
    const errors: unknown[] = [];
    const sink = serverSink({ url: server.url, onError: (error) => errors.push(error) });
    await sink.close();
    expect(() => sink.write(event(1))).not.toThrow();
    expect(errors).toHaveLength(1);
  });
});

describe('serverSink in a process that ends', () => {
  it('lets the process exit on its own and sends what was queued first', async () => {
    const server = await startEventsServer();
    try {
      // Asynchronous, so that this process's events server keeps answering while the child runs.
      await promisify(execFile)(process.execPath, ['--import', 'tsx', childScript, server.url], { timeout: 20_000 });
      expect(server.batches.flatMap((batch) => batch.lines)).toHaveLength(1);
    } finally {
      await server.close();
    }
  });
});
