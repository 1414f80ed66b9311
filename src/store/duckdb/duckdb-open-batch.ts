import type { DuckDBConnection } from '@duckdb/node-api';
import { inTransaction, transactionInOneCall } from './duckdb-database.js';
import type { BatchOutcome, EventBatch, OpenBatch } from '../event-writer.js';
import type { AppendOutcome, StoredPriceRow } from '../stored-rows.js';
import type { StagedKindSql, StagingSet } from './duckdb-event-columns.js';
import { priceRowContent, writePriceRows } from './duckdb-price-rows.js';
import { insertRecordKeysSql, kindsOf, kindsWithStoredKeys, reusedKeyConflicts, storedKindsSql, type KeyedTable } from './duckdb-record-keys.js';
import { BatchDictionary } from './duckdb-staging.js';
import type { EncodedColumn, EncodedKind, EncodedRows } from '../encoded-rows.js';
import type { StoredKeyFilter } from './record-key-filter.js';

/*
 * Idempotency without an index. A PRIMARY KEY on usage_events.id keeps an ART index of every id;
 * DuckDB 1.5 loads it lazily, so its memory stayed small (peak RSS 245 MB building 5M keys), but
 * inserting cost 5 times as much (1.31 µs against 0.25 µs per row; bench/ingest-index-cost.ts), content-
 * derived ids are random keys (random index pages at 100M events), and a key violation aborts the whole
 * transaction instead of telling a duplicate from a conflict. Instead each batch is checked against the
 * stored rows whose timestamp lies within the batch's own time range, widened by a minute: DuckDB skips
 * every row group whose min/max timestamp (its zone map) falls outside, so the check reads about as many
 * stored rows as the batch spans, whatever the size of the store. (A day's margin was measured too: with
 * dense traffic it scans every row of that day, 174 ms per 20k-event batch at 800k stored events
 * against 10 ms with a minute.)
 * A re-sent record has the same timestamp as its stored copy, which therefore lies in the window, so
 * duplicates (re-ingests) are always recognized there. An id re-used with a timestamp outside its
 * batch's range (plus a minute) is found through record_keys instead (duckdb-record-keys.ts) and refused
 * as a conflict. A file in random time order stays correct, but each batch then spans (and scans) more
 * of the store.
 * Both checks are skipped for a kind none of whose keys is in record_keys (kindsWithStoredKeys), which holds
 * the key of every stored record: every batch of a fresh ingest. That one semi-join replaced the two
 * (0.62 s + 0.62 s of DuckDB time per 300k demo records, BENCHMARKS.md "The write path").
 */
const duplicateWindowMs = 60_000;

/** The connections and the commit order a batch needs from its writer. */
export interface BatchHost {
  /** Runs the commit's statements; one commit at a time. */
  connection: DuckDBConnection;
  /** Stages rows while the other connection may be committing another batch. */
  stagingConnection: DuckDBConnection;
  /** Runs work after every commit queued before it, so that check-then-insert is never interleaved. */
  serialize<Result>(work: () => Promise<Result>): Promise<Result>;
  /** Empties the set's tables and hands it to the next batch. */
  release(set: StagingSet): Promise<void>;
  /** The price rows (id → content) this writer's batches committed; emptied when prices are written another way. */
  pricesWritten: Map<string, string>;
  /** Told the rows a transaction stored, per table, once it committed (to checkpoint by row group). */
  committed(rows: { usage: number; outcomes: number; revenue: number }): void;
  /** For a writer of small commits: the in-memory filter that lets a commit of new keys skip the scan of record_keys. */
  keyFilter?: StoredKeyFilter;
}

interface KindState {
  seen: Map<string, string>;
  added: number;
  kept: number;
  low: number;
  high: number;
  outcome: AppendOutcome;
  /** The duplicates' positions, when the batch was asked to list them. */
  duplicateIndexes: number[] | undefined;
}

const newKindState = (listDuplicates: boolean): KindState => ({
  seen: new Map(),
  added: 0,
  kept: 0,
  low: Infinity,
  high: -Infinity,
  outcome: { inserted: 0, duplicates: 0, conflicts: [] },
  duplicateIndexes: listDuplicates ? [] : undefined,
});

type Keyed = { contentHash: string; timestampMs: number; source: string | null };

