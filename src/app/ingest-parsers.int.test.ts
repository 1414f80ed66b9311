import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { DuckdbStore } from '../store/duckdb/duckdb-store.js';
import { createApp } from './create-app.js';
import { writeDemoJsonl } from './demo-service.js';
import { ingestFiles, type IngestOptions } from './ingest-service.js';

/*
 * The two parsers of JSON lines, JavaScript and DuckDB ('sql'), must store the very same rows: the same
 * ids (derived ones included), content hashes, costs per token class, prices, sources and record keys,
 * and write the same reject file, so that a file ingested by one is a duplicate for the other.
 */

const now = new Date('2026-03-10T00:00:00Z');
const directory = mkdtempSync(join(tmpdir(), 'unitcost-parsers-'));
const app = createApp({ directory, environment: {}, now: () => now });
let counter = 0;

const stores: DuckdbStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

async function openStore(): Promise<{ store: DuckdbStore; path: string }> {
  counter += 1;
  const path = join(directory, `store-${counter}.duckdb`);
  const store = await DuckdbStore.open(path, { threads: 2 });
  stores.push(store);
  return { store, path };
}

const at = (minutes: number): string => new Date(Date.parse('2026-02-20T10:00:00Z') + minutes * 60_000).toISOString();
const line = (record: Record<string, unknown>): string => JSON.stringify(record);

