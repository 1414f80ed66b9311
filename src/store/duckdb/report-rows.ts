import { endianness } from 'node:os';
import { DuckDBTypeId, type DuckDBConnection, type DuckDBValue, type DuckDBVector } from '@duckdb/node-api';

/** A query and its bound values, as the report SQL builders hand them out. */
export interface BoundQuery {
  sql: string;
  values: Record<string, DuckDBValue>;
}

/**
 * Runs a query and reads its rows with BIGINT and HUGEINT as bigint. Read column by column, then put
 * into rows: a report by user or session has 10⁵ rows of ~40 columns, which getRowObjectsJS reads at about
 * half the speed (at 10M calls, 80k rows: 0.92 s against 0.46 s).
 */
export async function rowsOf(connection: DuckDBConnection, query: BoundQuery): Promise<Array<Record<string, unknown>>> {
  const reader = await connection.runAndReadAll(query.sql, query.values);
  const names = reader.columnNames();
  const columns = reader.getColumnsJS() as unknown[][];
  const rows: Array<Record<string, unknown>> = new Array(reader.currentRowCount);
  for (let index = 0; index < rows.length; index += 1) {
    const row: Record<string, unknown> = {};
    for (let column = 0; column < names.length; column += 1) row[names[column]!] = columns[column]![index];
    rows[index] = row;
  }
  return rows;
}

/** A query's result as one array per column, by name: cheaper than rows when there are many rows of many columns. */
export async function columnsOf(connection: DuckDBConnection, query: BoundQuery): Promise<{ length: number; columns: Record<string, unknown[]> }> {
  const reader = await connection.runAndReadAll(query.sql, query.values);
  const values = reader.getColumnsJS() as unknown[][];
  return { length: reader.currentRowCount, columns: Object.fromEntries(reader.columnNames().map((name, index) => [name, values[index]!])) };
}

/**
 * A query's result by column, each DOUBLE column read into a Float64Array with null as 0, every other
 * column as JS values. For measure columns only (sums and counts, where null means 0; never a key): a
 * report by user reads 10⁵ rows of ~35 sums, and a typed array of them costs one allocation instead of one
 * boxed number per value. A column `exact_sums` (see usageQuery) replaces, in its rows, the DOUBLEs of the
 * columns `exactSums` names with exact bigints.
 */
export async function measureColumnsOf(
  connection: DuckDBConnection,
  query: BoundQuery,
  options: { exactSums?: readonly string[] } = {},
): Promise<{ length: number; columns: Record<string, ArrayLike<unknown>> }> {
  const result = await connection.run(query.sql, query.values);
  const length = result.rowCount;
  const names = result.columnNames();
  const columns: Record<string, Float64Array | unknown[]> = {};
  const doubles = names.map((_, index) => result.columnTypeId(index) === DuckDBTypeId.DOUBLE);
  names.forEach((name, index) => (columns[name] = doubles[index] ? new Float64Array(length) : new Array<unknown>(length)));
  let offset = 0;
  for (let chunkIndex = 0; chunkIndex < result.chunkCount; chunkIndex += 1) {
    const chunk = result.getChunk(chunkIndex);
    const rows = chunk.rowCount;
    for (let column = 0; column < names.length; column += 1) {
      const vector = chunk.getColumnVector(column);
      const target = columns[names[column]!]!;
      if (doubles[column]) {
        copyDoubles(vector, target as Float64Array, offset, rows);
      } else {
        const values = target as unknown[];
        if (validityWords(vector, rows) === 'none-valid') values.fill(null, offset, offset + rows);
        else for (let row = 0; row < rows; row += 1) values[offset + row] = plainValue(vector.getItem(row), names[column]!);
      }
    }
    offset += rows;
  }
  // `exact_sums` gives, where not null, the exact values of the columns `exactSums` names (as decimal text,
  // comma-separated): they replace the DOUBLEs of that row, which could not hold them.
  const exactSums = columns.exact_sums as unknown[] | undefined;
  delete columns.exact_sums;
  if (exactSums && options.exactSums && exactSums.some((text) => text !== null)) {
    const merged = options.exactSums.map((name) => Array.from(columns[name]!) as unknown[]);
    exactSums.forEach((text, index) => {
      if (text === null) return;
      const values = String(text).split(',');
      if (values.length !== merged.length) throw new Error(`exact_sums of row ${index} has ${values.length} values, not ${merged.length}`);
      values.forEach((value, column) => (merged[column]![index] = BigInt(value)));
    });
    options.exactSums.forEach((name, column) => (columns[name] = merged[column]!));
  }
  return { length, columns };
}

