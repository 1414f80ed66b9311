import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../app/create-app.js';
import { openStore } from '../app/open-store.js';
import { DuckdbStore } from '../store/duckdb/duckdb-store.js';
import { captureIo } from './capture-io.js';
import { runServe } from './serve-command.js';
import { startServeChild } from './serve-child-test-harness.js';

const directory = mkdtempSync(join(tmpdir(), 'unitcost-serve-intake-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('unitcost serve --intake-log', () => {
  it('refuses a bad --intake-wait before opening anything', async () => {
    const context = { app: () => createApp({ directory: '/nonexistent-config-dir' }), io: captureIo() };
    await expect(runServe({ port: '0', intakeWait: '1s' }, context, Promise.resolve())).rejects.toThrow('--intake-wait must be a whole number of milliseconds up to 3600000, got "1s"');
  });

  it('refuses --intake-log on a ClickHouse store before opening anything, saying how to go on', async () => {
    const config = join(directory, 'clickhouse.config.json');
    writeFileSync(config, JSON.stringify({ store: { backend: 'clickhouse', clickhouse: { url: 'http://127.0.0.1:9', database: 'unreached' } } }));
    const context = { app: () => createApp({ configPath: config, environment: {} }), io: captureIo() };
    await expect(runServe({ port: '0', intakeLog: true }, context, Promise.resolve())).rejects.toThrow('--intake-log needs the embedded DuckDB store: this config stores in ClickHouse');
  });

  it('loses no answered batch when killed with SIGKILL before committing it: the next command to open the store stores it', async () => {
    const db = join(directory, 'store.duckdb');
    const { child, url } = await startServeChild(db, { cwd: directory, arguments: ['--intake-log', '--intake-wait', '600000'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));

    // Three clients post new calls; each answer comes from the log, and the group waits for its commit (--intake-wait).
    const acknowledged: string[] = [];
    await Promise.all(
      [0, 1, 2].map(async (client) => {
        for (let batch = 0; batch < 4; batch += 1) {
          const ids = Array.from({ length: 200 }, (_, index) => `answered-${client}-${batch}-${index}`);
          const body = ids.map((id, index) => JSON.stringify({ id, timestamp: '2026-03-10T09:00:00Z', provider: 'openai', model: 'gpt-4o-mini', input_tokens: 100 + index, output_tokens: 10 })).join('\n');
          const response = await fetch(`${url}/v1/events`, { method: 'POST', body, headers: { 'Content-Type': 'application/x-ndjson' } });
          expect(response.status).toBe(200);
          expect(((await response.json()) as { accepted: number }).accepted).toBe(200);
          acknowledged.push(...ids);
        }
      }),
    );
    // Killed while the answered batches wait in the log: the store file itself does not hold them yet.
    const segments = readdirSync(`${db}.intake`).filter((name) => name.endsWith('.log'));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(segments.length).toBeGreaterThan(0);

    // Any command opens the store through openStore, which stores them first and says so.
    const said: string[] = [];
    const store = await openStore(createApp({ directory }), { db, onRecovered: (message) => said.push(message) });
    try {
      expect(said.join('\n')).toMatch(/stored 12 acknowledged batches \(2,400 records\) from .*\.log, left by a server that stopped before committing them/);
      expect(store).toBeInstanceOf(DuckdbStore);
      const stored = new Set((await (store as DuckdbStore).database.connection.runAndReadAll('SELECT id FROM usage_events')).getRowObjectsJS().map((row) => String(row.id)));
      expect(acknowledged).toHaveLength(12 * 200);
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
      expect(stored.size).toBe(acknowledged.length);
    } finally {
      await store.close();
    }
    expect(existsSync(`${db}.intake`) ? readdirSync(`${db}.intake`).filter((name) => name.endsWith('.log')) : []).toEqual([]);
  }, 90_000);
});
