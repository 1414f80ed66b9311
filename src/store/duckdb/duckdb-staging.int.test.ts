import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unpricedUsageRow, usageRow } from '../store-contract.js';
import type { StoredOutcomeRow, StoredUsageRow } from '../stored-rows.js';
import { DuckdbStore } from './duckdb-store.js';

/*
 * Staging writes whole typed arrays into DuckDB's vectors, with a validity mask only for a column that
 * has nulls, and splits each source into a coded file name and a line number (duckdb-staging.ts,
 * duckdb-event-columns.ts). These read every row back to prove nothing is lost on the way: nulls on
 * either side of a 64-row validity word and of a 2,048-row data chunk, repeated and alternating coded
 * values, and sources that only look like "file:line".
 */

const directory = mkdtempSync(join(tmpdir(), 'unitcost-staging-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const start = Date.parse('2026-03-01T00:00:00Z');
const rowCount = 4_500;
// Positions at the edges of a validity word (64 rows) and of a data chunk (2,048 rows).
const edges = new Set([0, 1, 62, 63, 64, 65, 127, 128, 2_046, 2_047, 2_048, 2_049, 4_095, 4_096, rowCount - 1]);
const sources = ['events.jsonl:1', 'events.jsonl:0', 'dir:with:colons.jsonl:12', 'x:012', 'file:', ':5', 'no-colon', 'f:12345678901234567', 'events.jsonl:2', '', null];

function rowAt(index: number): StoredUsageRow {
  const id = `call-${String(index).padStart(5, '0')}`;
  const nulls = edges.has(index) || index % 7 === 3;
  const base = index % 5 === 0 ? unpricedUsageRow() : usageRow();
  return {
    ...base,
    id,
    contentHash: `hash-${index}`,
    timestampMs: start + index * 1000,
    // A coded value that repeats, changes, and comes back after a null.
    feature: nulls ? null : index % 3 === 0 ? 'support-bot' : 'summarizer',
    team: nulls ? null : 'support',
    userId: index % 11 === 0 ? null : `user-${index % 13}`,
    sessionId: nulls ? null : `session-${index}`,
    taskId: index % 2 === 0 ? null : `task-${index >> 1}`,
    step: nulls ? null : index % 4,
    latencyMs: nulls ? null : index + 0.5,
    timeToFirstTokenMs: index % 64 === 63 ? null : index,
    responseCache: nulls ? null : 'miss',
    reportedCostUsd: nulls ? null : index / 1e6,
    attributes: nulls ? null : `{"n":${index % 2}}`,
    retryOf: index % 97 === 0 ? `call-${index - 1}` : null,
    source: sources[index % sources.length]!,
  };
}

describe('DuckDB staging', () => {
  it('stores every value, null and source exactly, across validity words and data chunks', async () => {
    const store = await DuckdbStore.open(join(directory, 'rows.duckdb'), { threads: 1 });
    try {
      const rows = Array.from({ length: rowCount }, (_, index) => rowAt(index));
      // In parts, as ingest adds them, so that codes and row indexes continue from one part to the next.
      const batch = await store.openBatch();
      await batch.add({ usage: rows.slice(0, 3_000) });
      await batch.add({ usage: rows.slice(3_000) });
      expect((await batch.commit()).usage).toEqual({ inserted: rowCount, duplicates: 0, conflicts: [] });
      const stored = (await store.scanRecords('usage', '2026-03', null, rowCount + 1)).rows;
      expect(stored).toHaveLength(rowCount);
      expect(stored).toEqual(rows);
    } finally {
      await store.close();
    }
  });

  it('names a conflict by its exact source when the line number is ambiguous', async () => {
    const store = await DuckdbStore.open(join(directory, 'conflicts.duckdb'), { threads: 1 });
    try {
      const outcome = (taskId: string, contentHash: string, source: string | null): StoredOutcomeRow => ({ taskId, outcome: 'success', timestampMs: start, feature: null, contentHash, source });
      await store.appendBatch({ outcomes: [outcome('task-a', 'h-1', 'a.jsonl:1'), outcome('task-b', 'h-2', 'b.jsonl:1')] });
      const result = await store.appendBatch({ outcomes: [outcome('task-a', 'h-9', 'x:012'), outcome('task-b', 'h-8', 'dir:with:colons.jsonl:12')] });
      expect(result.outcomes.conflicts.map((conflict) => conflict.source)).toEqual(['x:012', 'dir:with:colons.jsonl:12']);
    } finally {
      await store.close();
    }
  });
});
