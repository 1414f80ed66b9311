import bindings from '@duckdb/node-bindings';
import { DOUBLE, DuckDBDataChunk, INTEGER, VARCHAR, type DuckDBAppender, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import { PartDictionary, type EncodedKind, type StagedColumn, type StagedKind } from '../encoded-rows.js';

/*
 * Getting rows from JavaScript into DuckDB fast. Every value crossing into DuckDB costs a native call,
 * except numbers, which go in whole typed arrays per 2,048-row chunk. So a staged table carries:
 *   - numbers as DOUBLE (exact for integers below 2^53, which every token count and per-call cost is),
 *     cast to their real type when copied into the stored table;
 *   - repetitive strings (model, feature, user, status…) as INTEGER codes into a per-batch dictionary,
 *     so each distinct string crosses once per batch instead of once per row;
 *   - unique strings (ids, content hashes) as VARCHAR.
 * Measured on the 2-core machine: 2 VARCHAR + 8 DOUBLE columns append at ~1 µs/row, while the row
 * appender (one native call per value) needs ~0.45 µs per value, i.e. ~19 µs for a 42-column event.
 *
 * Staged tables live in an attached in-memory database rather than in TEMP tables, so that a second
 * connection can stage the next batch while the first copies and commits the previous one.
 */

/** The attached in-memory database that holds the staged tables. */
export const stagingCatalog = 'unitcost_staging';

export type { StagedColumn, StagedKind } from '../encoded-rows.js';

const chunkRows = 2048;

const sqlTypeOf = (kind: StagedKind): string => (kind === 'text' ? 'VARCHAR' : kind === 'coded' ? 'INTEGER' : 'DOUBLE');
const duckdbTypeOf = (kind: StagedKind): DuckDBType => (kind === 'text' ? VARCHAR : kind === 'coded' ? INTEGER : DOUBLE);

/** The columns of a staged table, shared by every staging set. */
export class StagedLayout<Row> {
  readonly types: DuckDBType[];

  constructor(readonly columns: ReadonlyArray<StagedColumn<Row>>) {
    this.types = [INTEGER, ...columns.map((column) => duckdbTypeOf(column.kind))];
  }

  /** An SQL expression (over alias s) reading a staged column as its value: the dictionary entry for coded columns. */
  expression(name: string): string {
    const column = this.columns.find((candidate) => candidate.name === name);
    if (!column) throw new Error(`no staged column ${name}`);
    return column.kind === 'coded' ? `dictionary.v[s.${name}]` : `s.${name}`;
  }
}

/** One staged table; row_index is the row's position in its batch. */
export class StagedTable<Row> {
  /** The table's qualified name, for SQL. */
  readonly name: string;

  constructor(
    readonly layout: StagedLayout<Row>,
    private readonly table: string,
  ) {
    this.name = `${stagingCatalog}.main.${table}`;
  }

  createSql(): string {
    return `CREATE OR REPLACE TABLE ${this.name} (row_index INTEGER, ${this.layout.columns.map((column) => `${column.name} ${sqlTypeOf(column.kind)}`).join(', ')})`;
  }

  /** Appends rows[indexes[i]] as row_index firstIndex + indexes[i]; coded strings go through the dictionary. */
  async append(connection: DuckDBConnection, rows: readonly Row[], indexes: readonly number[], firstIndex: number, dictionary: BatchDictionary): Promise<void> {
    if (indexes.length === 0) return;
    const appender = await this.appender(connection);
    try {
      const columns = this.layout.columns;
      for (let start = 0; start < indexes.length; start += chunkRows) {
        const size = Math.min(chunkRows, indexes.length - start);
        const chunk = DuckDBDataChunk.create(this.layout.types, size);
        const raw = chunk.chunk;
        const rowIndexes = scratch.integers;
        for (let offset = 0; offset < size; offset += 1) rowIndexes[offset] = firstIndex + indexes[start + offset]!;
        writeFixed(bindings.data_chunk_get_vector(raw, 0), rowIndexes, size, false);
        for (let columnIndex = 0; columnIndex < columns.length; columnIndex += 1) {
          const column = columns[columnIndex]!;
          const vector = bindings.data_chunk_get_vector(raw, columnIndex + 1);
          const read = column.value;
          let nulls = false;
          if (column.kind === 'text') {
            for (let offset = 0; offset < size; offset += 1) {
              const value = read(rows[indexes[start + offset]!]!);
              if (value === null) nulls = markNull(offset);
              else bindings.vector_assign_string_element(vector, offset, value as string);
            }
            if (nulls) writeValidity(vector, size);
          } else if (column.kind === 'coded') {
            const target = scratch.integers;
            // Neighbouring rows mostly share a coded column's value (model, feature, environment…).
            let previous: string | null | undefined;
            let previousCode: number | null = null;
            for (let offset = 0; offset < size; offset += 1) {
              const value = read(rows[indexes[start + offset]!]!) as string | null;
              const code: number | null = value === previous ? previousCode : dictionary.code(value);
              previous = value;
              previousCode = code;
              if (code === null) {
                target[offset] = 0;
                nulls = markNull(offset);
              } else target[offset] = code;
            }
            writeFixed(vector, target, size, nulls);
          } else {
            const target = scratch.numbers;
            for (let offset = 0; offset < size; offset += 1) {
              const value = read(rows[indexes[start + offset]!]!);
              if (value === null) {
                target[offset] = 0;
                nulls = markNull(offset);
              } else target[offset] = value as number;
            }
            writeFixed(vector, target, size, nulls);
          }
        }
        appender.appendDataChunk(chunk);
      }
    } finally {
      // A column that failed half-way must not leave its null bits to the next.
      scratch.validity.fill(0xff);
    }
  }

  /**
   * Appends the rows of a part encoded as columns (encoded-rows.ts), rows indexes[i] (or every row when
   * indexes is null) as row_index firstIndex + that index. batchCodes[c] is the batch dictionary's code for
   * the part's code c. Numbers of consecutive rows are copied straight from the part's arrays.
   */
  async appendEncoded(connection: DuckDBConnection, encoded: EncodedKind, indexes: readonly number[] | null, firstIndex: number, batchCodes: Int32Array): Promise<void> {
    const count = indexes === null ? encoded.length : indexes.length;
    if (count === 0) return;
    const appender = await this.appender(connection);
    try {
      for (let start = 0; start < count; start += chunkRows) {
        const size = Math.min(chunkRows, count - start);
        const chunk = DuckDBDataChunk.create(this.layout.types, size);
        const raw = chunk.chunk;
        const at = indexes === null ? (offset: number): number => start + offset : (offset: number): number => indexes[start + offset]!;
        const rowIndexes = scratch.integers;
        for (let offset = 0; offset < size; offset += 1) rowIndexes[offset] = firstIndex + at(offset);
        writeFixed(bindings.data_chunk_get_vector(raw, 0), rowIndexes, size, false);
        for (let columnIndex = 0; columnIndex < encoded.columns.length; columnIndex += 1) {
          const column = encoded.columns[columnIndex]!;
          const vector = bindings.data_chunk_get_vector(raw, columnIndex + 1);
          let nulls = false;
          if (column.kind === 'text') {
            const values = column.values;
            for (let offset = 0; offset < size; offset += 1) {
              const value = values[at(offset)]!;
              if (value === null) nulls = markNull(offset);
              else bindings.vector_assign_string_element(vector, offset, value);
            }
            if (nulls) writeValidity(vector, size);
          } else if (column.kind === 'coded') {
            const target = scratch.integers;
            const codes = column.codes;
            for (let offset = 0; offset < size; offset += 1) {
              const code = codes[at(offset)]!;
              if (code === 0) {
                target[offset] = 0;
                nulls = markNull(offset);
              } else target[offset] = batchCodes[code]!;
            }
            writeFixed(vector, target, size, nulls);
          } else if (indexes === null) {
            // Consecutive rows: the part's own array, from the chunk's first row.
            bindings.copy_data_to_vector(vector, 0, column.values.buffer, column.values.byteOffset + start * 8, size * 8);
            const rowNulls = column.nulls;
            if (rowNulls) {
              for (let offset = 0; offset < size; offset += 1) if (rowNulls[start + offset] === 1) nulls = markNull(offset);
              if (nulls) writeValidity(vector, size);
            }
          } else {
            const target = scratch.numbers;
            const values = column.values;
            const rowNulls = column.nulls;
            for (let offset = 0; offset < size; offset += 1) {
              const index = at(offset);
              target[offset] = values[index]!;
              if (rowNulls && rowNulls[index] === 1) nulls = markNull(offset);
            }
            writeFixed(vector, target, size, nulls);
          }
        }
        appender.appendDataChunk(chunk);
      }
    } finally {
      scratch.validity.fill(0xff);
    }
  }

  /*
   * One appender per table and batch, flushed once when the batch is complete (finish). Flushed after every
   * part of 8,192 rows, as until 2026-12-05, each flush was a transaction into the in-memory table: 300–385 ms
   * of CPU per 122,880 rows of 47 columns, against ~70 ms flushed once (measured by hand, load ~6; ~9% of
   * ingest's main thread, BENCHMARKS.md "Ingest"). The appender holds the rows until then, as the table would.
   */
  private open: DuckDBAppender | undefined;

  private async appender(connection: DuckDBConnection): Promise<DuckDBAppender> {
    this.open ??= await connection.createAppender(this.table, 'main', stagingCatalog);
    return this.open;
  }

  /** Writes the rows appended so far into the table (before anything reads it) and closes the appender. */
  finish(): void {
    const appender = this.open;
    if (appender === undefined) return;
    this.open = undefined;
    try {
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  /** Drops the appender without writing what it holds (the batch was abandoned; the table is replaced next). */
  discard(): void {
    const appender = this.open;
    this.open = undefined;
    // Closing flushes; an error here only concerns rows nobody will read.
    try {
      appender?.closeSync();
    } catch {
      // the table is replaced before its next use
    }
  }
}

/*
 * Values are written into the chunk's vectors as whole typed arrays, one copy per column, with a
 * validity mask only for a column that has nulls. (DuckDBDataChunk.setColumns writes value by value,
 * with a BigInt operation per validity bit: ~9% of ingest's main thread, BENCHMARKS.md.) The scratch
 * arrays are reused: JavaScript is single-threaded and each is copied before the next column fills it.
 */
const scratch = {
  numbers: new Float64Array(new ArrayBuffer(chunkRows * 8)),
  integers: new Int32Array(new ArrayBuffer(chunkRows * 4)),
  // DuckDB's validity mask: one bit per row, little-endian 64-bit words; filled with ones (valid) between uses.
  validity: new Uint8Array(new ArrayBuffer(chunkRows / 8)).fill(0xff),
};

function markNull(offset: number): true {
  scratch.validity[offset >> 3]! &= ~(1 << (offset & 7));
  return true;
}

function writeValidity(vector: bindings.Vector, size: number): void {
  bindings.vector_ensure_validity_writable(vector);
  bindings.copy_data_to_vector_validity(vector, 0, scratch.validity.buffer, 0, Math.ceil(size / 64) * 8);
  scratch.validity.fill(0xff);
}

function writeFixed(vector: bindings.Vector, values: Float64Array<ArrayBuffer> | Int32Array<ArrayBuffer>, size: number, nulls: boolean): void {
  bindings.copy_data_to_vector(vector, 0, values.buffer, 0, size * values.BYTES_PER_ELEMENT);
  if (nulls) writeValidity(vector, size);
}

/** The distinct strings of one batch, numbered from 1 (DuckDB lists are 1-based), shared by all coded columns. */
export class BatchDictionary {
  private readonly strings = new PartDictionary();
  private stored = 0;

  /** The code of a string, or null for null. */
  code(value: string | null): number | null {
    return value === null ? null : this.strings.code(value);
  }

  /** Appends the strings coded since the last call to the dictionary's table. */
  async storeNew(connection: DuckDBConnection, table: string): Promise<void> {
    const values = this.strings.values;
    if (this.stored === values.length) return;
    const appender = await connection.createAppender(table, 'main', stagingCatalog);
    try {
      for (let start = this.stored; start < values.length; start += chunkRows) {
        const size = Math.min(chunkRows, values.length - start);
        const chunk = DuckDBDataChunk.create([INTEGER, VARCHAR], size);
        chunk.setColumns([Array.from({ length: size }, (_, offset) => start + offset + 1), values.slice(start, start + size)]);
        appender.appendDataChunk(chunk);
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    this.stored = values.length;
  }
}
