import { closeSync, openSync, readSync } from 'node:fs';
import { constants, gunzipSync } from 'node:zlib';
import type { RowContext } from '../core/events/to-stored-row.js';
import type { EventWriter, JsonLinesBatch, JsonLinesBatchOptions } from '../store/event-writer.js';
import type { AppendOutcome } from '../store/stored-rows.js';
import { convertLines, type LineConverter, type RejectedRecord } from './convert-lines.js';
import type { IngestProgress } from './ingest-input.js';
import { addTotals, emptyTotals, type IngestTotals } from './ingest-totals.js';
import { openInput } from './open-input.js';
import { jsonLinesRecordReader } from './record-reader.js';
import type { RejectFile } from './reject-file.js';

/** A store that parses JSON lines itself. */
export type JsonLinesWriter = EventWriter & Required<Pick<EventWriter, 'openJsonLinesBatch'>>;

/** How to ingest one file of JSON lines through the store's parser. */
export interface JsonLinesInputOptions {
  /** Lines per batch (one transaction each). */
  batchSize: number;
  rejects: RejectFile;
  /** For the lines the store hands back: the JavaScript path's pricing context and "now". */
  context: RowContext;
  nowMs: number;
  pricing: JsonLinesBatchOptions['pricing'];
  signal?: AbortSignal;
  onProgress?: (progress: IngestProgress) => void;
}

const newline = 0x0a;

/**
 * Whether a file (gzipped or not) holds JSON lines: its first byte other than a space, tab or line break
 * is "{". Anything else (CSV, a byte-order mark, an empty file) is left to the JavaScript path, which
 * detects the format line by line.
 */
export function isJsonLinesFile(path: string): boolean {
  let head = Buffer.alloc(64 * 1024);
  try {
    const descriptor = openSync(path, 'r');
    try {
      head = head.subarray(0, readSync(descriptor, head, 0, head.length, 0));
    } finally {
      closeSync(descriptor);
    }
  } catch {
    // Unreadable (missing, a directory…): the JavaScript path says why, naming the file.
    return false;
  }
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    try {
      head = gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH });
    } catch {
      return false;
    }
  }
  for (const byte of head) {
    if (byte === 0x20 || byte === 0x09 || byte === 0x0d || byte === newline) continue;
    return byte === 0x7b;
  }
  return false;
}

/**
 * Streams a file of JSON lines into the store, letting the store (DuckDB) parse, check and price the
 * common records; the lines it hands back are read by the JavaScript path (convertLines) and added to the
 * same batch, so every line is stored, counted or rejected with its file:line exactly once. As in
 * ingestInput, the next batch is staged while the previous one commits, and counts are added only once
 * a commit has returned.
 */
export async function ingestJsonLines(writer: JsonLinesWriter, path: string, options: JsonLinesInputOptions): Promise<{ totals: IngestTotals; interrupted: boolean }> {
  const input = await openInput(path);
  const totals = emptyTotals();
  const converter: LineConverter = { reader: jsonLinesRecordReader(), context: options.context, nowMs: options.nowMs, file: input.name };
  const batchOptions: JsonLinesBatchOptions = { file: input.name, nowMs: options.nowMs, pricing: options.pricing };
  let nextLine = 1;
  let batch: JsonLinesBatch | undefined;
  let batchLines = 0;
  let inFlight: Promise<void> | undefined;
  let interrupted = false;

  const commit = async (open: JsonLinesBatch, staged: IngestTotals, bytesRead: number): Promise<void> => {
    const outcome = await open.commit();
    await options.rejects.write([...conflictRejects(outcome.usage, 'id'), ...conflictRejects(outcome.outcomes, 'task_id'), ...conflictRejects(outcome.revenue, 'id')]);
    staged.acceptedCalls = outcome.usage.inserted;
    staged.acceptedOutcomes = outcome.outcomes.inserted;
    staged.acceptedRevenue = outcome.revenue.inserted;
    staged.accepted = outcome.usage.inserted + outcome.outcomes.inserted + outcome.revenue.inserted;
    staged.duplicates = outcome.usage.duplicates + outcome.outcomes.duplicates + outcome.revenue.duplicates;
    staged.conflicts = outcome.usage.conflicts.length + outcome.outcomes.conflicts.length + outcome.revenue.conflicts.length;
    addTotals(totals, staged);
    options.onProgress?.({ input: input.name, bytesRead, totalBytes: input.totalBytes, totals: { ...totals } });
  };

  const stage = async (block: Buffer, lines: number): Promise<void> => {
    batch ??= await writer.openJsonLinesBatch(batchOptions);
    await batch.addLines(block.toString('utf8'), nextLine);
    nextLine += lines;
    batchLines += lines;
  };

  // Parses the batch, converts what the store handed back, and commits it (after the previous commit).
  const close = async (last: boolean): Promise<void> => {
    const full = batch!;
    const staged = emptyTotals();
    staged.lines = batchLines;
    batch = undefined;
    batchLines = 0;
    const parsed = await full.parse();
    const converted = convertLines(converter, parsed.texts, 0, false, parsed.lineNumbers);
    await options.rejects.write(converted.rejects);
    await full.add(converted);
    staged.rejected = converted.rejects.length;
    staged.unpriced = converted.unpriced + parsed.unpriced;
    if (inFlight) await inFlight;
    inFlight = commit(full, staged, input.bytesRead());
    if (options.signal?.aborted && !last) interrupted = true;
  };

  try {
    let carry: Buffer | undefined;
    for await (const chunk of input.chunks) {
      let data = carry === undefined ? chunk : Buffer.concat([carry, chunk]);
      const end = data.lastIndexOf(newline);
      if (end < 0) {
        carry = data;
        continue;
      }
      carry = end + 1 < data.length ? Buffer.from(data.subarray(end + 1)) : undefined;
      data = data.subarray(0, end);
      // Whole lines, cut where a batch fills: [0, end) holds (newlines in it + 1) lines.
      while (!interrupted) {
        const room = options.batchSize - batchLines;
        const cut = nthNewline(data, room);
        if (cut < 0) {
          await stage(data, countNewlines(data) + 1);
          if (batchLines >= options.batchSize) await close(false);
          break;
        }
        await stage(data.subarray(0, cut), room);
        await close(false);
        data = data.subarray(cut + 1);
      }
      if (interrupted) break;
    }
    if (!interrupted) {
      if (carry !== undefined) await stage(carry, 1);
      if (batch) await close(true);
    }
  } catch (error) {
    await batch?.abandon();
    throw error;
  } finally {
    if (inFlight) await inFlight;
  }
  if (interrupted) await batch?.abandon();
  return { totals, interrupted };
}

function countNewlines(data: Buffer): number {
  let count = 0;
  for (let at = data.indexOf(newline); at !== -1; at = data.indexOf(newline, at + 1)) count += 1;
  return count;
}

// The position of the nth newline (n ≥ 1), or -1 when there are fewer.
function nthNewline(data: Buffer, n: number): number {
  let at = -1;
  for (let seen = 0; seen < n; seen += 1) {
    at = data.indexOf(newline, at + 1);
    if (at === -1) return -1;
  }
  return at;
}

function conflictRejects(outcome: AppendOutcome, field: string): RejectedRecord[] {
  return outcome.conflicts.map((conflict) => ({ source: conflict.source ?? '', field, reason: conflict.reason, errors: [{ field, message: conflict.reason }] }));
}
