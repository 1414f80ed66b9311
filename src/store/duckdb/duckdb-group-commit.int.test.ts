import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { usageRow } from '../store-contract.js';
import type { StoredOutcomeRow, StoredPriceRow, StoredRevenueRow } from '../stored-rows.js';
import { openDuckdbDatabase, transactionInOneCall } from './duckdb-database.js';
import { recordKeySql } from './duckdb-record-keys.js';
import { DuckdbStore } from './duckdb-store.js';

// The commit path that HTTP ingest's group commits take (BENCHMARKS.md, "## HTTP"): one call to DuckDB when
// no staged key is stored, price rows written once, and checkpoints by row group after the commit.

const directory = mkdtempSync(join(tmpdir(), 'unitcost-group-commit-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
let opened = 0;
const storeFile = (): string => join(directory, `store-${(opened += 1)}.duckdb`);

const day = Date.parse('2026-03-10T09:00:00Z');
const calls = (prefix: string, count: number) => Array.from({ length: count }, (_, index) => usageRow({ id: `${prefix}-${index}`, contentHash: `${prefix}-hash-${index}`, timestampMs: day + index }));
const outcome = (taskId: string): StoredOutcomeRow => ({ taskId, outcome: 'success', timestampMs: day, feature: 'support-bot', contentHash: `${taskId}-hash`, source: 'http' });
const revenue = (id: string): StoredRevenueRow => ({ id, userId: 'user-1', amountPicodollars: 5_000_000n, timestampMs: day, feature: null, userTier: 'pro', contentHash: `${id}-hash`, source: 'http' });
const price = (inputRate: number): StoredPriceRow => ({
  priceId: 'custom/in-house-llm@0', provider: 'custom', model: 'in-house-llm', sources: 'config',
  inputRate, cacheReadRate: 0, cacheWrite5mRate: 0, cacheWrite1hRate: 0, outputRate: 4_000_000, reasoningRate: 0,
  inputAudioRate: 0, outputAudioRate: 0, requestFee: 0, tiers: '[]',
});
const walBytes = (file: string): number => (existsSync(`${file}.wal`) ? statSync(`${file}.wal`).size : 0);

/**
 * That the rows committed so far are in the log only, and that the commit `crossing` queues a checkpoint, which
 * empties the log: counts() runs after it, in the writer's queue.
 */
async function expectCheckpointAfter(store: DuckdbStore, file: string, crossing: () => Promise<unknown>, usageEvents: number): Promise<void> {
  const logged = walBytes(file);
  expect(logged).toBeGreaterThan(0);
  await crossing();
  expect(await store.counts()).toMatchObject({ usageEvents });
  expect(walBytes(file)).toBeLessThan(logged);
}

describe('DuckDB group commit', () => {
  it('checkpoints once a row group of rows is committed in small batches, not at every few batches', async () => {
    const file = storeFile();
    const store = await DuckdbStore.open(file, { threads: 1, checkpointRows: 1_000 });
    try {
      await store.appendBatch({ usage: calls('a', 400) });
      await store.appendBatch({ usage: calls('b', 400) });
      // 800 rows: no checkpoint yet; the third commit reaches 1,200.
      await expectCheckpointAfter(store, file, () => store.appendBatch({ usage: calls('c', 400) }), 1_200);
    } finally {
      await store.close();
    }
  });

  it('checkpoints when the rows of a table reach a row-group boundary, counting the rows stored before it opened', async () => {
    const file = storeFile();
    const first = await DuckdbStore.open(file, { threads: 1, checkpointRows: 1_000 });
    await first.appendBatch({ usage: calls('before', 600) });
    await first.close();
    const store = await DuckdbStore.open(file, { threads: 1, checkpointRows: 1_000 });
    try {
      await store.appendBatch({ usage: calls('d', 300) });
      // 900 rows: the boundary at 1,000 is not reached. The next commit crosses it, with 600 rows committed since
      // the store opened, fewer than a row group.
      await expectCheckpointAfter(store, file, () => store.appendBatch({ usage: calls('e', 300) }), 1_200);
    } finally {
      await store.close();
    }
  });

  it('stores every kind of a batch once when one of its records is already stored', async () => {
    const store = await DuckdbStore.open(storeFile(), { threads: 1 });
    try {
      const [stored] = calls('s', 1);
      await store.appendBatch({ usage: [stored!] });
      // The one-call commit finds the stored key and inserts nothing; the checked commit inserts the rest, once.
      const outcome2 = await store.appendBatch({ usage: [stored!, ...calls('fresh', 3)], outcomes: [outcome('task-1')], revenue: [revenue('revenue-1')] }, { listDuplicates: true });
      expect(outcome2.usage).toEqual({ inserted: 3, duplicates: 1, conflicts: [], duplicateIndexes: [0] });
      expect(outcome2.outcomes).toMatchObject({ inserted: 1, duplicates: 0 });
      expect(outcome2.revenue).toMatchObject({ inserted: 1, duplicates: 0 });
      // A stored outcome among fresh calls: the other way round.
      const outcome3 = await store.appendBatch({ usage: calls('later', 2), outcomes: [outcome('task-1'), outcome('task-2')] });
      expect(outcome3.usage).toMatchObject({ inserted: 2, duplicates: 0 });
      expect(outcome3.outcomes).toMatchObject({ inserted: 1, duplicates: 1 });
      expect(await store.counts()).toMatchObject({ usageEvents: 6, outcomes: 2, revenue: 1 });
    } finally {
      await store.close();
    }
  });

  it('writes a batch price row once, and again after the row was replaced another way', async () => {
    const store = await DuckdbStore.open(storeFile(), { threads: 1 });
    try {
      const prepare = vi.spyOn(store.database.connection, 'prepare');
      const priceWrites = (): number => prepare.mock.calls.filter(([sql]) => sql.includes('INTO prices')).length;
      await store.appendBatch({ usage: calls('p1', 1), prices: [price(1_000_000)] });
      await store.appendBatch({ usage: calls('p2', 1), prices: [price(1_000_000)] });
      expect(priceWrites()).toBe(1);
      // Replaced under the same id: the next batch carrying the old row writes it again, as it always did.
      await store.upsertPrices([price(2_000_000)]);
      await store.appendBatch({ usage: calls('p3', 1), prices: [price(1_000_000)] });
      expect(await store.storedPrices()).toEqual([price(1_000_000)]);
      // A changed row under an id a batch wrote is written too.
      await store.appendBatch({ usage: calls('p4', 1), prices: [price(3_000_000)] });
      expect(await store.storedPrices()).toEqual([price(3_000_000)]);
    } finally {
      await store.close();
    }
  });

  it('rolls back a one-call transaction whose statement fails, and leaves the connection usable', async () => {
    const database = await openDuckdbDatabase(storeFile(), { threads: 1 });
    try {
      const { connection } = database;
      await connection.run('CREATE TABLE t (a INTEGER PRIMARY KEY)');
      await expect(transactionInOneCall(connection, ['INSERT INTO t VALUES (1)', 'INSERT INTO t VALUES (1)'])).rejects.toThrow(/constraint/i);
      await transactionInOneCall(connection, ['INSERT INTO t VALUES (2)', 'INSERT INTO t VALUES (3)']);
      expect((await connection.runAndReadAll('SELECT list(a ORDER BY a) AS a FROM t')).getRowObjectsJson()).toEqual([{ a: [2, 3] }]);
    } finally {
      database.close();
    }
  });
  it('commits a batch while the next batch opens the store\'s second staging set', async () => {
    // The second set's tables are created when a second batch first opens. Created then, on the staging
    // connection, their CREATE ran while the first batch's commit flushed its staged rows on that same
    // connection, and DuckDB failed the flush ("unsuccessful or closed pending query result"): HTTP ingest
    // answered 500 for a group at the start of a server's life (seen on CI, 2026-12-05).
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const store = await DuckdbStore.open(storeFile(), { threads: 1 });
      try {
        const first = await store.openBatch();
        await first.add({ usage: calls(`first-${attempt}`, 300) });
        // Opening the second batch runs no statement: its tables were created with the store.
        const statements = vi.spyOn(DuckDBConnection.prototype, 'run');
        const opening = store.openBatch();
        expect(statements).not.toHaveBeenCalled();
        statements.mockRestore();
        const committed = first.commit();
        const second = await opening;
        await second.add({ usage: calls(`second-${attempt}`, 300) });
        expect((await committed).usage.inserted).toBe(300);
        expect((await second.commit()).usage.inserted).toBe(300);
        expect(await store.counts()).toMatchObject({ usageEvents: 600 });
      } finally {
        await store.close();
      }
    }
  });
});

describe('the record-key filter of a store opened for small commits', () => {
  /** Opens a store for small commits (as serve and the gateway do) on the file, runs the test on it, and closes it. */
  async function withFilteredStore(file: string, test: (store: DuckdbStore) => Promise<void>): Promise<void> {
    const store = await DuckdbStore.open(file, { threads: 1, recordKeyFilter: true });
    try {
      await test(store);
    } finally {
      await store.close();
    }
  }

  it('lets a commit of new records skip the scan of record_keys, and still finds duplicates and conflicts', async () => {
    const file = storeFile();
    // Stored before the store below opens: its filter is built from record_keys.
    const earlier = await DuckdbStore.open(file, { threads: 1 });
    await earlier.appendBatch({ usage: calls('old', 500) });
    await earlier.close();
    await withFilteredStore(file, async (store) => {
      const connection = store.database.connection;
      const statements: string[] = [];
      const record = (sql: unknown): void => void statements.push(String(sql));
      const run = connection.run.bind(connection);
      vi.spyOn(connection, 'run').mockImplementation((sql, ...rest) => (record(sql), run(sql, ...rest)));
      const scansOfKeys = (): number => statements.filter((sql) => /JOIN record_keys/.test(sql)).length;
      expect((await store.appendBatch({ usage: calls('new', 300) }, { listDuplicates: true })).usage).toMatchObject({ inserted: 300, duplicates: 0, conflicts: [] });
      expect(store.recordKeyChecks()).toEqual({ builds: 1, skipped: 1, scanned: 0 });
      expect(scansOfKeys()).toBe(0);
      // Two stored records again, one of them changed, and two new ones: the filter sends the commit to the scan.
      const resent = calls('old', 2);
      resent[1] = { ...resent[1]!, contentHash: 'changed' };
      const mixed = await store.appendBatch({ usage: [...resent, ...calls('newer', 2)] }, { listDuplicates: true });
      expect(mixed.usage).toMatchObject({ inserted: 2, duplicates: 1, duplicateIndexes: [0] });
      expect(mixed.usage.conflicts.map((conflict) => [conflict.index, conflict.id])).toEqual([[1, 'old-1']]);
      expect(scansOfKeys()).toBeGreaterThan(0);
      // A record this writer committed since the filter was built is found as well: its key went into the filter.
      expect((await store.appendBatch({ usage: calls('new', 1) })).usage).toMatchObject({ inserted: 0, duplicates: 1 });
      expect(store.recordKeyChecks()).toEqual({ builds: 1, skipped: 1, scanned: 2 });
      expect(await store.counts()).toMatchObject({ usageEvents: 802 });
    });
  });

  it('is built again when record_keys holds a key it was not told of, so that record is still found', async () => {
    await withFilteredStore(storeFile(), async (store) => {
      await store.appendBatch({ usage: calls('a', 10) });
      // A record written behind the writer's back, with its key: a copy of a-0 under another id.
      const connection = store.database.connection;
      await connection.run(`INSERT INTO usage_events SELECT * REPLACE ('behind-1' AS id) FROM usage_events WHERE id = 'a-0'`);
      await connection.run(`INSERT INTO record_keys SELECT ${recordKeySql('usage_events', "'behind-1'")}`);
      const outcome = await store.appendBatch({ usage: [usageRow({ id: 'behind-1', contentHash: 'other', timestampMs: day })] });
      expect(outcome.usage.inserted).toBe(0);
      expect(outcome.usage.conflicts.map((conflict) => conflict.id)).toEqual(['behind-1']);
      expect(store.recordKeyChecks()).toMatchObject({ builds: 2 });
      expect(await store.counts()).toMatchObject({ usageEvents: 11 });
    });
  });

  it('commits through the scan when its filter cannot be built: the filter never fails a commit', async () => {
    await withFilteredStore(storeFile(), async (store) => {
      await store.appendBatch({ usage: calls('kept', 5) });
      const connection = store.database.connection;
      const run = connection.run.bind(connection);
      // Every read of record_keys for a build fails from now on; a key written behind the writer's back asks for one.
      vi.spyOn(connection, 'run').mockImplementation((sql, ...rest) => (/FROM record_keys WHERE rowid/.test(String(sql)) ? Promise.reject(new Error('out of memory')) : run(sql, ...rest)));
      await run(`INSERT INTO record_keys SELECT ${recordKeySql('usage_events', "'elsewhere'")}`);
      const outcome = await store.appendBatch({ usage: [...calls('kept', 2), ...calls('fresh', 3)] });
      expect(outcome.usage).toMatchObject({ inserted: 3, duplicates: 2 });
      expect(store.recordKeyChecks()).toMatchObject({ builds: 2, scanned: 1 });
      // Not tried again at each commit: the writer scans, as one without a filter does.
      expect((await store.appendBatch({ usage: calls('later', 2) })).usage).toMatchObject({ inserted: 2 });
      expect(store.recordKeyChecks()).toMatchObject({ builds: 2, scanned: 2 });
      expect(await store.counts()).toMatchObject({ usageEvents: 10 });
    });
  });
});
