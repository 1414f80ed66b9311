import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../app/create-app.js';
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

  it('refuses a bad port before opening anything', async () => {
    const io = captureIo();
    const context = { app: () => createApp({ directory: '/nonexistent-config-dir' }), io };
    await expect(runServe({ port: 'eighty' }, context, Promise.resolve())).rejects.toThrow('--port must be a port number');
  });
});
