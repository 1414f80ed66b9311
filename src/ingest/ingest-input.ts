import type { Readable } from 'node:stream';
import { UnitcostError } from '../core/unitcost-error.js';
import type { EventWriter, OpenBatch } from '../store/event-writer.js';
import type { AppendOutcome } from '../store/stored-rows.js';
import { splitAtUsageRow, usageRowCount, type ConvertedLines, type RejectedRecord } from './convert-lines.js';
import { addTotals, emptyTotals, type IngestTotals } from './ingest-totals.js';
import { lineChunks } from './line-chunks.js';
import { openInput } from './open-input.js';
import type { LineConversion } from './line-conversion.js';
import type { RejectFile } from './reject-file.js';

/** Where an ingest of one input stands; reported after each committed batch, so its counts are durable. */
export interface IngestProgress {
  input: string;
  bytesRead: number;
  /** Undefined when the size is unknown (stdin). */
  totalBytes: number | undefined;
  totals: IngestTotals;
}

/** How to ingest one input. */
export interface IngestInputOptions {
  /** Calls per batch (one transaction each); a batch of other records closes at four times as many lines. */
  batchSize: number;
  /** Starts the conversion of one input's lines (named as rejects will name them): on this thread or a worker. */
  conversion: (file: string, totalBytes: number | undefined) => LineConversion;
  rejects: RejectFile;
  signal?: AbortSignal;
  stdin?: Readable;
  onProgress?: (progress: IngestProgress) => void;
}

/** Lines converted and staged at a time: small enough that their objects stay young garbage. */
const partLines = 8192;

/**
 * Streams one input into the store. Lines are read in chunks and converted a part at a time; each part
 * is staged into the open batch, and a batch is committed (one transaction) once it holds batchSize
 * calls (or four times as many lines of other records). The next batch is staged while DuckDB commits
 * the previous one, and counts are added only once a commit has returned, so nothing reported as
 * accepted can be lost.
 */
export async function ingestInput(writer: EventWriter, path: string, options: IngestInputOptions): Promise<{ totals: IngestTotals; interrupted: boolean }> {
  const input = await openInput(path, options.stdin);
  const totals = emptyTotals();
  const conversion = options.conversion(input.name, input.totalBytes);
  const part = Math.min(partLines, options.batchSize);
  let pending: string[] = [];
  let nextLine = 1;
  // Conversions run ahead (on the worker) while the previous part is staged: at most two at a time.
  const converting: Array<{ lines: number; converted: Promise<ConvertedLines> }> = [];
  let batch: OpenBatch | undefined;
  let batchTotals = emptyTotals();
  let inFlight: Promise<void> | undefined;
  let interrupted = false;

  const commit = async (open: OpenBatch, staged: IngestTotals, bytesRead: number): Promise<void> => {
    const outcome = await open.commit();
    const conflicts: RejectedRecord[] = [
      ...conflictRejects(outcome.usage, 'id'),
      ...conflictRejects(outcome.outcomes, 'task_id'),
      ...conflictRejects(outcome.revenue, 'id'),
    ];
    await options.rejects.write(conflicts);
    staged.acceptedCalls = outcome.usage.inserted;
    staged.acceptedOutcomes = outcome.outcomes.inserted;
    staged.acceptedRevenue = outcome.revenue.inserted;
    staged.accepted = outcome.usage.inserted + outcome.outcomes.inserted + outcome.revenue.inserted;
    staged.duplicates = outcome.usage.duplicates + outcome.outcomes.duplicates + outcome.revenue.duplicates;
    staged.conflicts = conflicts.length;
    addTotals(totals, staged);
    options.onProgress?.({ input: input.name, bytesRead, totalBytes: input.totalBytes, totals: { ...totals } });
  };

  // Stages the oldest conversion; commits the batch when it is full (or at the end of the input).
  const stageNext = async (atEnd: boolean): Promise<void> => {
    const next = converting.shift()!;
    const converted = await next.converted;
    if (converted.unreadable) {
      const { source, line, field, message } = converted.unreadable;
      throw new UnitcostError('invalid_argument', `${source}: ${message}`, { file: input.name, line, field });
    }
    await options.rejects.write(converted.rejects);
    batch ??= await writer.openBatch();
    // A batch closes at exactly batchSize calls, the part's calls beyond them starting the next batch: with the
    // default size, one DuckDB row group. A batch that ran a few thousand calls over left a partly filled row
    // group after each full one, and every checkpoint then rewrote whole row groups around it (3.4 s of CPU per
    // 756k calls in batches of 126,000, against 0.07 s in batches of 122,880; BENCHMARKS.md "Ingest").
    const room = options.batchSize - batch.added.usage;
    const { head, tail } = usageRowCount(converted) > room ? splitAtUsageRow(converted, room) : { head: converted, tail: undefined };
    await addTo(batch, head);
    // The part's lines are counted with its head: the tail holds only calls, committed before any stop.
    batchTotals.lines += next.lines;
    batchTotals.rejected += converted.rejects.length;
    batchTotals.unpriced += converted.unpriced;
    const last = atEnd && converting.length === 0 && tail === undefined;
    if (last || batch.added.usage >= options.batchSize || batchTotals.lines >= 4 * options.batchSize) {
      await commitOpenBatch();
      if (tail !== undefined) {
        batch = await writer.openBatch();
        await addTo(batch, tail);
        if (atEnd && converting.length === 0) await commitOpenBatch();
      }
      // Stop at a commit once asked to, with nothing half-staged: a tail already staged is committed first.
      if (options.signal?.aborted && !(atEnd && converting.length === 0)) {
        if (batch !== undefined) await commitOpenBatch();
        interrupted = true;
      }
    }
  };

  const addTo = async (open: OpenBatch, converted: ConvertedLines): Promise<void> => {
    if (converted.encoded === undefined) await open.add(converted);
    else if (open.addEncoded) await open.addEncoded(converted.encoded, converted.prices);
    else throw new Error('rows were encoded as columns for a store whose batches do not take them');
  };

  const commitOpenBatch = async (): Promise<void> => {
    const full = batch!;
    const staged = batchTotals;
    batch = undefined;
    batchTotals = emptyTotals();
    if (inFlight) await inFlight;
    inFlight = commit(full, staged, input.bytesRead());
  };

  const convert = (lines: string[], atEnd: boolean): void => {
    converting.push({ lines: lines.length, converted: conversion.convert(lines, nextLine, atEnd) });
    nextLine += lines.length;
  };

  try {
    for await (const lines of lineChunks(input.chunks)) {
      for (const line of lines) pending.push(line);
      while (pending.length >= part && !interrupted) {
        convert(pending.length === part ? pending : pending.slice(0, part), false);
        pending = pending.length === part ? [] : pending.slice(part);
        if (converting.length > 1) await stageNext(false);
      }
      if (interrupted) break;
    }
    if (!interrupted) {
      convert(pending, true);
      while (converting.length > 0 && !interrupted) await stageNext(true);
    }
  } catch (error) {
    await batch?.abandon();
    throw error;
  } finally {
    if (inFlight) await inFlight;
    // Conversions still running after an interruption are dropped: their lines were never staged.
    await Promise.allSettled(converting.map((entry) => entry.converted));
    await conversion.close();
  }
  if (interrupted) await batch?.abandon();
  return { totals, interrupted };
}

function conflictRejects(outcome: AppendOutcome, field: string): RejectedRecord[] {
  return outcome.conflicts.map((conflict) => ({
    source: conflict.source ?? '',
    field,
    reason: conflict.reason,
    errors: [{ field, message: conflict.reason }],
  }));
}
