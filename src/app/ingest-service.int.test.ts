import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DuckdbStore } from '../store/duckdb/duckdb-store.js';
import { createApp } from './create-app.js';
import { ingestFiles } from './ingest-service.js';
import { repriceCalls } from './reprice-service.js';

const now = new Date('2026-03-10T00:00:00Z');
const directory = mkdtempSync(join(tmpdir(), 'unitcost-ingest-'));
let fileNumber = 0;

function file(name: string, content: string | Buffer): string {
  fileNumber += 1;
  const path = join(directory, `${fileNumber}-${name}`);
  writeFileSync(path, content);
  return path;
}

function call(index: number, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    timestamp: new Date(Date.parse('2026-03-01T00:00:00Z') + index * 1000).toISOString(),
    provider: 'openai',
    model: 'gpt-4o-mini',
    input_tokens: 1000 + index,
    cache_read_tokens: 200,
    output_tokens: 50,
    feature: 'support-bot',
    user_id: `user-${index % 3}`,
    task_id: `task-${index}`,
    ...overrides,
  });
}

/** Lines of calls where every fifth line is the outcome of the call before it: parts of 64 lines hold 51 or 52 calls. */
function callsAndOutcomes(count: number): string[] {
  return Array.from({ length: count }, (_, index) =>
    index % 5 === 4 ? JSON.stringify({ type: 'outcome', task_id: `task-${index - 1}`, outcome: 'success', timestamp: '2026-03-01T01:00:00Z' }) : call(index),
  );
}

const stores: DuckdbStore[] = [];
async function openTestStore(): Promise<DuckdbStore> {
  fileNumber += 1;
  const store = await DuckdbStore.open(join(directory, `store-${fileNumber}.duckdb`), { threads: 1 });
  stores.push(store);
  return store;
}
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

const app = createApp({ directory, environment: {}, now: () => now });