/** A DuckDB batch: rows staged on one connection, checked, copied and committed on the other. */
export class DuckdbOpenBatch implements OpenBatch {
  private readonly usage: KindState;
  private readonly outcomes: KindState;
  private readonly revenue: KindState;
  private readonly prices = new Map<string, StoredPriceRow>();
  private readonly dictionary = new BatchDictionary();
  private done = false;

  constructor(
    private readonly host: BatchHost,
    private readonly set: StagingSet,
    listDuplicates = false,
  ) {
    this.usage = newKindState(listDuplicates);
    this.outcomes = newKindState(listDuplicates);
    this.revenue = newKindState(listDuplicates);
  }

  get added(): { usage: number; outcomes: number; revenue: number } {
    return { usage: this.usage.added, outcomes: this.outcomes.added, revenue: this.revenue.added };
  }

  async add(records: EventBatch): Promise<void> {
    const connection = this.host.stagingConnection;
    if (records.usage?.length) await this.stage(this.set.usage, this.usage, records.usage, (row) => row.id, 'id', connection);
    if (records.outcomes?.length) await this.stage(this.set.outcomes, this.outcomes, records.outcomes, (row) => row.taskId, 'the outcome of task', connection);
    if (records.revenue?.length) await this.stage(this.set.revenue, this.revenue, records.revenue, (row) => row.id, 'revenue id', connection);
    for (const price of records.prices ?? []) this.prices.set(price.priceId, price);
    await this.dictionary.storeNew(connection, this.set.dictionaryTable);
  }

  // Duplicates and conflicts within the batch are settled here; those with stored rows at commit.
  private async stage<Row extends Keyed>(kind: StagedKindSql<Row>, state: KindState, rows: readonly Row[], key: (row: Row) => string, what: string, connection: DuckDBConnection): Promise<void> {
    const keep: number[] = [];
    for (let index = 0; index < rows.length; index += 1) {
      const row = rows[index]!;
      const id = key(row);
      const earlier = state.seen.get(id);
      if (earlier === undefined) {
        state.seen.set(id, row.contentHash);
        keep.push(index);
        if (row.timestampMs < state.low) state.low = row.timestampMs;
        if (row.timestampMs > state.high) state.high = row.timestampMs;
      } else if (earlier === row.contentHash) {
        state.outcome.duplicates += 1;
        state.duplicateIndexes?.push(state.added + index);
      } else {
        state.outcome.conflicts.push({ index: state.added + index, id, reason: `${what} ${id} appears earlier in the same batch with different content`, source: row.source });
      }
    }
    await kind.staged.append(connection, rows, keep, state.added, this.dictionary);
    state.added += rows.length;
    state.kept += keep.length;
  }

  /**
   * Stages the rows of a part encoded as columns by a conversion worker (encoded-rows.ts), as add does with
   * row objects: the same checks within the batch, the same staged rows.
   */
  async addEncoded(encoded: EncodedRows, prices: readonly StoredPriceRow[]): Promise<void> {
    const connection = this.host.stagingConnection;
    const batchCodes = new Int32Array(encoded.dictionary.length + 1);
    for (let code = 1; code <= encoded.dictionary.length; code += 1) batchCodes[code] = this.dictionary.code(encoded.dictionary[code - 1]!)!;
    if (encoded.usage.length > 0) await this.stageEncoded(this.set.usage, this.usage, encoded.usage, encoded.dictionary, batchCodes, 'id', connection);
    if (encoded.outcomes.length > 0) await this.stageEncoded(this.set.outcomes, this.outcomes, encoded.outcomes, encoded.dictionary, batchCodes, 'the outcome of task', connection);
    if (encoded.revenue.length > 0) await this.stageEncoded(this.set.revenue, this.revenue, encoded.revenue, encoded.dictionary, batchCodes, 'revenue id', connection);
    for (const price of prices) this.prices.set(price.priceId, price);
    await this.dictionary.storeNew(connection, this.set.dictionaryTable);
  }