// What the demo does not hold: every kind of bad line, repeats, and the corners of reading and pricing.
const extraLines = [
  line({ id: 'dup-1', timestamp: at(1), provider: 'anthropic', model: 'claude-sonnet-4-5', input_tokens: 5000, cache_read_tokens: 1000, cache_write_tokens: 3000, cache_write_1h_tokens: 1000, output_tokens: 400, reasoning_tokens: 100, feature: 'agent', attributes: { b: 2, a: 'x', n: null, ok: true, ratio: 0.25 } }),
  line({ id: 'dup-1', timestamp: at(1), provider: 'anthropic', model: 'claude-sonnet-4-5', input_tokens: 5000, cache_read_tokens: 1000, cache_write_tokens: 3000, cache_write_1h_tokens: 1000, output_tokens: 400, reasoning_tokens: 100, feature: 'agent', attributes: { b: 2, a: 'x', n: null, ok: true, ratio: 0.25 } }),
  line({ id: 'dup-1', timestamp: at(2), provider: 'anthropic', model: 'claude-sonnet-4-5', input_tokens: 9, output_tokens: 1 }),
  '{"timestamp":"' + at(3) + '","model":"gpt-4o-mini","input_tokens":10,"output_tokens":1,"feature":"caf\u00e9 \\"quoted\\"","latency_ms":1e3}',
  '{"timestamp":"' + at(4) + '","model":"gpt-4o-mini","input_tokens":12,"output_tokens":2,"latency_ms":12.0,"cost_usd":0.0000012,"time_to_first_token_ms":0.5}',
  line({ timestamp: at(5), provider: 'google', model: 'gemini-2.5-pro', input_tokens: 250_000, cache_read_tokens: 10_000, output_tokens: 2000, reasoning_tokens: 500, feature: 'long-context' }),
  line({ timestamp: at(6), provider: 'openai', model: 'gpt-4o-mini-audio-preview', input_tokens: 800, input_audio_tokens: 300, output_tokens: 200, output_audio_tokens: 150, step: 3, status: 'error', response_cache: 'miss' }),
  line({ timestamp: at(7), model: 'model-nobody-knows', input_tokens: 100, output_tokens: 10, feature: 'labs' }),
  line({ timestamp: '2026-02-20 10:08:00+02:00', model: 'gpt-4o-mini', input_tokens: 100, output_tokens: 10 }),
  line({ timestamp: '2026-02-20T10:09:00.123456Z', model: 'gpt-4o-mini', input_tokens: 100, output_tokens: 10, schema_version: 1, type: 'usage' }),
  '{"timestamp":"' + at(10) + '","model":"gpt-4o-mini","model":"gpt-4o","input_tokens":100,"output_tokens":10}',
  line({ timestamp: at(11), model: 'gpt-4o-mini', input_tokens: 100, output_tokens: 10, type: null }),
  line({ timestamp: at(12), model: 'gpt-4o-mini', input_tokens: 100, output_tokens: 10, attributes: { '1': 'first', z: 'last' } }),
  line({ type: 'outcome', task_id: 'extra-task', outcome: 'success', timestamp: at(13), attributes: { kind: 'manual' } }),
  line({ type: 'outcome', task_id: 'extra-task', outcome: 'failure', timestamp: at(14) }),
  line({ type: 'revenue', user_id: 'u-1', amount_usd: 19.99, timestamp: at(15) }),
  '',
  '   ',
  '{"timestamp":"' + at(16) + '","model":"gpt-4o-mini","input_tokens":100,"output_tokens":10}\r',
  '{not json',
  '{"timestamp":"' + at(26) + '","model":"gpt-4o-mini","input_tokens":100,"output_tokens":10,}',
  '{"timestamp":"' + at(27) + '","model":"gpt-4o-mini","input_tokens":100,"output_tokens":10,"latency_ms":NaN}',
  '[1, 2]',
  line({ timestamp: at(17), model: 'gpt-4o-mini', input_tokens: -5, output_tokens: 10 }),
  line({ timestamp: at(18), model: 'gpt-4o-mini', input_tokens: 100, cache_read_tokens: 200, output_tokens: 10 }),
  line({ timestamp: at(19), model: 'gpt-4o-mini', input_tokens: 100.5, output_tokens: 10 }),
  line({ timestamp: '2026-02-30T10:00:00Z', model: 'gpt-4o-mini', input_tokens: 100, output_tokens: 10 }),
  line({ timestamp: '2026-02-20T24:00:00Z', model: 'gpt-4o-mini', input_tokens: 100, output_tokens: 10 }),
  line({ timestamp: '2027-01-01T00:00:00Z', model: 'gpt-4o-mini', input_tokens: 100, output_tokens: 10 }),
  line({ timestamp: at(20), model: 'gpt-4o-mini', input_tokens: '100', output_tokens: 10 }),
  line({ timestamp: at(21), model: '', input_tokens: 100, output_tokens: 10 }),
  line({ timestamp: at(22), model: 'gpt-4o-mini', prompt_tokens: 100, output_tokens: 10 }),
  line({ timestamp: at(23), model: 'gpt-4o-mini', input_tokens: 100, output_tokens: 10, status: 'done' }),
  line({ timestamp: at(24), model: 'gpt-4o-mini', usage_format: 'openai-chat', usage: { prompt_tokens: 70, completion_tokens: 7, prompt_tokens_details: { cached_tokens: 20 } } }),
  line({ timestamp: at(25), model: 'gpt-4o-mini', input_tokens: 1, output_tokens: 1, attributes: { nested: { no: 1 } } }),
];

async function writeFixture(): Promise<string> {
  counter += 1;
  const demo = join(directory, `demo-${counter}.jsonl`);
  await writeDemoJsonl(demo, { events: 3000, days: 10, endMs: Date.parse('2026-03-01T00:00:00Z'), seed: 7 });
  const lines = readFileSync(demo, 'utf8').trimEnd().split('\n');
  // The extra lines in the middle, so that they fall in a batch with demo lines on either side.
  lines.splice(1200, 0, ...extraLines);
  writeFileSync(demo, `${lines.join('\n')}\n${line({ id: 'dup-1', timestamp: '2026-02-28T10:00:00Z', model: 'gpt-4o-mini', input_tokens: 1, output_tokens: 1 })}`);
  return demo;
}

async function ingest(path: string, options: IngestOptions): Promise<{ path: string; result: Awaited<ReturnType<typeof ingestFiles>>; rejects: string; sqlBatches: number }> {
  const { store, path: storePath } = await openStore();
  const rejects = `${storePath}.rejects.jsonl`;
  // Counts the batches DuckDB parsed, so that a test cannot pass by falling back to JavaScript unseen.
  let sqlBatches = 0;
  const open = store.openJsonLinesBatch.bind(store);
  store.openJsonLinesBatch = (batchOptions) => {
    sqlBatches += 1;
    return open(batchOptions);
  };
  const result = await ingestFiles(app, store, [path], { rejects, batchSize: 700, ...options });
  await store.close();
  stores.splice(stores.indexOf(store), 1);
  return { path: storePath, result, rejects: readFileSync(rejects, 'utf8'), sqlBatches };
}

