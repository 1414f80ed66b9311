import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../app/create-app.js';
import { ingestFiles } from '../../app/ingest-service.js';
import { repriceCalls } from '../../app/reprice-service.js';
import { DuckdbStore } from './duckdb-store.js';

/*
 * Reprice computes costs in SQL; ingest computes them with the core's computeCost. Both must agree call
 * for call, over the cases that make pricing hard: long-context tiers, dated price changes, off-peak
 * daily windows, cache writes of both TTLs, reasoning and audio tokens, and unknown models.
 */

const directory = mkdtempSync(join(tmpdir(), 'unitcost-reprice-'));
const now = new Date('2026-12-31T00:00:00Z');
const models: Array<{ provider?: string; model: string }> = [
  { provider: 'anthropic', model: 'claude-sonnet-4-6' },
  { model: 'claude-sonnet-4.5' },
  { provider: 'deepseek', model: 'deepseek-v4-flash' },
  { provider: 'deepseek', model: 'deepseek-chat' },
  { provider: 'google', model: 'gemini-2.5-pro' },
  { provider: 'openai', model: 'gpt-5.6-sol' },
  { provider: 'openai', model: 'gpt-4o-mini' },
  { model: 'in-house-llm' },
];

// A small deterministic generator, so a failure names the same call every run.
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function eventsFile(count: number): string {
  const next = random(7);
  const start = Date.parse('2025-06-01T00:00:00Z');
  const span = Date.parse('2026-12-01T00:00:00Z') - start;
  const lines: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const model = models[index % models.length]!;
    const input = Math.floor(next() ** 2 * 400_000) + 10;
    const cacheRead = Math.floor(input * next() * 0.5);
    const cacheWrite = Math.floor((input - cacheRead) * next() * 0.3);
    const output = Math.floor(next() * 5000) + 1;
    lines.push(
      JSON.stringify({
        id: `call-${index}`,
        timestamp: new Date(start + Math.floor(next() * span)).toISOString(),
        ...model,
        input_tokens: input,
        cache_read_tokens: cacheRead,
        cache_write_tokens: cacheWrite,
        cache_write_1h_tokens: Math.floor(cacheWrite * next()),
        input_audio_tokens: index % 5 === 0 ? Math.floor((input - cacheRead - cacheWrite) * 0.1) : 0,
        output_tokens: output,
        reasoning_tokens: Math.floor(output * next() * 0.5),
      }),
    );
  }
  const path = join(directory, 'calls.jsonl');
  writeFileSync(path, lines.join('\n'));
  return path;
}

const costColumns = 'id, price_id, priced_provider, priced_model, unpriced_reason, cost_input, cost_cache_read, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio, cost_request, cost_total';

async function costsById(store: DuckdbStore): Promise<Record<string, unknown>[]> {
  const result = await store.database.connection.runAndReadAll(`SELECT ${costColumns} FROM usage_events ORDER BY id`);
  return result.getRowObjects().map((row) => ({ ...row, unpriced_reason: row.unpriced_reason === null ? null : 'unpriced' }));
}

const stores: DuckdbStore[] = [];
async function ingested(app: App, path: string, name: string): Promise<DuckdbStore> {
  const store = await DuckdbStore.open(join(directory, `${name}.duckdb`), { threads: 1 });
  stores.push(store);
  await ingestFiles(app, store, [path], { batchSize: 1000 });
  return store;
}
afterAll(async () => {
  for (const store of stores) await store.close();
});

describe('reprice in SQL', () => {
  const path = eventsFile(3000);
  const app = createApp({ directory, environment: {}, now: () => now });

  it('leaves every cost as ingest computed it when the catalog has not changed', async () => {
    const store = await ingested(app, path, 'unchanged');
    const before = await costsById(store);
    const moved = await repriceCalls(app, store);
    expect(moved.totals).toMatchObject({ calls: 3000, repriced: 0, newlyPriced: 0, newlyUnpriced: 0 });
    expect(moved.totals.newTotalPicodollars).toBe(moved.totals.oldTotalPicodollars);
    expect(await costsById(store)).toEqual(before);
  });

  it('agrees call for call with ingest under the new prices after a config change', async () => {
    const store = await ingested(app, path, 'before-change');
    const configDirectory = mkdtempSync(join(tmpdir(), 'unitcost-reprice-config-'));
    writeFileSync(
      join(configDirectory, 'unitcost.config.json'),
      JSON.stringify({
        models: [{ id: 'in-house-llm', prices: [{ input: 0.5, output: 1.5 }, { effective_from: '2026-01-01', input: 0.4, output: 1.2, cache_read: 0.04 }] }],
        discounts: [{ provider: 'anthropic', percent: 20, effective_from: '2026-02-01' }],
        prices: [{ model: 'openai/gpt-4o-mini', effective_from: '2026-03-01', input: 0.1, output: 0.5 }],
      }),
    );
    const changed = createApp({ directory: configDirectory, environment: {}, now: () => now });
    const moved = await repriceCalls(changed, store);
    expect(moved.totals.repriced).toBeGreaterThan(0);
    expect(moved.totals.newlyPriced).toBe(375);
    const reference = await ingested(changed, path, 'after-change');
    expect(await costsById(store)).toEqual(await costsById(reference));
    // The repriced store also keeps the price rows its calls used before: prices are history, never rewritten.
    const { prices: _before, ...repriced } = await store.counts();
    const { prices: _reference, ...expected } = await reference.counts();
    expect(repriced).toEqual(expected);
  });
});
