import { parseEventRecord } from '../core/events/parse-event-record.js';
import { toStoredRow, type RowContext } from '../core/events/to-stored-row.js';
import { UnitcostError } from '../core/unitcost-error.js';
import type { EncodedRows } from '../store/encoded-rows.js';
import type { EventBatch } from '../store/event-writer.js';
import type { StoredPriceRow } from '../store/stored-rows.js';

/*
 * A batch posted to POST /v1/events, from its body to rows ready to stage: read as a JSON array or as NDJSON,
 * each record validated and priced, with a result per record. Pure apart from the clock given in; the server
 * runs it on its own thread for small bodies and on a worker for large ones (posted-batch-conversion.ts).
 */

/** One record of a posted batch as read off the wire: its JSON value, or why it could not be read. */
export type RawRecord = { index: number; line?: number; value: unknown } | { index: number; line?: number; error: string };

/** What happened to one record of a batch. */
export interface RecordResult {
  /** Its position in the batch, from 0. */
  index: number;
  /** Its line, for NDJSON. */
  line?: number;
  /** The record's id (given, or derived from its content) once it could be read. */
  id?: string;
  /** Accepted: stored now, or already stored with the same content (idempotent retries); rejected: not stored. */
  status: 'accepted' | 'rejected';
  /** Present on an accepted record that was already stored with the same content, so this request changed nothing. */
  duplicate?: true;
  /** Why it was rejected: each field at fault. */
  errors?: Array<{ field: string; message: string }>;
}

/** How a posted body carries its records: a JSON array, or one JSON object a line. */
export type PostedFormat = 'json' | 'ndjson';

/** A posted body, decompressed, with how it is laid out and how many records it may hold. */
export interface PostedBody {
  bytes: Uint8Array;
  format: PostedFormat;
  maxItems: number;
}

export type RecordKind = 'usage' | 'outcomes' | 'revenue';

/** A posted batch, validated and priced, waiting to be staged and committed. */
export interface ConvertedRecords {
  /** The rows, as row objects or (from a worker, for a store that takes them) as encoded columns. */
  rows: { form: 'objects'; batch: Required<EventBatch> } | { form: 'columns'; encoded: EncodedRows; prices: StoredPriceRow[] };
  /** How many rows of each kind. */
  counts: Record<RecordKind, number>;
  /** The position in the request of each row, per kind, to put the store's conflicts back on their records. */
  origins: Record<RecordKind, number[]>;
  results: RecordResult[];
  /** The usage rows (by their index among the usage rows) that found no price. */
  unpricedUsage: number[];
}

/** A batch as converted on any thread, before a worker encodes its rows as columns. */
export type ConvertedRowObjects = ConvertedRecords & { rows: Extract<ConvertedRecords['rows'], { form: 'objects' }> };

/**
 * The records of a body. A malformed JSON array is refused whole; a malformed NDJSON line is one bad item.
 * An empty batch, or one over maxItems, is refused whole, before any record is converted.
 */
export function postedRecords(text: string, format: PostedFormat, maxItems: number): RawRecord[] {
  const items = format === 'ndjson' ? ndjsonItems(text) : jsonArrayItems(text);
  if (items.length === 0) throw new UnitcostError('invalid_argument', 'the batch is empty: send at least one record', { field: 'body' });
  if (items.length > maxItems) {
    throw new UnitcostError('payload_too_large', `the batch has ${items.length.toLocaleString('en-US')} records, more than the ${maxItems.toLocaleString('en-US')} one request may carry; split it`, { field: 'body' });
  }
  return items;
}

function jsonArrayItems(text: string): RawRecord[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UnitcostError('invalid_argument', `the body is not valid JSON (${(error as Error).message}); send a JSON array of records, or NDJSON as application/x-ndjson`, { field: 'body' });
  }
  if (!Array.isArray(parsed)) {
    throw new UnitcostError('invalid_argument', 'the body must be a JSON array of records (wrap a single record in [ ]), or NDJSON as application/x-ndjson', { field: 'body' });
  }
  return parsed.map((value, index) => ({ index, value }));
}

function ndjsonItems(text: string): RawRecord[] {
  const items: RawRecord[] = [];
  let start = 0;
  let line = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    line += 1;
    const content = text.slice(start, end).trim();
    if (content !== '') {
      try {
        items.push({ index: items.length, line, value: JSON.parse(content) });
      } catch (error) {
        items.push({ index: items.length, line, error: `not valid JSON: ${(error as Error).message}` });
      }
    }
    start = end + 1;
  }
  return items;
}

/** Validates and prices a posted batch's records; bad records get their errors, the others become rows. */
export function convertRecords(records: readonly RawRecord[], context: RowContext & { nowMs: number; source: string }): ConvertedRowObjects {
  const results: RecordResult[] = records.map((record) => ({ index: record.index, ...(record.line === undefined ? {} : { line: record.line }), status: 'accepted' }));
  const batch: Required<EventBatch> = { usage: [], outcomes: [], revenue: [], prices: [] };
  const origins: Record<RecordKind, number[]> = { usage: [], outcomes: [], revenue: [] };
  const unpricedUsage: number[] = [];
  const prices = new Map<string, StoredPriceRow>();
  records.forEach((record, position) => {
    if ('error' in record) return rejectRecord(results, position, [{ field: '', message: record.error }]);
    const parsed = parseEventRecord(record.value, { nowMs: context.nowMs });
    if (!parsed.ok) return rejectRecord(results, position, parsed.errors);
    const converted = toStoredRow(parsed.record, context, context.source);
    if (!converted.ok) return rejectRecord(results, position, converted.errors);
    if (converted.type === 'usage') {
      if (converted.row.priceId === null) unpricedUsage.push(batch.usage.length);
      batch.usage.push(converted.row);
      origins.usage.push(position);
      results[position]!.id = converted.row.id;
      if (converted.price !== null && !prices.has(converted.price.priceId)) prices.set(converted.price.priceId, converted.price);
    } else if (converted.type === 'outcome') {
      batch.outcomes.push(converted.row);
      origins.outcomes.push(position);
      results[position]!.id = converted.row.taskId;
    } else {
      batch.revenue.push(converted.row);
      origins.revenue.push(position);
      results[position]!.id = converted.row.id;
    }
  });
  batch.prices = [...prices.values()];
  return { rows: { form: 'objects', batch }, counts: { usage: batch.usage.length, outcomes: batch.outcomes.length, revenue: batch.revenue.length }, origins, results, unpricedUsage };
}

/** Reads a posted body's records and converts them: what the server does with a body, on whichever thread. */
export function convertPostedBody(body: PostedBody, context: RowContext & { nowMs: number; source: string }): ConvertedRowObjects {
  const text = Buffer.from(body.bytes.buffer, body.bytes.byteOffset, body.bytes.byteLength).toString('utf8');
  return convertRecords(postedRecords(text, body.format, body.maxItems), context);
}

/** Marks a record of the batch refused, with each field at fault. */
export function rejectRecord(results: RecordResult[], position: number, errors: Array<{ field: string; message: string }>): void {
  results[position]!.status = 'rejected';
  results[position]!.errors = errors;
}