  private async stageEncoded<Row>(kind: StagedKindSql<Row>, state: KindState, encoded: EncodedKind, dictionary: readonly string[], batchCodes: Int32Array, what: string, connection: DuckDBConnection): Promise<void> {
    const column = (name: string): EncodedColumn => encoded.columns[kind.staged.layout.columns.findIndex((candidate) => candidate.name === name)]!;
    const keys = column(kind.stagedKey);
    const hashes = column('content_hash');
    const timestamps = column('ts_ms');
    if (keys.kind !== 'text' || hashes.kind !== 'text' || timestamps.kind !== 'number') throw new Error(`the encoded ${kind.table} rows lack their key, content hash or timestamp`);
    let keep: number[] | null = null;
    for (let index = 0; index < encoded.length; index += 1) {
      const id = keys.values[index]!;
      const contentHash = hashes.values[index]!;
      const earlier = state.seen.get(id);
      if (earlier === undefined) {
        state.seen.set(id, contentHash);
        keep?.push(index);
        const timestampMs = timestamps.values[index]!;
        if (timestampMs < state.low) state.low = timestampMs;
        if (timestampMs > state.high) state.high = timestampMs;
        continue;
      }
      // The first repeat: every row before it was kept.
      keep ??= Array.from({ length: index }, (_, position) => position);
      if (earlier === contentHash) {
        state.outcome.duplicates += 1;
        state.duplicateIndexes?.push(state.added + index);
      } else {
        state.outcome.conflicts.push({ index: state.added + index, id, reason: `${what} ${id} appears earlier in the same batch with different content`, source: encodedSource(encoded, kind, dictionary, index) });
      }
    }
    await kind.staged.appendEncoded(connection, encoded, keep, state.added, batchCodes);
    state.added += encoded.length;
    state.kept += keep === null ? encoded.length : keep.length;
  }

  async commit(): Promise<BatchOutcome> {
    if (this.done) throw new Error('this batch was already committed or abandoned');
    this.done = true;
    try {
      // Staged rows are flushed once per batch (duckdb-staging.ts), here, before the commit reads them.
      for (const kind of [this.set.usage, this.set.outcomes, this.set.revenue]) kind.staged.finish();
      return await this.host.serialize(async () => {
        try {
          return await this.commitStaged();
        } catch (error) {
          // What a failed commit left in record_keys is not known here: the filter is built again before it is trusted.
          this.host.keyFilter?.invalidate();
          throw error;
        }
      });
    } finally {
      await this.host.release(this.set);
    }
  }

  /** Checks the staged rows against the stored ones and copies them in, in one transaction; runs in the writer's queue. */
  private async commitStaged(): Promise<BatchOutcome> {
    const connection = this.host.connection;
    const kinds = ([[this.set.usage, this.usage], [this.set.outcomes, this.outcomes], [this.set.revenue, this.revenue]] as const)
      .map(([kind, state]) => ({ kind: kind as StagedKindSql<Keyed>, state }))
      .filter(({ state }) => state.kept > 0);
    // Every group of a server carries the same few price rows, and rewriting them cost a round trip each:
    // a row this writer committed, with the same content and not replaced since, is the stored one.
    const prices = [...this.prices.values()].filter((price) => this.host.pricesWritten.get(price.priceId) !== priceRowContent(price));
    // A writer of small commits asks its key filter first: when it holds none of the staged keys, no staged
    // record is stored, and the commit skips the scan of record_keys (record-key-filter.ts).
    const keyed = kinds.map(({ kind }) => this.keyedTable(kind));
    const stagedKeys = this.host.keyFilter !== undefined && kinds.length > 0 ? await this.host.keyFilter.check(keyed) : undefined;
    const noneStored = stagedKeys !== undefined && !stagedKeys.mayBeStored;
    // Most batches of a fresh ingest hold no stored record. Optimistically, the key check and the inserts
    // run in one call to DuckDB, the inserts guarded by the check: when no staged key is stored, that call
    // is the whole commit; when one is, it inserted nothing and the batch takes the checked path below.
    let stored: Set<KeyedTable['table']>;
    if (noneStored) {
      stored = new Set();
      if (prices.length === 0) await transactionInOneCall(connection, this.insertStatements(kinds));
    } else stored = prices.length === 0 && kinds.length > 0 ? await this.insertUnlessAnyStored(kinds) : await kindsWithStoredKeys(connection, keyed);
    if (prices.length === 0 && stored.size === 0) {
      for (const { state } of kinds) state.outcome.inserted = state.kept;
    } else {
      // Checked before BEGIN (commits are serialized, and DuckDB lets one process write the file), so
      // that refused rows can be dropped from staging, which a transaction writing the store cannot do.
      // A kind none of whose keys is stored skips the joins with the stored rows.
      for (const { kind, state } of kinds) {
        if (!stored.has(kind.table as KeyedTable['table'])) {
          state.outcome.inserted = state.kept;
          continue;
        }
        await this.dropStored(kind, state);
        if (state.outcome.inserted > 0) await this.dropReusedKeys(kind, state);
      }
      const statements = this.insertStatements(kinds.filter(({ state }) => state.outcome.inserted > 0));
      if (prices.length > 0) {
        await inTransaction(connection, async () => {
          await writePriceRows(connection, prices);
          for (const statement of statements) await connection.run(statement);
        });
        for (const price of prices) this.host.pricesWritten.set(price.priceId, priceRowContent(price));
      } else await transactionInOneCall(connection, statements);
    }
    this.host.committed({ usage: this.usage.outcome.inserted, outcomes: this.outcomes.outcome.inserted, revenue: this.revenue.outcome.inserted });
    if (stagedKeys) this.host.keyFilter!.committed(stagedKeys, this.usage.outcome.inserted + this.outcomes.outcome.inserted + this.revenue.outcome.inserted);
    const sorted = ({ outcome, duplicateIndexes }: KindState): AppendOutcome => ({
      ...outcome,
      conflicts: outcome.conflicts.sort((a, b) => a.index - b.index),
      ...(duplicateIndexes ? { duplicateIndexes: duplicateIndexes.sort((a, b) => a - b) } : {}),
    });
    return { usage: sorted(this.usage), outcomes: sorted(this.outcomes), revenue: sorted(this.revenue) };
  }

