/*
 * Rows handed from a conversion worker to the thread that stages them, as columns. Sent as row objects,
 * every row was structured-cloned (~4 µs a record of copying and garbage on both threads, BENCHMARKS.md
 * "Ingest"); as columns, numbers travel as typed arrays whose memory is transferred, not copied, repetitive
 * strings (model, feature, user…) as codes into one dictionary per part, and only the unique strings (ids,
 * content hashes) are cloned. The columns are those of the store's staged tables (StagedColumn), read from
 * the rows on the worker with the same accessors the store would use on them.
 */

/** How a staged column carries its values. */
export type StagedKind = 'text' | 'coded' | 'number';

/** One column of a staged table: its name, how it is carried, and how to read it from a row. */
export interface StagedColumn<Row> {
  name: string;
  kind: StagedKind;
  value: (row: Row) => string | number | null;
}

/** One column's values for the rows of a part. */
export type EncodedColumn =
  /** Numbers; nulls[i] is 1 where the value is null (0 in values), or nulls is null when none is. */
  | { kind: 'number'; values: Float64Array<ArrayBuffer>; nulls: Uint8Array<ArrayBuffer> | null }
  /** Codes into the part's dictionary, from 1; 0 for null. */
  | { kind: 'coded'; codes: Int32Array<ArrayBuffer> }
  | { kind: 'text'; values: Array<string | null> };

/** The rows of one kind of record, column by column, in the order of their staged columns. */
export interface EncodedKind {
  length: number;
  columns: EncodedColumn[];
}

/** The rows of every kind converted from one part of an input, and the dictionary their coded columns share. */
export interface EncodedRows {
  /** Code c is dictionary[c - 1]. */
  dictionary: string[];
  usage: EncodedKind;
  outcomes: EncodedKind;
  revenue: EncodedKind;
}

/** Numbers the distinct strings of a part, from 1. */
export class PartDictionary {
  private readonly codes = new Map<string, number>();
  readonly values: string[] = [];

  code(value: string): number {
    let code = this.codes.get(value);
    if (code === undefined) {
      this.values.push(value);
      code = this.values.length;
      this.codes.set(value, code);
    }
    return code;
  }
}

/** The rows' columns, read with the staged columns' own accessors. */
export function encodeRows<Row>(rows: readonly Row[], columns: ReadonlyArray<StagedColumn<Row>>, dictionary: PartDictionary): EncodedKind {
  const length = rows.length;
  return {
    length,
    columns: columns.map((column): EncodedColumn => {
      const read = column.value;
      if (column.kind === 'number') {
        const values = new Float64Array(length);
        let nulls: Uint8Array<ArrayBuffer> | null = null;
        for (let index = 0; index < length; index += 1) {
          const value = read(rows[index]!);
          if (value === null) (nulls ??= new Uint8Array(length))[index] = 1;
          else values[index] = value as number;
        }
        return { kind: 'number', values, nulls };
      }
      if (column.kind === 'coded') {
        const codes = new Int32Array(length);
        // Neighbouring rows mostly share a coded column's value (model, feature, environment…).
        let previous: string | null | undefined;
        let previousCode = 0;
        for (let index = 0; index < length; index += 1) {
          const value = read(rows[index]!) as string | null;
          if (value !== previous) {
            previous = value;
            previousCode = value === null ? 0 : dictionary.code(value);
          }
          codes[index] = previousCode;
        }
        return { kind: 'coded', codes };
      }
      const values: Array<string | null> = new Array<string | null>(length);
      for (let index = 0; index < length; index += 1) values[index] = read(rows[index]!) as string | null;
      return { kind: 'text', values };
    }),
  };
}

/** Rows start (inclusive) to end (exclusive) of encoded rows, as views of the same memory (nothing is copied). */
export function sliceEncodedKind(kind: EncodedKind, start: number, end: number): EncodedKind {
  return {
    length: end - start,
    columns: kind.columns.map((column): EncodedColumn => {
      if (column.kind === 'number') return { kind: 'number', values: column.values.subarray(start, end), nulls: column.nulls?.subarray(start, end) ?? null };
      if (column.kind === 'coded') return { kind: 'coded', codes: column.codes.subarray(start, end) };
      return { kind: 'text', values: column.values.slice(start, end) };
    }),
  };
}

/** The buffers a postMessage of these rows can transfer instead of copying. */
export function transferList(encoded: EncodedRows): ArrayBuffer[] {
  const buffers: ArrayBuffer[] = [];
  for (const kind of [encoded.usage, encoded.outcomes, encoded.revenue]) {
    for (const column of kind.columns) {
      if (column.kind === 'number') {
        buffers.push(column.values.buffer);
        if (column.nulls) buffers.push(column.nulls.buffer);
      } else if (column.kind === 'coded') buffers.push(column.codes.buffer);
    }
  }
  return buffers;
}
