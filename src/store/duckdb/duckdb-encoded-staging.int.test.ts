import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeRows, PartDictionary, type EncodedRows } from '../encoded-rows.js';
import { unpricedUsageRow, usageRow } from '../store-contract.js';
import type { EventBatch, OpenBatch } from '../event-writer.js';
import type { StoredOutcomeRow, StoredRevenueRow, StoredUsageRow } from '../stored-rows.js';
import { outcomeColumns, revenueColumns, usageStagedColumns } from './duckdb-staged-columns.js';
import { DuckdbStore } from './duckdb-store.js';

/*
 * Rows a conversion worker encodes as columns (encoded-rows.ts) must be stored exactly as the same rows
 * added as objects: every value and null, coded strings across parts with their own dictionaries, and the
 * same duplicates and conflicts, within the batch and with stored rows, with the same sources.
 */

const directory = mkdtempSync(join(tmpdir(), 'unitcost-encoded-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const start = Date.parse('2026-03-01T00:00:00Z');
const rowCount = 4_500;
// Positions at the edges of a validity word (64 rows) and of a data chunk (2,048 rows).
const edges = new Set([0, 1, 62, 63, 64, 65, 127, 128, 2_046, 2_047, 2_048, 2_049, 4_095, 4_096, rowCount - 1]);
const sources = ['events.jsonl:1', 'x:012', 'file:', 'no-colon', 'events.jsonl:2', null];

function usageAt(index: number): StoredUsageRow {
  const nulls = edges.has(index) || index % 7 === 3;
  return {
    ...(index % 5 === 0 ? unpricedUsageRow() : usageRow()),
    id: `call-${String(index).padStart(5, '0')}`,
    contentHash: `hash-${index}`,
    timestampMs: start + index * 1000,
    feature: nulls ? null : index % 3 === 0 ? 'support-bot' : 'summarizer',
    userId: index % 11 === 0 ? null : `user-${index % 13}`,
    sessionId: nulls ? null : `session-${index}`,
    taskId: index % 2 === 0 ? null : `task-${index >> 1}`,
    step: nulls ? null : index % 4,
    latencyMs: nulls ? null : index + 0.5,
    reportedCostUsd: nulls ? null : index / 1e6,
    source: sources[index % sources.length]!,
  };
}

const outcomeAt = (index: number): StoredOutcomeRow => ({
  taskId: `task-${index}`,
  outcome: index % 3 === 0 ? 'failure' : 'success',
  timestampMs: start + index * 1000,
  feature: index % 2 === 0 ? null : 'summarizer',
  contentHash: `outcome-hash-${index}`,
  source: sources[index % sources.length]!,
});

const revenueAt = (index: number): StoredRevenueRow => ({
  id: `revenue-${index}`,
  userId: `user-${index % 13}`,
  // Above 2^53 picodollars: must stay exact.
  amountPicodollars: 9_007_199_254_740_993n + BigInt(index),
  timestampMs: start + index * 1000,
  feature: null,
  userTier: index % 2 === 0 ? 'pro' : null,
  contentHash: `revenue-hash-${index}`,
  source: sources[index % sources.length]!,
});

/** What the conversion worker sends for one part: its rows as columns, with a dictionary of its own. */
function encoded(batch: Required<Pick<EventBatch, 'usage' | 'outcomes' | 'revenue'>>): EncodedRows {
  const dictionary = new PartDictionary();
  const usage = encodeRows(batch.usage, usageStagedColumns, dictionary);
  const outcomes = encodeRows(batch.outcomes, outcomeColumns, dictionary);
  const revenue = encodeRows(batch.revenue, revenueColumns, dictionary);
  return { dictionary: dictionary.values, usage, outcomes, revenue };
}

type Part = Required<Pick<EventBatch, 'usage' | 'outcomes' | 'revenue'>>;

/** Adds the parts as rows to one store and encoded to another, commits both, and returns both outcomes and stored rows. */
async function bothWays(name: string, parts: Part[], before: Part[] = []) {
  const results = [];
  for (const way of ['rows', 'encoded'] as const) {
    const store = await DuckdbStore.open(join(directory, `${name}-${way}.duckdb`), { threads: 1 });
    try {
      for (const part of before) await store.appendBatch(part);
      const batch: OpenBatch = await store.openBatch({ listDuplicates: true });
      for (const part of parts) {
        if (way === 'rows') await batch.add(part);
        else await batch.addEncoded!(encoded(part), []);
      }
      const outcome = await batch.commit();
      results.push({
        outcome,
        usage: (await store.scanRecords('usage', '2026-03', null, 100_000)).rows,
        outcomes: (await store.scanRecords('outcomes', '2026-03', null, 100_000)).rows,
        revenue: (await store.scanRecords('revenue', '2026-03', null, 100_000)).rows,
      });
    } finally {
      await store.close();
    }
  }
  return { rows: results[0]!, encoded: results[1]! };
}

describe('DuckDB staging of encoded rows', () => {
  it('stores every value, null, code and source as the rows themselves, across parts, validity words and data chunks', async () => {
    const usage = Array.from({ length: rowCount }, (_, index) => usageAt(index));
    const outcomes = Array.from({ length: 300 }, (_, index) => outcomeAt(index));
    const revenue = Array.from({ length: 70 }, (_, index) => revenueAt(index));
    const parts: Part[] = [
      { usage: usage.slice(0, 3_000), outcomes: outcomes.slice(0, 100), revenue: revenue.slice(0, 30) },
      { usage: usage.slice(3_000), outcomes: outcomes.slice(100), revenue: revenue.slice(30) },
    ];
    const { rows, encoded: viaColumns } = await bothWays('values', parts);
    expect(viaColumns.outcome.usage).toMatchObject({ inserted: rowCount, duplicates: 0, conflicts: [] });
    expect(viaColumns.usage).toEqual(usage);
    expect(viaColumns.outcomes).toEqual(outcomes);
    expect(viaColumns.revenue).toEqual(revenue);
    expect(viaColumns).toEqual(rows);
  });

  it('finds the same repeats and conflicts within the batch and with stored rows, named by the same sources', async () => {
    const usage = Array.from({ length: 3_000 }, (_, index) => usageAt(index));
    const stored: Part = { usage: usage.slice(0, 10), outcomes: [outcomeAt(1)], revenue: [revenueAt(1)] };
    const parts: Part[] = [
      // Stored copies (duplicates), a stored id with other content (conflict), and new rows.
      { usage: [...usage.slice(0, 5), { ...usage[5]!, contentHash: 'changed', source: 'events.jsonl:6' }, ...usage.slice(10, 2_100)], outcomes: [outcomeAt(1), outcomeAt(2)], revenue: [{ ...revenueAt(1), contentHash: 'changed' }] },
      // Repeats within the batch: exact (duplicates) and with other content (conflicts), after the first chunk.
      {
        usage: [...usage.slice(2_100), usage[2_050]!, { ...usage[2_060]!, contentHash: 'other', source: 'late.jsonl:77' }, { ...usage[2_070]!, source: null, contentHash: 'other' }],
        outcomes: [outcomeAt(2), { ...outcomeAt(2), contentHash: 'other', source: 'o.jsonl:9' }],
        revenue: [],
      },
    ];
    const { rows, encoded: viaColumns } = await bothWays('conflicts', parts, [stored]);
    expect(viaColumns.outcome.usage.duplicates).toBe(6);
    expect(viaColumns.outcome.usage.conflicts.map((conflict) => conflict.source)).toEqual(['events.jsonl:6', 'late.jsonl:77', null]);
    expect(viaColumns.outcome.outcomes.conflicts.map((conflict) => conflict.source)).toEqual(['o.jsonl:9']);
    expect(viaColumns.outcome.revenue.conflicts).toHaveLength(1);
    expect(viaColumns).toEqual(rows);
  });
});
