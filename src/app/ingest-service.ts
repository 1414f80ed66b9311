import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { UnitcostError } from '../core/unitcost-error.js';
import { hashContent } from '../ingest/hash-content.js';
import { ingestInput, type IngestProgress } from '../ingest/ingest-input.js';
import { addTotals, emptyTotals, type IngestTotals } from '../ingest/ingest-totals.js';
import { RejectFile } from '../ingest/reject-file.js';
import { conversionWorkersAvailable, localConversion, workerConversion, type LineConversion } from '../ingest/line-conversion.js';
import type { EventWriter } from '../store/event-writer.js';
import type { App } from './create-app.js';
import { workerCatalogOf } from './ingest/worker-catalog.js';

export type { IngestProgress } from '../ingest/ingest-input.js';
export type { IngestTotals } from '../ingest/ingest-totals.js';

/** How to ingest. */
export interface IngestOptions {
  /** Where rejected lines go; default <first input>.rejects.jsonl (stdin.rejects.jsonl for "-"). */
  rejects?: string;
  /** Calls per batch (one transaction each); default 122,880. */
  batchSize?: number;
  /** Stops after the batch in progress is committed. */
  signal?: AbortSignal;
  /** The stream "-" reads; default process.stdin. */
  stdin?: Readable;
  /**
   * Read and price lines on a worker thread (for inputs over 4 MB or of unknown size). By default on when
   * the store's batches take rows encoded as columns (DuckDB), which the worker hands over without cloning
   * each row (BENCHMARKS.md "Ingest"); off otherwise, where cloning every row ate most of the gain.
   */
  worker?: boolean;
}

const workerThresholdBytes = 4 * 2 ** 20;

/**
 * Whether an input is read and priced on a worker thread: as asked (--worker, --no-worker), else when the
 * store takes rows encoded as columns; in both cases only for inputs over 4 MB or of unknown size, and where
 * a worker can start.
 */
export function convertsOnWorker(asked: boolean | undefined, acceptsEncodedRows: boolean, totalBytes: number | undefined, workersAvailable: boolean): boolean {
  return workersAvailable && (asked ?? acceptsEncodedRows) && (totalBytes === undefined || totalBytes > workerThresholdBytes);
}

/** What an ingest did, per input and in all. */
export interface IngestResult {
  inputs: Array<{ path: string; totals: IngestTotals }>;
  totals: IngestTotals;
  /** The reject file, when anything was rejected. */
  rejectsPath: string | undefined;
  interrupted: boolean;
}

/**
 * Calls per transaction by default: one DuckDB row group. An insert of a whole row group is written
 * straight to the file, compressed once, instead of through the write-ahead log and again at the next
 * checkpoint: measured 2.2 times cheaper on DuckDB's side than 50,000-call batches (BENCHMARKS.md).
 * Rows are staged as they are converted, so the batch size costs DuckDB memory, not JavaScript objects.
 */
export const defaultBatchSize = 122_880;

/**
 * Ingests JSONL or CSV files (gzipped or not, "-" for stdin) into a store, idempotently: a line already
 * stored is a duplicate, so an ingest that was interrupted is finished by running it again.
 */
export async function ingestFiles(
  app: App,
  store: EventWriter,
  paths: string[],
  options: IngestOptions = {},
  onProgress?: (progress: IngestProgress) => void,
): Promise<IngestResult> {
  if (paths.length === 0) throw new UnitcostError('invalid_argument', 'name at least one file to ingest, or - for stdin', { field: 'file' });
  if (paths.filter((path) => path === '-').length > 1) throw new UnitcostError('invalid_argument', 'stdin (-) can be read only once', { field: 'file' });
  const batchSize = options.batchSize ?? defaultBatchSize;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new UnitcostError('invalid_argument', `--batch-size must be a positive whole number, got ${batchSize}`, { field: 'batch-size' });
  const rejectsPath = resolve(options.rejects ?? `${paths[0] === '-' ? 'stdin' : paths[0]}.rejects.jsonl`);
  const rejects = new RejectFile(rejectsPath);
  const context = { catalog: app.catalog, hashContent };
  const nowMs = app.now().getTime();
  const workersAvailable = conversionWorkersAvailable();
  const workerCatalog = workerCatalogOf(app);
  // A worker costs a thread and a second catalog; worth it from a few megabytes of input on.
  const conversion = (file: string, totalBytes: number | undefined): LineConversion =>
    convertsOnWorker(options.worker, store.acceptsEncodedRows === true, totalBytes, workersAvailable) ? workerConversion(workerCatalog, nowMs, file, store.acceptsEncodedRows === true) : localConversion(context, nowMs, file);
  const result: IngestResult = { inputs: [], totals: emptyTotals(), rejectsPath: undefined, interrupted: false };
  const loadEveryInput = async (): Promise<void> => {
    try {
      for (const path of paths) {
        const input = await ingestInput(store, path, {
          batchSize,
          conversion,
          rejects,
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.stdin ? { stdin: options.stdin } : {}),
          ...(onProgress ? { onProgress } : {}),
        });
        result.inputs.push({ path, totals: input.totals });
        addTotals(result.totals, input.totals);
        if (input.interrupted) {
          result.interrupted = true;
          break;
        }
      }
    } finally {
      await rejects.close();
    }
  };
  await (store.duringBulkLoad ? store.duringBulkLoad(loadEveryInput) : loadEveryInput());
  if (rejects.count > 0) result.rejectsPath = rejectsPath;
  return result;
}
