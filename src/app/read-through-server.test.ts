import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from './create-app.js';
import { readThroughServer, type ServerRead } from './read-through-server.js';
import { writeServerDiscovery } from './server-discovery.js';

const lockError = (path: string): Error =>
  new Error('cannot open', { cause: new Error(`IO Error: Could not set lock on file "${path}": Conflicting lock is held in /usr/bin/node (PID 1918)`) });
const reportRead = (): ServerRead => ({ method: 'GET', path: '/v1/report', query: [['by', 'feature']] });
const storeIn = (): string => join(mkdtempSync(join(tmpdir(), 'unitcost-read-through-')), 'store.duckdb');

function fakeServer(answers: Record<string, { status: number; body: unknown }>, seen: Request[] = []): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init);
    seen.push(request);
    const answer = answers[new URL(request.url).pathname] ?? { status: 404, body: { error: { message: 'not found' } } };
    return new Response(JSON.stringify(answer.body), { status: answer.status });
  }) as typeof fetch;
}

describe('readThroughServer', () => {
  const app = createApp({ directory: '/nonexistent-config-dir', environment: {} });

  it('answers from the store when it opens', async () => {
    const answer = await readThroughServer(app, { db: storeIn() }, async () => 42, reportRead, fakeServer({}));
    expect(answer).toEqual({ from: 'store', value: 42 });
  });

  it('asks the server named beside a locked store, with the same query', async () => {
    const db = storeIn();
    writeServerDiscovery(db, { url: 'http://127.0.0.1:8787', startedAt: new Date() });
    const seen: Request[] = [];
    const server = fakeServer({ '/healthz': { status: 200, body: { status: 'ok' } }, '/v1/report': { status: 200, body: { rows: [] } } }, seen);
    const answer = await readThroughServer(app, { db }, () => Promise.reject(lockError(db)), reportRead, server);
    expect(answer).toMatchObject({ from: 'server', json: { rows: [] }, server: { url: 'http://127.0.0.1:8787', pid: process.pid } });
    expect(seen.at(-1)!.url).toBe('http://127.0.0.1:8787/v1/report?by=feature');
  });

  it('says to set UNITCOST_API_KEY when the server wants a key and none is set', async () => {
    const db = storeIn();
    writeServerDiscovery(db, { url: 'http://127.0.0.1:8787', startedAt: new Date() });
    const server = fakeServer({ '/healthz': { status: 200, body: { status: 'ok' } }, '/v1/report': { status: 401, body: { error: { message: 'key needed' } } } });
    await expect(readThroughServer(app, { db }, () => Promise.reject(lockError(db)), reportRead, server)).rejects.toThrow('set UNITCOST_API_KEY to a key with the read scope');
  });

  it('sends the key of UNITCOST_API_KEY', async () => {
    const db = storeIn();
    writeServerDiscovery(db, { url: 'http://127.0.0.1:8787', startedAt: new Date() });
    const keyed = createApp({ directory: '/nonexistent-config-dir', environment: { UNITCOST_API_KEY: 'uc_test' } });
    const seen: Request[] = [];
    const server = fakeServer({ '/healthz': { status: 200, body: { status: 'ok' } }, '/v1/report': { status: 200, body: {} } }, seen);
    await readThroughServer(keyed, { db }, () => Promise.reject(lockError(db)), reportRead, server);
    expect(seen.at(-1)!.headers.get('authorization')).toBe('Bearer uc_test');
  });

  it('passes the lock error on when no live server is named beside the store', async () => {
    const db = storeIn();
    writeServerDiscovery(db, { url: 'http://127.0.0.1:8787', pid: 4_000_000, startedAt: new Date() });
    const error = lockError(db);
    await expect(readThroughServer(app, { db }, () => Promise.reject(error), reportRead, fakeServer({}))).rejects.toBe(error);
  });
});
