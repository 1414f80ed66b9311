import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../app/create-app.js';
import { planRateAssignments } from '../plan-rate-assignments.js';
import { DuckdbStore } from './duckdb-store.js';

const directory = mkdtempSync(join(tmpdir(), 'unitcost-json-lines-'));
const app = createApp({ directory, environment: {}, now: () => new Date('2026-03-10T00:00:00Z') });
const stores: DuckdbStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

const options = { file: 'events.jsonl', nowMs: Date.parse('2026-03-10T00:00:00Z'), pricing: (groups: Parameters<typeof planRateAssignments>[0]) => planRateAssignments(groups, app.catalog) };
const line = (record: Record<string, unknown>): string => JSON.stringify(record);

describe('a JSON-lines batch parsed by DuckDB', () => {
  it('reads the common usage events and outcomes in SQL and hands back only the other lines, numbered as in the file', async () => {
    const store = await DuckdbStore.open(join(directory, 'parse.duckdb'), { threads: 1 });
    stores.push(store);
    const batch = await store.openJsonLinesBatch(options);
    const lines = [
      line({ timestamp: '2026-03-01T10:00:00.250Z', provider: 'anthropic', model: 'claude-sonnet-4-5', input_tokens: 5000, cache_read_tokens: 1000, cache_write_tokens: 3000, cache_write_1h_tokens: 1000, output_tokens: 400, reasoning_tokens: 100, attributes: { b: 2, a: 'x', n: null, ok: true, ratio: 0.25 } }),
      line({ type: 'outcome', task_id: 'task-1', outcome: 'success', timestamp: '2026-03-01T10:01:00Z', feature: 'agent' }),
      '',
      line({ timestamp: '2026-03-01T10:02:00Z', model: 'gpt-4o-mini', usage_format: 'openai-chat', usage: { prompt_tokens: 70, completion_tokens: 7 } }),
      line({ type: 'revenue', user_id: 'u-1', amount_usd: 20, timestamp: '2026-03-01T10:03:00Z' }),
      '{not json',
      line({ timestamp: '2026-03-01T10:04:00Z', model: 'model-nobody-knows', input_tokens: 10, output_tokens: 1, latency_ms: 812.5, status: 'error' }),
    ];
    await batch.addLines(lines.slice(0, 4).join('\n'), 41);
    await batch.addLines(lines.slice(4).join('\n'), 45);
    const parsed = await batch.parse();
    expect(parsed.lineNumbers).toEqual([44, 45, 46]);
    expect(parsed.texts).toEqual([lines[3], lines[4], lines[5]]);
    expect(parsed).toMatchObject({ usage: 2, outcomes: 1, unpriced: 1 });
    const outcome = await batch.commit();
    expect(outcome.usage.inserted).toBe(2);
    expect(outcome.outcomes.inserted).toBe(1);
    const stored = await store.database.connection.runAndReadAll('SELECT source, price_id IS NULL AS unpriced, unpriced_reason IS NOT NULL AS has_reason FROM usage_events ORDER BY source');
    expect(stored.getRowObjects()).toEqual([
      { source: 'events.jsonl:41', unpriced: false, has_reason: false },
      { source: 'events.jsonl:47', unpriced: true, has_reason: true },
    ]);
  });
});
