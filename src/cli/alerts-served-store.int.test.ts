import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from './capture-io.js';
import { runCli } from './main.js';
import { startServeChild } from './serve-child-test-harness.js';

// DuckDB's lock is per process, so the server runs in a child, as `npm start` would; the CLI then finds the store held.
describe('unitcost alerts check on a store that `unitcost serve` holds', () => {
  const directory = mkdtempSync(join(tmpdir(), 'unitcost-alerts-served-'));
  const db = join(directory, 'store.duckdb');
  const config = join(directory, 'unitcost.config.json');
  let server: ChildProcess;
  let url: string;

  beforeAll(async () => {
    writeFileSync(config, JSON.stringify({ budgets: [{ name: 'chat-daily', per: 'feature', equals: 'chat', period: 'day', limit_usd: 0.001, mode: 'soft' }] }));
    ({ child: server, url } = await startServeChild(db, { cwd: directory, config }));
    const event = { id: 'c1', timestamp: '2026-03-10T09:00:00Z', provider: 'openai', model: 'gpt-4o-mini', input_tokens: 100_000, output_tokens: 10_000, feature: 'chat' };
    expect((await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify([event]) })).status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  });

  it('asks the server, prints the JSON of its /v1/alerts, and exits 1 on the critical alert', async () => {
    const io = captureIo();
    expect(await runCli(['node', 'unitcost', 'alerts', 'check', '--json', '--at', '2026-03-10', '--db', db], io, { configPath: config, environment: {} })).toBe(1);
    const served = (await (await fetch(`${url}/v1/alerts?at=2026-03-10`)).json()) as { alerts: Array<{ key: string }> };
    expect(JSON.parse(io.out())).toEqual(served);
    expect(served.alerts.map((alert) => alert.key)).toEqual(['budget_point:chat-daily:feature=chat:2026-03-10:1']);
    expect(io.err()).toContain('open in `unitcost serve`');
  });
});