/**
 * A DuckDB vector's own storage, when this version of @duckdb/node-api has it where expected (checked, not
 * assumed): its DOUBLE items as a Float64Array, and its validity mask (null when every item is valid). The
 * library's getItem checks validity with two bigint operations per item, which at 10⁵ rows × ~50 columns
 * is most of the reading and much of the garbage; these read the same bits as 32-bit words.
 */
interface VectorStorage {
  items?: unknown;
  validity?: { data?: unknown; offset?: unknown };
}

const littleEndian = endianness() === 'LE';

/** The vector's validity as 32-bit words (bit r of the mask is bit r % 32 of word r / 32), 'all-valid', 'none-valid', or null when unreadable. */
function validityWords(vector: DuckDBVector, rows: number): Uint32Array | 'all-valid' | 'none-valid' | null {
  const validity = (vector as unknown as VectorStorage).validity;
  if (!littleEndian || !validity || validity.offset !== 0) return null;
  if (validity.data === null) return 'all-valid';
  if (!(validity.data instanceof BigUint64Array) || validity.data.length * 64 < rows) return null;
  const words = new Uint32Array(validity.data.buffer, validity.data.byteOffset, validity.data.length * 2);
  let any = 0;
  for (let word = 0; word < Math.ceil(rows / 32); word += 1) any |= words[word]! & (rows - word * 32 >= 32 ? 0xffffffff : (1 << (rows - word * 32)) - 1);
  return any === 0 ? 'none-valid' : words;
}

/** Copies a DOUBLE vector's rows into `target` at `offset`, null as 0: from its storage when readable, else item by item. */
export function copyDoubles(vector: DuckDBVector, target: Float64Array, offset: number, rows: number): void {
  const items = (vector as unknown as VectorStorage).items;
  const words = items instanceof Float64Array && items.length >= rows ? validityWords(vector, rows) : null;
  if (words === null) {
    for (let row = 0; row < rows; row += 1) target[offset + row] = (vector.getItem(row) as number | null) ?? 0;
  } else if (words === 'all-valid') {
    target.set((items as Float64Array).subarray(0, rows), offset);
  } else if (words === 'none-valid') {
    target.fill(0, offset, offset + rows);
  } else {
    const values = items as Float64Array;
    for (let row = 0; row < rows; row += 1) target[offset + row] = (words[row >>> 5]! >>> (row & 31)) & 1 ? values[row]! : 0;
  }
}

/** Text, numbers and bigints pass as getColumnsJS gives them; this reader is for keys and sums, not dates or nested values. */
function plainValue(value: DuckDBValue, column: string): unknown {
  if (value !== null && typeof value === 'object') throw new Error(`measureColumnsOf reads text, numbers and bigints; column ${column} holds ${value.constructor.name}`);
  return value;
}

/** A count read from DuckDB (a bigint, a number or null) as a number. */
export function count(value: unknown): number {
  if (value === null || value === undefined) return 0;
  return Number(value);
}

/** An exact sum read from DuckDB as a bigint; null is 0. */
export function exact(value: unknown): bigint {
  if (value === null || value === undefined) return 0n;
  return typeof value === 'bigint' ? value : BigInt(value as number);
}
