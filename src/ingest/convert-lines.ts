import type { FieldError } from '../core/events/parse-event-record.js';
import { parseEventRecord } from '../core/events/parse-event-record.js';
import { toStoredRow, type RowContext } from '../core/events/to-stored-row.js';
import { sliceEncodedKind, type EncodedRows } from '../store/encoded-rows.js';
import type { StoredOutcomeRow, StoredPriceRow, StoredRevenueRow, StoredUsageRow } from '../store/stored-rows.js';
import type { RecordReader } from './record-reader.js';

/** A line that was not stored, where it came from, and why. */
export interface RejectedRecord {
  /** "file:line". */
  source: string;
  /** The first field at fault ("" for the line as a whole). */
  field: string;
  reason: string;
  /** Every field at fault, when there are several. */
  errors: FieldError[];
}

/** The rows of a run of lines, ready for one appendBatch, and the lines refused. */
export interface ConvertedLines {
  usage: StoredUsageRow[];
  outcomes: StoredOutcomeRow[];
  revenue: StoredRevenueRow[];
  prices: StoredPriceRow[];
  rejects: RejectedRecord[];
  /** Valid usage events that could not be priced (stored with their reason). */
  unpriced: number;
  /** The rows as columns, when a conversion worker sent them so (usage, outcomes and revenue are then empty). */
  encoded?: EncodedRows;
  /** Why the whole input cannot be read (a bad CSV header), where and in which field; its other lines are left out. */
  unreadable?: { source: string; line: number; field: string; message: string };
}

/** What converting lines needs: the reader of the input's format, the pricing context, and "now" for far-future checks. */
export interface LineConverter {
  reader: RecordReader;
  context: RowContext;
  nowMs: number;
  file: string;
  /** Where a CSV record that spans lines started, carried from one batch to the next. */
  pendingLine?: number;
}

/**
 * Reads, validates and prices lines numbered from firstLine (or, when lineNumbers is given, numbered by it:
 * lines picked out of a file); bad ones become rejects, never exceptions.
 */
export function convertLines(converter: LineConverter, lines: readonly string[], firstLine: number, atEnd = false, lineNumbers?: readonly number[]): ConvertedLines {
  const converted: ConvertedLines = { usage: [], outcomes: [], revenue: [], prices: [], rejects: [], unpriced: 0 };
  const prices = new Map<string, StoredPriceRow>();
  const parseOptions = { nowMs: converter.nowMs };
  const take = (value: unknown, lineNumber: number): void => {
    const source = `${converter.file}:${lineNumber}`;
    const parsed = parseEventRecord(value, parseOptions);
    if (!parsed.ok) {
      converted.rejects.push(reject(source, parsed.errors));
      return;
    }
    const result = toStoredRow(parsed.record, converter.context, source);
    if (!result.ok) {
      converted.rejects.push(reject(source, result.errors));
    } else if (result.type === 'usage') {
      converted.usage.push(result.row);
      if (result.price === null) converted.unpriced += 1;
      else if (!prices.has(result.price.priceId)) prices.set(result.price.priceId, result.price);
    } else if (result.type === 'outcome') {
      converted.outcomes.push(result.row);
    } else {
      converted.revenue.push(result.row);
    }
  };
  for (let index = 0; index < lines.length; index += 1) {
    const lineNumber = lineNumbers === undefined ? firstLine + index : lineNumbers[index]!;
    const read = converter.reader.read(lines[index]!);
    if (read.ok === 'pending') {
      converter.pendingLine ??= lineNumber;
      continue;
    }
    const recordLine = converter.pendingLine ?? lineNumber;
    converter.pendingLine = undefined;
    if (read.ok === 'skip') continue;
    if (read.ok === false) converted.rejects.push(reject(`${converter.file}:${recordLine}`, [{ field: read.field, message: read.message }]));
    else if (read.ok === 'unreadable') converted.unreadable ??= { source: `${converter.file}:${recordLine}`, line: recordLine, field: read.field, message: read.message };
    else take(read.value, recordLine);
  }
  if (atEnd) {
    const rest = converter.reader.finish();
    if (rest && rest.ok === false) converted.rejects.push(reject(`${converter.file}:${converter.pendingLine ?? firstLine}`, [{ field: rest.field, message: rest.message }]));
  }
  converted.prices = [...prices.values()];
  return converted;
}

function reject(source: string, errors: FieldError[]): RejectedRecord {
  const first = errors[0] ?? { field: '', message: 'is not a valid record' };
  return { source, field: first.field, reason: first.message, errors };
}

/** How many usage rows converted lines hold, as row objects or encoded as columns. */
export function usageRowCount(converted: ConvertedLines): number {
  return converted.encoded === undefined ? converted.usage.length : converted.encoded.usage.length;
}

/**
 * Cuts converted lines after their first `rows` usage rows: the head keeps those, every other record, the
 * rejects and the counts; the tail keeps the usage rows after them and the prices they were billed at. So a
 * batch can be closed at exactly its size in calls (see ingest-input.ts) without a part's lines being read
 * twice or any record being dropped.
 */
export function splitAtUsageRow(converted: ConvertedLines, rows: number): { head: ConvertedLines; tail: ConvertedLines } {
  const empty = { outcomes: [], revenue: [], rejects: [], unpriced: 0, prices: converted.prices };
  const encoded = converted.encoded;
  if (encoded === undefined) {
    return {
      head: { ...converted, usage: converted.usage.slice(0, rows) },
      tail: { ...empty, usage: converted.usage.slice(rows) },
    };
  }
  const noRows = { length: 0, columns: [] };
  return {
    head: { ...converted, encoded: { ...encoded, usage: sliceEncodedKind(encoded.usage, 0, rows) } },
    tail: { ...empty, usage: [], encoded: { dictionary: encoded.dictionary, usage: sliceEncodedKind(encoded.usage, rows, encoded.usage.length), outcomes: noRows, revenue: noRows } },
  };
}
