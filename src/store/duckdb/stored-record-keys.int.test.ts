import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { usageRow } from '../store-contract.js';
import type { RecordKind } from '../event-writer.js';
import { openDuckdbDatabase } from './duckdb-database.js';
import { recordKeySql, writeRecordKeyHalves } from './duckdb-record-keys.js';
import { DuckdbStore } from './duckdb-store.js';

// The keys the server checks before it answers a batch (record-ingester.ts's intake log) are computed in
// JavaScript; the filter they are checked against is built from record_keys, computed by DuckDB. They must agree.

const directory = mkdtempSync(join(tmpdir(), 'unitcost-stored-keys-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const tables = { usage: 'usage_events', outcomes: 'task_outcomes', revenue: 'revenue' } as const;

describe("the store's record keys computed in JavaScript", () => {
  it("are DuckDB's record_keys keys, for every kind, as the filter's two halves", async () => {
    const database = await openDuckdbDatabase(join(directory, 'halves.duckdb'));
    try {
      // Ids of every shape the API takes: short, long, non-ASCII, with quotes, derived.
      const ids = [...Array.from({ length: 500 }, (_, index) => `call-${index}-${(index * 7919).toString(36)}`), 'x', 'é-ünïcode-✓', "it's", 'a'.repeat(300), 'dGhpcyBpcyBhIGRlcml2ZWQgaWQ'];
      await database.connection.run('CREATE TABLE ids (id VARCHAR)');
      const appender = await database.connection.createAppender('ids');
      for (const id of ids) {
        appender.appendVarchar(id);
        appender.endRow();
      }
      appender.closeSync();
      for (const kind of ['usage', 'outcomes', 'revenue'] as const satisfies readonly RecordKind[]) {
        const key = recordKeySql(tables[kind], 'id');
        const result = await database.connection.runAndReadAll(`SELECT id, CAST(${key} >> 32 AS INTEGER) AS high, CAST((${key} & 4294967295) - 2147483648 AS INTEGER) AS low FROM ids`);
        const fromDuckdb = result.getRows().map(([id, high, low]) => [id, Number(high), Number(low)]);
        const halves = new Int32Array(2);
        const fromJavascript = fromDuckdb.map(([id]) => {
          writeRecordKeyHalves(tables[kind], id as string, halves, 0);
          return [id, halves[0], halves[1]];
        });
        expect(fromJavascript).toEqual(fromDuckdb);
      }
    } finally {
      database.close();
    }
  });

  it('tell a store opened for small commits which records it may hold, without a query', async () => {
    const store = await DuckdbStore.open(join(directory, 'filter.duckdb'), { recordKeyFilter: true });
    try {
      await store.appendUsage(Array.from({ length: 50 }, (_, index) => usageRow({ id: `stored-${index}`, contentHash: `hash-${index}` })));
      const keys = store.storedKeys!;
      const halvesOf = (kind: RecordKind, ids: string[]): Int32Array => {
        const halves = new Int32Array(2 * ids.length);
        ids.forEach((id, index) => keys.keyOf(kind, id, halves, 2 * index));
        return halves;
      };
      expect(keys.mayHoldAny(halvesOf('usage', ['stored-7']))).toBe(true);
      expect(keys.mayHoldAny(halvesOf('usage', ['new-1', 'new-2', 'stored-49']))).toBe(true);
      expect(keys.mayHoldAny(halvesOf('usage', Array.from({ length: 1000 }, (_, index) => `new-${index}`)))).toBe(false);
      // The kind is part of the key: a revenue record with a stored call's id is another record.
      expect(keys.mayHoldAny(halvesOf('revenue', ['stored-7']))).toBe(false);
    } finally {
      await store.close();
    }
    // Without the filter the store cannot say.
    const plain = await DuckdbStore.open(join(directory, 'plain.duckdb'));
    try {
      expect(plain.storedKeys).toBeUndefined();
    } finally {
      await plain.close();
    }
  });
});