describe('ingestFiles', () => {
  it('stores every valid line, and a second ingest of the same file changes nothing', async () => {
    const lines = [...Array.from({ length: 250 }, (_, index) => call(index)), JSON.stringify({ type: 'outcome', task_id: 'task-1', outcome: 'success', timestamp: '2026-03-01T00:10:00Z' })];
    const path = file('events.jsonl', `${lines.join('\n')}\n`);
    const store = await openTestStore();
    const first = await ingestFiles(app, store, [path], { batchSize: 64 });
    expect(first.totals).toMatchObject({ lines: 251, accepted: 251, acceptedCalls: 250, acceptedOutcomes: 1, duplicates: 0, conflicts: 0, rejected: 0, unpriced: 0 });
    const counts = await store.counts();
    const second = await ingestFiles(app, store, [path], { batchSize: 100 });
    expect(second.totals).toMatchObject({ accepted: 0, duplicates: 251, conflicts: 0, rejected: 0 });
    expect(await store.counts()).toEqual(counts);
    expect(counts.usageEvents).toBe(250);
    expect(counts.costTotalPicodollars).toBeGreaterThan(0n);
  });

  it('closes each batch at exactly its size in calls, the rest of the part opening the next batch', async () => {
    // Two parts of 64 lines overshoot a batch of 64 calls.
    const lines = callsAndOutcomes(400);
    const path = file('batches.jsonl', `${lines.join('\n')}\n`);
    const store = await openTestStore();
    const committedCalls: number[] = [];
    const result = await ingestFiles(app, store, [path], { batchSize: 64 }, (progress) => committedCalls.push(progress.totals.acceptedCalls));
    const perBatch = committedCalls.map((calls, index) => calls - (committedCalls[index - 1] ?? 0));
    expect(perBatch).toEqual([64, 64, 64, 64, 64]);
    expect(result.totals).toMatchObject({ lines: 400, acceptedCalls: 320, acceptedOutcomes: 80 });
    expect(await store.counts()).toMatchObject({ usageEvents: 320, outcomes: 80 });
  });

  it('loads through the store bulk-load setup, so DuckDB runs it with fewer threads', async () => {
    const store = await openTestStore();
    const bulkLoad = vi.spyOn(store, 'duringBulkLoad');
    const result = await ingestFiles(app, store, [file('bulk.jsonl', `${call(1)}\n`)]);
    expect(bulkLoad).toHaveBeenCalledTimes(1);
    expect(result.totals.acceptedCalls).toBe(1);
  });

  it('when stopped, commits the calls of a part split across batches before it stops', async () => {
    const lines = callsAndOutcomes(400);
    const path = file('stopped.jsonl', `${lines.join('\n')}\n`);
    const store = await openTestStore();
    const stop = new AbortController();
    const result = await ingestFiles(app, store, [path], { batchSize: 64, signal: stop.signal }, () => stop.abort());
    expect(result.interrupted).toBe(true);
    // Every call of the lines reported as read is stored, the split part's last calls included.
    const callsRead = lines.slice(0, result.totals.lines).filter((line) => !line.includes('"outcome"')).length;
    expect(result.totals.lines).toBeLessThan(400);
    expect(result.totals.acceptedCalls).toBe(callsRead);
    expect((await store.counts()).usageEvents).toBe(callsRead);
  });

  it('reads gzip by its magic bytes whatever the name, and stdin for -', async () => {
    const text = `${[call(1), call(2)].join('\n')}\n`;
    const store = await openTestStore();
    const gzipped = await ingestFiles(app, store, [file('named-plain.jsonl', gzipSync(text))]);
    expect(gzipped.totals.acceptedCalls).toBe(2);
    const piped = await ingestFiles(app, store, ['-'], { stdin: Readable.from([gzipSync(`${call(3)}\n`)]), rejects: join(directory, 'stdin.rejects.jsonl') });
    expect(piped.totals.acceptedCalls).toBe(1);
    expect((await store.counts()).usageEvents).toBe(3);
  });

  it('reads CSV by its header, with attributes columns, JSON usage and quoted cells', async () => {
    const csv = [
      'timestamp,provider,model,input_tokens,output_tokens,feature,attributes.region,usage,usage_format',
      '2026-03-01T00:00:00Z,openai,gpt-4o-mini,1000,20,"support, tier 1",eu,,',
      '2026-03-01T00:00:01Z,openai,gpt-4o-mini,,,chat,us,"{""prompt_tokens"":900,""completion_tokens"":12}",openai-chat',
      '2026-03-01T00:00:02Z,openai,gpt-4o-mini,-5,20,chat,,,',
    ].join('\r\n');
    const store = await openTestStore();
    const rejects = join(directory, 'csv.rejects.jsonl');
    const result = await ingestFiles(app, store, [file('calls.csv', csv)], { rejects });
    expect(result.totals).toMatchObject({ acceptedCalls: 2, rejected: 1 });
    expect(JSON.parse(readFileSync(rejects, 'utf8').trim())).toMatchObject({ source: expect.stringMatching(/calls\.csv:4$/), field: 'input_tokens' });
  });

  it('rejects bad lines with their line and field, keeps every valid one, and reports conflicts', async () => {
    const lines = [
      call(0, { id: 'fixed-id' }),
      '{"timestamp": "2026-03-01T00:00:00Z", "model": ',
      call(2, { input_tokens: undefined }),
      call(3, { output_tokens: -1 }),
      call(4, { input_tokens: 10.5 }),
      call(5, { input_tokens: 100, cache_read_tokens: 500 }),
      call(6, { timestamp: 'yesterday' }),
      call(7, { timestamp: '2031-01-01T00:00:00Z' }),
      call(8, { model: 'in-house-llm', provider: undefined }),
      call(0, { id: 'fixed-id', output_tokens: 999 }),
      call(10),
    ];
    const store = await openTestStore();
    const rejectsPath = join(directory, 'bad.rejects.jsonl');
    const result = await ingestFiles(app, store, [file('bad.jsonl', lines.join('\n'))], { rejects: rejectsPath });
    expect(result.totals).toMatchObject({ lines: 11, acceptedCalls: 3, rejected: 7, conflicts: 1, unpriced: 1 });
    expect(result.rejectsPath).toBe(rejectsPath);
    const rejects = readFileSync(rejectsPath, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { source: string; field: string; reason: string });
    const where = rejects.map((reject) => `${reject.source.split('-').at(-1)} ${reject.field}`);
    expect(where).toEqual([
      'bad.jsonl:2 ',
      'bad.jsonl:3 input_tokens',
      'bad.jsonl:4 output_tokens',
      'bad.jsonl:5 input_tokens',
      'bad.jsonl:6 cache_read_tokens',
      'bad.jsonl:7 timestamp',
      'bad.jsonl:8 timestamp',
      'bad.jsonl:10 id',
    ]);
    expect(rejects[0]!.reason).toMatch(/not valid JSON/);
    expect(rejects[6]!.reason).toMatch(/future/);
    expect(await store.counts()).toMatchObject({ usageEvents: 3, unpricedEvents: 1 });
  });

  it('stores an unknown model unpriced, and reprice prices it once the config knows the model', async () => {
    const store = await openTestStore();
    const path = file('unknown.jsonl', [call(1, { model: 'in-house-llm', provider: undefined, cache_read_tokens: 0 }), call(2)].join('\n'));
    await ingestFiles(app, store, [path]);
    const before = await store.counts();
    expect(before.unpricedEvents).toBe(1);
    const unchanged = await repriceCalls(app, store);
    expect(unchanged.totals).toMatchObject({ calls: 2, repriced: 0, newlyPriced: 0, unpricedAfter: 1 });
    const configDirectory = mkdtempSync(join(tmpdir(), 'unitcost-config-'));
    writeFileSync(join(configDirectory, 'unitcost.config.json'), JSON.stringify({ models: [{ id: 'in-house-llm', prices: { input: 1, output: 2 } }] }));
    const configured = createApp({ directory: configDirectory, environment: {}, now: () => now });
    const moved = await repriceCalls(configured, store, { from: new Date('2026-03-01T00:00:00Z') });
    // 1001 input tokens at $1/M and 50 output tokens at $2/M.
    const expected = 1001n * 1_000_000n + 50n * 2_000_000n;
    expect(moved.totals).toMatchObject({ calls: 2, repriced: 1, newlyPriced: 1, unpricedAfter: 0 });
    expect(moved.totals.newTotalPicodollars - moved.totals.oldTotalPicodollars).toBe(expected);
    expect(await store.counts()).toMatchObject({ unpricedEvents: 0, costTotalPicodollars: before.costTotalPicodollars + expected });
  });
});
