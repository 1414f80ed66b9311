import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bulkLoadThreads, DuckdbStore } from './duckdb-store.js';

const directory = mkdtempSync(join(tmpdir(), 'unitcost-bulk-load-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

async function threadsOf(store: DuckdbStore): Promise<number> {
  return Number((await store.database.connection.runAndReadAll("SELECT current_setting('threads')")).getRows()[0]![0]);
}

describe('a bulk load on DuckDB', () => {
  it('leaves DuckDB the cores its two JavaScript threads do not take, at least one', () => {
    expect([1, 2, 3, 4, 8].map(bulkLoadThreads)).toEqual([1, 1, 1, 2, 6]);
  });

  it('runs with those threads and restores the store setting afterwards, also when the load fails', async () => {
    const store = await DuckdbStore.open(join(directory, 'bulk.duckdb'), { threads: 16 });
    try {
      const during = await store.duringBulkLoad(() => threadsOf(store));
      expect(during).toBe(bulkLoadThreads(availableParallelism()));
      expect(await threadsOf(store)).toBe(16);
      await expect(store.duringBulkLoad(() => Promise.reject(new Error('the load failed')))).rejects.toThrow('the load failed');
      expect(await threadsOf(store)).toBe(16);
    } finally {
      await store.close();
    }
  });

  it('never raises a store opened with fewer threads', async () => {
    const store = await DuckdbStore.open(join(directory, 'one-thread.duckdb'), { threads: 1 });
    try {
      expect(await store.duringBulkLoad(() => threadsOf(store))).toBe(1);
    } finally {
      await store.close();
    }
  });
});
