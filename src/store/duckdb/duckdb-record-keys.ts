import { hash } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { AppendOutcome } from '../stored-rows.js';

/*
 * Ids reused far away in time. A batch is checked for stored copies of its records among the stored
 * rows of its own time range widened by a minute (duckdb-open-batch.ts): cheap, and enough for every
 * re-sent record, whose timestamp is its copy's. An id reused with another timestamp lies outside that
 * window, so every stored record's key also goes into record_keys: one BIGINT per record (63 bits of the
 * MD5 of its kind and id), no index. A batch's rows that the window check did not match are looked up
 * there with one hash join, which scans 8 bytes per stored record (about 55 ms per 5M records on the
 * loaded 2-core machine, BENCHMARKS.md) instead of the id column. Only the rows it finds — a reused id,
 * or rarely two ids sharing 63 bits — are then looked up by id in the stored table, whatever their
 * timestamp: a different content hash is a conflict, refused and reported; no match is not one.
 * Because every stored record's key is there, a batch none of whose keys is found holds no stored record
 * at all, and its commit skips both checks (kindsWithStoredKeys).
 */

/** What the key check needs of a kind of record staged for a batch. */
export interface KeyedTable {
  /** The staged table (qualified). */
  final: string;
  /** The key column, the same in the staged and the stored table. */
  key: string;
  table: 'usage_events' | 'task_outcomes' | 'revenue';
  /** How a message names the key: "id", "the outcome of task", "revenue id". */
  what: string;
  /** The staged table's column that orders rows and names conflicts (the line, or the row index). */
  line?: string;
  /** SQL over the staged row (alias s) of its source, "file:line"; default s.source. */
  source?: string;
}

const kindPrefix: Record<KeyedTable['table'], string> = { usage_events: 'u', task_outcomes: 'o', revenue: 'r' };

/**
 * A record's key as recordKeySql computes it in DuckDB, here in JavaScript: md5_number reads the digest as a
 * little-endian 128-bit number, whose top 63 bits are its bytes 8 to 15 shifted right once. Written as the two
 * halves the key filter takes: the high 31 bits, and the low 32 moved into a signed integer's range. The digest
 * is asked for in hex: a Buffer costs 1.4 µs a key here, hex 0.5 µs.
 */
export function writeRecordKeyHalves(table: KeyedTable['table'], key: string, halves: Int32Array, at: number): void {
  const hex = hash('md5', `${kindPrefix[table]}:${key}`, 'hex');
  const top = littleEndianWord(Number.parseInt(hex.slice(24, 32), 16));
  const next = littleEndianWord(Number.parseInt(hex.slice(16, 24), 16));
  halves[at] = top >>> 1;
  halves[at + 1] = (top & 1) * 2147483648 + (next >>> 1) - 2147483648;
}

/** The 32-bit word whose bytes, in memory order, read as the big-endian value given (hex digits in order). */
function littleEndianWord(bigEndian: number): number {
  return (((bigEndian & 0xff) << 24) | ((bigEndian & 0xff00) << 8) | ((bigEndian >>> 8) & 0xff00) | (bigEndian >>> 24)) >>> 0;
}

/** The SQL of a record's key in record_keys. */
export function recordKeySql(table: KeyedTable['table'], key: string): string {
  return `CAST(md5_number('${kindPrefix[table]}:' || ${key}) >> 65 AS BIGINT)`;
}

/** The migration statements that create record_keys and fill it from the records already stored. */
export const recordKeysMigration: string[] = [
  'CREATE TABLE record_keys (key BIGINT NOT NULL)',
  ...(['usage_events', 'task_outcomes', 'revenue'] as const).map((table) => {
    const key = table === 'task_outcomes' ? 'task_id' : 'id';
    return `INSERT INTO record_keys SELECT DISTINCT ${recordKeySql(table, key)} FROM ${table}`;
  }),
];

/**
 * The staged rows whose id is stored with other content at any time, as conflicts (index: their line or
 * row index). Staged rows that are exact copies are not reported here: the window check found them.
 */
export async function reusedKeyConflicts(connection: DuckDBConnection, staged: KeyedTable): Promise<AppendOutcome['conflicts']> {
  const line = staged.line ?? 'line';
  const candidates = await connection.runAndReadAll(
    `SELECT s.${line} AS line, s.${staged.key} AS key, s.content_hash, ${staged.source ?? 's.source'} AS source
     FROM ${staged.final} s SEMI JOIN record_keys k ON k.key = ${recordKeySql(staged.table, `s.${staged.key}`)}`,
  );
  const rows = candidates.getRowObjects();
  if (rows.length === 0) return [];
  const list = rows.map((row) => `'${String(row.key).replaceAll("'", "''")}'`).join(', ');
  const stored = await connection.runAndReadAll(`SELECT ${staged.key} AS key, list(DISTINCT content_hash) AS hashes FROM ${staged.table} WHERE ${staged.key} IN (${list}) GROUP BY ALL`);
  const hashes = new Map(stored.getRowObjects().map((row) => [String(row.key), (row.hashes as { items: unknown[] }).items.map(String)]));
  const conflicts: AppendOutcome['conflicts'] = [];
  for (const row of rows) {
    const id = String(row.key);
    const storedHashes = hashes.get(id);
    if (storedHashes === undefined || storedHashes.includes(String(row.content_hash))) continue;
    conflicts.push({ index: Number(row.line), id, reason: `${staged.what} ${id} is already stored with different content; the stored record is kept`, source: (row.source as string | null) ?? null });
  }
  return conflicts;
}

/**
 * The kinds (stored tables) of which some staged row's key is in record_keys, with one scan of record_keys
 * for every kind staged. Every stored record's key is there (written in the transaction that stores it), so
 * a kind not returned has none of its staged records stored: no duplicate, no conflict, and no need to look
 * at its stored rows at all. (One statement, not one per kind: each statement of a commit is a round trip
 * through the server's event loop, which is busy converting the next requests; see duckdb-open-batch.ts.)
 */
export async function kindsWithStoredKeys(connection: DuckDBConnection, staged: readonly KeyedTable[]): Promise<Set<KeyedTable['table']>> {
  if (staged.length === 0) return new Set();
  return kindsOf(await connection.runAndReadAll(storedKindsSql(staged)));
}

/** The query behind kindsWithStoredKeys: one row (kind) per stored table some staged key is found for. */
export function storedKindsSql(staged: readonly KeyedTable[]): string {
  const keys = staged.map((kind) => `SELECT '${kind.table}' AS kind, ${recordKeySql(kind.table, `s.${kind.key}`)} AS key FROM ${kind.final} s`).join(' UNION ALL ');
  return `SELECT DISTINCT s.kind FROM (${keys}) s SEMI JOIN record_keys k ON k.key = s.key`;
}

/** The kinds a storedKindsSql result names. */
export function kindsOf(result: { getRows(): unknown[][] }): Set<KeyedTable['table']> {
  return new Set(result.getRows().map(([kind]) => kind as KeyedTable['table']));
}

/** The statement that adds the keys of the staged rows to record_keys (inside the transaction that stores them). */
export function insertRecordKeysSql(staged: KeyedTable): string {
  return `INSERT INTO record_keys SELECT ${recordKeySql(staged.table, `s.${staged.key}`)} FROM ${staged.final} s`;
}