// Rows of every table in one store and not in the other, both ways.
async function differences(first: string, second: string): Promise<Record<string, number>> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(`ATTACH '${first}' AS first (READ_ONLY)`);
  await connection.run(`ATTACH '${second}' AS second (READ_ONLY)`);
  const found: Record<string, number> = {};
  for (const table of ['usage_events', 'task_outcomes', 'revenue', 'prices', 'record_keys']) {
    const result = await connection.runAndReadAll(
      `SELECT (SELECT count(*) FROM (SELECT * FROM first.${table} EXCEPT ALL SELECT * FROM second.${table})) + (SELECT count(*) FROM (SELECT * FROM second.${table} EXCEPT ALL SELECT * FROM first.${table})) AS differing, (SELECT count(*) FROM first.${table}) AS total`,
    );
    const row = result.getRowObjects()[0]!;
    found[table] = Number(row.differing);
    found[`${table} rows`] = Number(row.total);
  }
  connection.closeSync();
  instance.closeSync();
  return found;
}

describe('the JavaScript and DuckDB parsers of JSON lines', () => {
  it('store identical rows, totals and rejects for demo traffic with bad lines, unknown models, raw usage and repeats', async () => {
    const fixture = await writeFixture();
    const javascript = await ingest(fixture, { parser: 'js' });
    const sql = await ingest(fixture, { parser: 'sql' });
    expect(javascript.sqlBatches).toBe(0);
    expect(sql.sqlBatches).toBe(Math.ceil(javascript.result.totals.lines / 700));
    expect(sql.result.totals).toEqual(javascript.result.totals);
    expect(javascript.result.totals.rejected).toBe(16);
    expect(javascript.result.totals.conflicts).toBe(3);
    expect(javascript.result.totals.duplicates).toBe(1);
    expect(javascript.result.totals.unpriced).toBeGreaterThan(0);
    // The same lines; their order may differ, as a batch's conflicts are written when its commit returns.
    const sorted = (text: string): string[] => text.trimEnd().split('\n').sort();
    expect(sorted(sql.rejects)).toEqual(sorted(javascript.rejects));
    expect(sql.rejects).toContain(`"source":"${fixture.split('/').at(-1)}:1223"`);
    const found = await differences(javascript.path, sql.path);
    expect(found).toMatchObject({ usage_events: 0, task_outcomes: 0, revenue: 0, prices: 0, record_keys: 0 });
    expect(found['usage_events rows']).toBe(javascript.result.totals.acceptedCalls);
  }, 60_000);

  it('store identical rows from a gzipped file, and each finds the other\'s rows already stored', async () => {
    const fixture = await writeFixture();
    counter += 1;
    const gzipped = join(directory, `fixture-${counter}.jsonl.gz`);
    writeFileSync(gzipped, gzipSync(readFileSync(fixture)));
    const javascript = await ingest(gzipped, { parser: 'js' });
    const sql = await ingest(gzipped, { parser: 'sql' });
    expect(sql.sqlBatches).toBeGreaterThan(1);
    expect(sql.result.totals).toEqual(javascript.result.totals);
    expect(await differences(javascript.path, sql.path)).toMatchObject({ usage_events: 0, task_outcomes: 0, revenue: 0, prices: 0, record_keys: 0 });

    const store = await DuckdbStore.open(sql.path, { threads: 2 });
    stores.push(store);
    const again = await ingestFiles(app, store, [gzipped], { rejects: join(directory, `again-${counter}.rejects.jsonl`), parser: 'js' });
    expect(again.totals.accepted).toBe(0);
    expect(again.totals.duplicates).toBe(javascript.result.totals.accepted + javascript.result.totals.duplicates);
  }, 60_000);
});
