import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickhouseServer, type ClickhouseTestServer } from '../testing/clickhouse-server.js';
import { DuckdbStore } from '../store/duckdb/duckdb-store.js';
import { ClickhouseStore } from '../store/clickhouse/clickhouse-store.js';
import { captureIo } from './capture-io.js';
import { runCli } from './main.js';

const directory = mkdtempSync(join(tmpdir(), 'unitcost-store-copy-'));
const appOptions = { directory, environment: {}, now: () => new Date('2026-03-10T00:00:00Z') };
let server: ClickhouseTestServer;

beforeAll(async () => {
  server = await startClickhouseServer();
}, 90_000);

afterAll(async () => {
  await server?.stop();
});

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await runCli(['node', 'unitcost', ...args], io, appOptions);
  return { code, out: io.out(), err: io.err() };
}

describe('unitcost store copy', () => {
  it('copies a DuckDB store into ClickHouse and back with every month and cent intact, skips what is there, and finishes a half-copied month', async () => {
    const original = join(directory, 'original.duckdb');
    // Demo traffic over two months: calls (some unpriced), task outcomes and revenue.
    expect((await cli(['demo', '--events', '6000', '--days', '45', '--end', '2026-03-10', '--db', original])).code).toBe(0);
    const source = await DuckdbStore.open(original);
    const sourceMonths = await source.monthTotals();
    const sourceCounts = await source.counts();
    const march = await source.scanRecords('usage', '2026-03', null, 100);
    await source.close();
    expect(sourceMonths.length).toBeGreaterThanOrEqual(2);
    expect(sourceCounts.unpricedEvents).toBeGreaterThan(0);

    // A copy interrupted half-way through March: some of its calls are already in ClickHouse.
    const clickhouse = `clickhouse:${server.url}/copied`;
    const partial = await ClickhouseStore.open({ url: server.url, database: 'copied', username: 'default', password: '', origin: { url: 'test', username: 'test', password: 'test' } });
    await partial.appendUsage(march.rows);
    await partial.close();

    const copied = await cli(['store', 'copy', '--from', `duckdb:${original}`, '--to', clickhouse, '--page-size', '700', '--json']);
    expect(copied.code).toBe(0);
    const result = JSON.parse(copied.out);
    expect(result.check).toMatchObject({ passed: true, source_records: result.check.destination_records, mismatched_months: [] });
    expect(result.duplicates).toBe(100);
    expect(result.copied.usage + 100).toBe(sourceCounts.usageEvents);
    expect(copied.err).toContain('2026-03:');

    // Run again: every month already matches.
    const again = await cli(['store', 'copy', '--from', `duckdb:${original}`, '--to', clickhouse]);
    expect(again.code).toBe(0);
    expect(again.out).toContain(`(${sourceMonths.length} already copied)`);
    expect(again.out).toContain('check       passed');

    // And back into a new DuckDB file: the same months, counts and exact sums as the original.
    const back = join(directory, 'back.duckdb');
    expect((await cli(['store', 'copy', '--from', clickhouse, '--to', `duckdb:${back}`])).code).toBe(0);
    const roundTrip = await DuckdbStore.open(back);
    expect(await roundTrip.monthTotals()).toEqual(sourceMonths);
    expect(await roundTrip.counts()).toEqual(sourceCounts);
    await roundTrip.close();
  });

  it('exits 1 and names the records when the destination holds an id with other content', async () => {
    const original = join(directory, 'conflict.duckdb');
    const calls = join(directory, 'calls.jsonl');
    writeFileSync(calls, `${JSON.stringify({ id: 'call-1', timestamp: '2026-03-01T00:00:00Z', provider: 'openai', model: 'gpt-4o-mini', input_tokens: 10, output_tokens: 5 })}\n`);
    expect((await cli(['ingest', calls, '--db', original])).code).toBe(0);
    const other = join(directory, 'other.duckdb');
    writeFileSync(calls, `${JSON.stringify({ id: 'call-1', timestamp: '2026-03-01T00:00:00Z', provider: 'openai', model: 'gpt-4o-mini', input_tokens: 99, output_tokens: 5 })}\n`);
    expect((await cli(['ingest', calls, '--db', other])).code).toBe(0);
    const copied = await cli(['store', 'copy', '--from', original, '--to', `duckdb:${other}`]);
    expect(copied.code).toBe(1);
    expect(copied.out).toContain('conflicts   1: the destination holds these ids with other content and keeps its own');
    expect(copied.out).toContain('  usage call-1');
    expect(copied.out).toContain('check       FAILED in 2026-03');
  });

  it('runs ingest and reprice on ClickHouse when the config says store.backend: clickhouse, with credentials from the environment', async () => {
    const project = mkdtempSync(join(tmpdir(), 'unitcost-clickhouse-config-'));
    writeFileSync(join(project, 'unitcost.config.yaml'), ['store:', '  backend: clickhouse', '  clickhouse:', '    database: configured', '    user_env: ANALYTICS_USER', '    password_env: ANALYTICS_PASSWORD'].join('\n'));
    const calls = join(project, 'calls.jsonl');
    const line = (index: number, model: string) => JSON.stringify({ id: `call-${index}`, timestamp: '2026-03-01T00:00:00Z', provider: model === 'in-house-llm' ? undefined : 'openai', model, input_tokens: 1000, output_tokens: 100, feature: 'search' });
    writeFileSync(calls, `${[line(1, 'gpt-4o-mini'), line(2, 'in-house-llm')].join('\n')}\n`);
    const run = async (args: string[], environment: Record<string, string>) => {
      const io = captureIo();
      const code = await runCli(['node', 'unitcost', ...args], io, { directory: project, environment, now: () => new Date('2026-03-10T00:00:00Z') });
      return { code, out: io.out(), err: io.err() };
    };
    // No address: the message names both ways to give one.
    const unset = await run(['ingest', calls], {});
    expect(unset.code).toBe(2);
    expect(unset.err).toContain('store.backend is clickhouse but no address is set: add store.clickhouse.url');
    // The user the config's user_env names is refused by the server: the message names the variables to fix.
    const refused = await run(['ingest', calls], { UNITCOST_CLICKHOUSE_URL: server.url, ANALYTICS_USER: 'reader', ANALYTICS_PASSWORD: 'wrong' });
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('refused user "reader": check ANALYTICS_USER and ANALYTICS_PASSWORD');
    const environment = { UNITCOST_CLICKHOUSE_URL: server.url, ANALYTICS_USER: 'reader', ANALYTICS_PASSWORD: 'reader-secret' };
    const ingested = await run(['ingest', calls], environment);
    expect(ingested.out).toContain('accepted    2 (2 calls, 0 outcomes, 0 revenue)');
    expect(ingested.out).toContain('unpriced    1 calls');
    expect((await run(['ingest', calls, '--json'], environment)).out).toContain('"duplicates": 2');
    // A price for the unknown model in the config, then reprice: the ClickHouse rows get it.
    writeFileSync(join(project, 'unitcost.config.yaml'), ['store:', '  backend: clickhouse', '  clickhouse:', '    database: configured', '    user_env: ANALYTICS_USER', '    password_env: ANALYTICS_PASSWORD', 'models:', '  - id: in-house-llm', '    provider: self-hosted', '    prices: { input: 1, output: 4 }'].join('\n'));
    const repriced = await run(['reprice'], environment);
    expect(repriced.code).toBe(0);
    expect(repriced.out).toContain('1 of 2 calls changed cost (1 newly priced)');
    const stored = await ClickhouseStore.open({ url: server.url, database: 'configured', username: 'default', password: '', origin: { url: 'test', username: 'test', password: 'test' } });
    expect(await stored.counts()).toMatchObject({ usageEvents: 2, unpricedEvents: 0 });
    await stored.close();
  });

  it('refuses a store name it cannot read, saying how to write one', async () => {
    const refused = await cli(['store', 'copy', '--from', 'clickhouse:localhost:8123', '--to', 'x.duckdb']);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('--from clickhouse:localhost:8123: the ClickHouse address must be http:// or https://');
  });
});
