import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createApp } from '../app/create-app.js';
import { DuckdbStore } from '../store/duckdb/duckdb-store.js';
import { captureIo } from './capture-io.js';
import { runServe } from './serve-command.js';

describe('unitcost serve', () => {
  it('listens on loopback only while no key exists, says so, and stops cleanly', async () => {
    const io = captureIo();
    const db = join(mkdtempSync(join(tmpdir(), 'unitcost-serve-cmd-')), 'store.duckdb');
    let stop!: () => void;
    const until = new Promise<void>((resolve) => (stop = resolve));
    const context = { app: () => createApp({ directory: '/nonexistent-config-dir' }), io };
    const serving = runServe({ port: '0', host: '0.0.0.0', db, logLevel: 'silent' }, context, until);
    await expect.poll(() => /dashboard: (http:\/\/[^/\s]+)\//.exec(io.out())?.[1]).toBeTruthy();
    const url = /dashboard: (http:\/\/[^/\s]+)\//.exec(io.out())![1]!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(io.err()).toContain('no API key configured: listening on loopback only (--host 0.0.0.0 ignored)');
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    stop();
    await serving;
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('also listens on --otlp-port for OTLP exporters, and says where', async () => {
    const io = captureIo();
    const db = join(mkdtempSync(join(tmpdir(), 'unitcost-serve-otlp-')), 'store.duckdb');
    let stop!: () => void;
    const until = new Promise<void>((resolve) => (stop = resolve));
    const context = { app: () => createApp({ directory: '/nonexistent-config-dir' }), io };
    const serving = runServe({ port: '0', otlpPort: '0', db, logLevel: 'silent' }, context, until);
    await expect.poll(() => /OTLP traces: (http:\/\/[^/\s]+)\/v1\/traces/.exec(io.out())?.[1]).toBeTruthy();
    const otlpUrl = /OTLP traces: (http:\/\/[^/\s]+)\/v1\/traces/.exec(io.out())![1]!;
    const dashboardUrl = /dashboard: (http:\/\/[^/\s]+)\//.exec(io.out())![1]!;
    expect(otlpUrl).not.toBe(dashboardUrl);
    const response = await fetch(`${otlpUrl}/v1/traces`, { method: 'POST', body: '{"resourceSpans":[]}', headers: { 'Content-Type': 'application/json' } });
    expect(response.status).toBe(200);
    stop();
    await serving;
  });

  it('refuses a bad --otlp-port before opening anything', async () => {
    const io = captureIo();
    const context = { app: () => createApp({ directory: '/nonexistent-config-dir' }), io };
    await expect(runServe({ port: '0', otlpPort: '4318x' }, context, Promise.resolve())).rejects.toThrow('--otlp-port must be a port number');
  });

  it('refuses a bad port before opening anything', async () => {
    const io = captureIo();
    const context = { app: () => createApp({ directory: '/nonexistent-config-dir' }), io };
    await expect(runServe({ port: 'eighty' }, context, Promise.resolve())).rejects.toThrow('--port must be a port number');
  });

  it('loses no acknowledged event when the server is killed with SIGKILL mid-ingest', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'unitcost-serve-kill-')), 'store.duckdb');
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), fileURLToPath(new URL('./bin.ts', import.meta.url)), 'serve', '--port', '0', '--db', db, '--log-level', 'silent'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await expect.poll(() => /dashboard: (http:\/\/[^/\s]+)\//.exec(output)?.[1], { timeout: 30_000 }).toBeTruthy();
    const url = /dashboard: (http:\/\/[^/\s]+)\//.exec(output)![1]!;

    // Four clients post batches of 500 until the server dies; the server is killed right after the eighth acknowledgement.
    const acknowledged: string[] = [];
    let batches = 0;
    let killed = false;
    const client = async (name: number): Promise<void> => {
      for (let batch = 0; !killed; batch += 1) {
        const ids = Array.from({ length: 500 }, (_, index) => `kill-${name}-${batch}-${index}`);
        const body = ids.map((id, index) => JSON.stringify({ id, timestamp: '2026-03-10T09:00:00Z', provider: 'openai', model: 'gpt-4o-mini', input_tokens: 100 + index, output_tokens: 10, feature: 'kill-test' })).join('\n');
        let response: Response;
        try {
          response = await fetch(`${url}/v1/events`, { method: 'POST', body, headers: { 'Content-Type': 'application/x-ndjson' } });
        } catch {
          return;
        }
        if (response.status !== 200) throw new Error(`a batch was answered ${response.status}: ${await response.text()}`);
        let answer: { accepted: number };
        try {
          answer = (await response.json()) as { accepted: number };
        } catch {
          // The server died between the answer's headers and its body: the batch was never acknowledged.
          return;
        }
        expect(answer.accepted).toBe(500);
        acknowledged.push(...ids);
        batches += 1;
        if (batches >= 8 && !killed) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    };
    await Promise.all([0, 1, 2, 3].map((name) => client(name)));
    expect(await exited).toBe('SIGKILL');

    const store = await DuckdbStore.open(db);
    try {
      const stored = new Set((await store.database.connection.runAndReadAll('SELECT id FROM usage_events')).getRowObjectsJS().map((row) => String(row.id)));
      expect(acknowledged.length).toBeGreaterThanOrEqual(8 * 500);
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    } finally {
      await store.close();
    }
  }, 90_000);
});
