import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverDiscoveryPath } from '../app/server-discovery.js';
import { captureIo } from './capture-io.js';
import { runCli } from './main.js';
import { startServeChild } from './serve-child-test-harness.js';

// DuckDB's lock is per process (a second open in the same process succeeds), so the server runs in a child, as `npm start` would.
describe('commands on a store that `unitcost serve` holds', () => {
  const directory = mkdtempSync(join(tmpdir(), 'unitcost-served-store-'));
  const db = join(directory, 'store.duckdb');
  const appOptions = { directory: '/nonexistent-config-dir', environment: {} };
  let server: ChildProcess;
  let url: string;

  beforeAll(async () => {
    ({ child: server, url } = await startServeChild(db, { cwd: directory }));
    const events = [
      { id: 's1', timestamp: '2026-03-10T09:00:00Z', provider: 'openai', model: 'gpt-4o-mini', input_tokens: 1000, output_tokens: 100, feature: 'chat', user_id: 'u1' },
      { id: 's2', timestamp: '2026-03-11T09:00:00Z', provider: 'openai', model: 'gpt-4o', input_tokens: 2000, output_tokens: 300, feature: 'search', user_id: 'u2' },
      { id: 's3', timestamp: '2026-03-12T09:00:00Z', provider: 'anthropic', model: 'claude-sonnet-4-5', input_tokens: 3000, output_tokens: 200, feature: 'search', user_id: 'u1' },
    ];
    const response = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'Content-Type': 'application/x-ndjson' }, body: events.map((event) => JSON.stringify(event)).join('\n') });
    expect(response.status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
    // A clean shutdown takes its discovery file with it.
    expect(existsSync(serverDiscoveryPath(db))).toBe(false);
  });

  it('leaves a discovery file beside the store naming the server', () => {
    expect(existsSync(serverDiscoveryPath(db))).toBe(true);
  });

  it('answers report --json through the server, with the JSON of its /v1/report', async () => {
    const io = captureIo();
    expect(await runCli(['node', 'unitcost', 'report', '--json', '--by', 'feature,model', '--db', db], io, appOptions)).toBe(0);
    const served = await (await fetch(`${url}/v1/report?by=feature,model`)).json();
    expect(JSON.parse(io.out())).toEqual(served);
    expect(io.err()).toContain('open in `unitcost serve`');
    expect(io.err()).not.toContain('lock');
  });

  it('answers kpis --json through the server, with the JSON of its /v1/kpis', async () => {
    const io = captureIo();
    expect(await runCli(['node', 'unitcost', 'kpis', '--json', '--db', db], io, appOptions)).toBe(0);
    const served = await (await fetch(`${url}/v1/kpis?period=week`)).json();
    expect(JSON.parse(io.out())).toEqual(served);
  });

  it('answers budgets --json through the server, with the JSON of its /v1/budgets', async () => {
    const io = captureIo();
    expect(await runCli(['node', 'unitcost', 'budgets', '--json', '--at', '2026-03-12', '--db', db], io, appOptions)).toBe(0);
    const served = await (await fetch(`${url}/v1/budgets?at=2026-03-12`)).json();
    expect(JSON.parse(io.out())).toEqual(served);
    expect(served).toEqual({ at: '2026-03-12T23:59:59.999Z', budgets: [] });
  });

  it('answers statement --format json through the server, with the JSON of its /v1/statements, and closes no period there', async () => {
    const io = captureIo();
    expect(await runCli(['node', 'unitcost', 'statement', '--period', '2026-03', '--by', 'feature', '--format', 'json', '--db', db], io, appOptions), io.err()).toBe(0);
    const served = (await (await fetch(`${url}/v1/statements?period=2026-03&by=feature`)).json()) as { lines: Array<{ group: string }> };
    expect(JSON.parse(io.out())).toEqual(served);
    expect(served.lines.map((line) => line.group)).toEqual(['chat', 'search']);
    const close = captureIo();
    expect(await runCli(['node', 'unitcost', 'statement', '--period', '2026-03', '--mode', 'chargeback', '--db', db], close, appOptions)).toBe(2);
    expect(close.err()).toContain('is not closed, and the server does not close periods: stop `unitcost serve`, then run `unitcost statement --mode chargeback` on the store file');
  });

  it('answers simulate --json through the server, with the JSON of its /v1/simulate', async () => {
    const scenario = join(directory, 'what-if.yaml');
    writeFileSync(scenario, 'name: shorter answers\nlevers:\n  - output_cap: { feature: search, max_tokens: 150 }\n');
    const io = captureIo();
    expect(await runCli(['node', 'unitcost', 'simulate', '--scenario', scenario, '--json', '--db', db], io, appOptions)).toBe(0);
    const served = await (await fetch(`${url}/v1/simulate`, { method: 'POST', headers: { 'Content-Type': 'application/yaml' }, body: 'name: shorter answers\nlevers:\n  - output_cap: { feature: search, max_tokens: 150 }\n' })).json();
    expect(JSON.parse(io.out())).toEqual(served);
  });

  it('prints the report table from the server answer as it would from the store', async () => {
    const io = captureIo();
    expect(await runCli(['node', 'unitcost', 'report', '--db', db], io, appOptions)).toBe(0);
    expect(io.out()).toContain('usage 2026-03-10 → 2026-03-12');
    expect(io.out()).toMatch(/search\s+│\s+2 │/);
    expect(io.out()).toContain('Pareto:');
  });

  it('refuses ingest with where the server is and how to send it events, never DuckDB\'s lock text', async () => {
    const file = join(directory, 'events.jsonl');
    writeFileSync(file, `${JSON.stringify({ id: 'i1', timestamp: '2026-03-12T10:00:00Z', provider: 'openai', model: 'gpt-4o-mini', input_tokens: 10, output_tokens: 1 })}\n`);
    const io = captureIo();
    expect(await runCli(['node', 'unitcost', 'ingest', file, '--db', db], io, appOptions)).not.toBe(0);
    expect(io.err()).toContain(`the store ${db} is open in \`unitcost serve\``);
    expect(io.err()).toContain(`${url}/v1/events`);
    expect(io.err()).not.toMatch(/Could not set lock|Conflicting lock/);
  });
});