  async abandon(): Promise<void> {
    if (this.done) return;
    this.done = true;
    for (const kind of [this.set.usage, this.set.outcomes, this.set.revenue]) kind.staged.discard();
    await this.host.release(this.set);
  }

  /**
   * In one call to DuckDB: finds the kinds with a stored key (storedKindsSql) and, only if there is none,
   * inserts every staged row and its key, in one transaction; returns the kinds found. One call, not one per
   * statement: on a server each call's answer waits for the JavaScript thread, which is busy converting the
   * next requests (transactionInOneCall).
   */
  private async insertUnlessAnyStored(kinds: ReadonlyArray<{ kind: StagedKindSql<Keyed> }>): Promise<Set<KeyedTable['table']>> {
    const connection = this.host.connection;
    const found = 'unitcost_stored_kinds';
    const unlessFound = ` WHERE NOT EXISTS (SELECT 1 FROM ${found})`;
    const statements = [
      'BEGIN TRANSACTION',
      `CREATE OR REPLACE TEMP TABLE ${found} AS ${storedKindsSql(kinds.map(({ kind }) => this.keyedTable(kind)))}`,
      ...kinds.flatMap(({ kind }) => [kind.insertSql + unlessFound, insertRecordKeysSql(this.keyedTable(kind)) + unlessFound]),
      'COMMIT',
      `SELECT kind FROM ${found}`,
    ];
    try {
      return kindsOf(await connection.runAndReadAll(statements.join(';\n')));
    } catch (error) {
      await connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** Per kind, the insert of its staged rows and of their keys. */
  private insertStatements(kinds: ReadonlyArray<{ kind: StagedKindSql<Keyed> }>): string[] {
    return kinds.flatMap(({ kind }) => [kind.insertSql, insertRecordKeysSql(this.keyedTable(kind))]);
  }

  private keyedTable(kind: StagedKindSql<Keyed>): KeyedTable {
    const table = kind.table as KeyedTable['table'];
    return {
      final: kind.staged.name,
      key: kind.stagedKey,
      table,
      what: table === 'task_outcomes' ? 'the outcome of task' : table === 'revenue' ? 'revenue id' : 'id',
      line: 'row_index',
      source: `(SELECT d.value FROM ${this.set.dictionaryName} d WHERE d.code = s.source_file) || coalesce(':' || CAST(CAST(s.source_line AS BIGINT) AS VARCHAR), '')`,
    };
  }

  /** Refuses the staged rows whose id is stored with other content far from their timestamp (duckdb-record-keys.ts). */
  private async dropReusedKeys(kind: StagedKindSql<Keyed>, state: KindState): Promise<void> {
    const conflicts = await reusedKeyConflicts(this.host.connection, this.keyedTable(kind));
    if (conflicts.length === 0) return;
    state.outcome.conflicts.push(...conflicts);
    state.outcome.inserted -= conflicts.length;
    await this.host.connection.run(`DELETE FROM ${kind.staged.name} WHERE row_index IN (${conflicts.map((conflict) => conflict.index).join(', ')})`);
  }

  /**
   * Counts the staged rows already stored as duplicates or conflicts and removes them from staging, in
   * SQL: a re-ingest matches every row, and only the conflicts' details come back to JavaScript.
   */
  private async dropStored(kind: StagedKindSql<Keyed>, state: KindState): Promise<void> {
    const connection = this.host.connection;
    const low = Math.floor(state.low - duplicateWindowMs);
    const high = Math.ceil(state.high + duplicateWindowMs);
    const matched = `${kind.staged.name}_matched`;
    await connection.run(
      `CREATE OR REPLACE TABLE ${matched} AS
       SELECT s.row_index, bool_and(e.content_hash = s.content_hash) AS same
       FROM ${kind.staged.name} s JOIN ${kind.table} e ON e.${kind.storedKey} = s.${kind.stagedKey}
       WHERE e.ts BETWEEN epoch_ms(${low}::BIGINT) AND epoch_ms(${high}::BIGINT)
       GROUP BY s.row_index`,
    );
    const counted = await connection.runAndReadAll(`SELECT count(*) AS matched, count(*) FILTER (WHERE same) AS duplicates FROM ${matched}`);
    const { matched: matchedCount, duplicates } = counted.getRowObjects()[0]!;
    state.outcome.inserted = state.kept - Number(matchedCount);
    state.outcome.duplicates += Number(duplicates);
    if (Number(matchedCount) === 0) return;
    if (state.duplicateIndexes && Number(duplicates) > 0) {
      const same = await connection.runAndReadAll(`SELECT row_index FROM ${matched} WHERE same`);
      for (const [rowIndex] of same.getRows()) state.duplicateIndexes.push(Number(rowIndex));
    }
    if (Number(matchedCount) > Number(duplicates)) {
      // The source is looked up for the conflicting rows only: joining the dictionary's list into the
      // match above would carry it through the hash join and run out of memory.
      const conflicts = await connection.runAndReadAll(
        `SELECT s.row_index, s.${kind.stagedKey} AS id, CASE WHEN s.source_line IS NULL THEN d.value ELSE d.value || ':' || CAST(s.source_line AS BIGINT) END AS source
         FROM ${matched} m JOIN ${kind.staged.name} s ON s.row_index = m.row_index LEFT JOIN ${this.set.dictionaryName} d ON d.code = s.source_file
         WHERE NOT m.same`,
      );
      const what = kind.table === 'task_outcomes' ? 'the outcome of task' : kind.table === 'revenue' ? 'revenue id' : 'id';
      for (const conflict of conflicts.getRowObjects()) {
        const id = String(conflict.id);
        state.outcome.conflicts.push({ index: Number(conflict.row_index), id, reason: `${what} ${id} is already stored with different content; the stored record is kept`, source: (conflict.source as string | null) ?? null });
      }
    }
    await connection.run(`DELETE FROM ${kind.staged.name} WHERE row_index IN (SELECT row_index FROM ${matched})`);
  }
}

/** A row's source, "file:line", from its encoded source_file and source_line columns (for a conflict's message). */
function encodedSource<Row>(encoded: EncodedKind, kind: StagedKindSql<Row>, dictionary: readonly string[], index: number): string | null {
  const names = kind.staged.layout.columns.map((column) => column.name);
  const file = encoded.columns[names.indexOf('source_file')];
  const line = encoded.columns[names.indexOf('source_line')];
  if (file?.kind !== 'coded' || file.codes[index] === 0) return null;
  const name = dictionary[file.codes[index]! - 1]!;
  return line?.kind === 'number' && line.nulls?.[index] !== 1 ? `${name}:${line.values[index]}` : name;
}
