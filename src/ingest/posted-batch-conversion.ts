import type { Worker } from 'node:worker_threads';
import type { RowContext } from '../core/events/to-stored-row.js';
import { UnitcostError, type UnitcostErrorCode } from '../core/unitcost-error.js';
import type { WorkerCatalog } from './line-conversion.js';
import { moduleWorkersAvailable, startModuleWorker } from './module-worker.js';
import { convertPostedBody, type ConvertedRecords, type PostedBody } from './posted-records.js';

/** Reads, validates and prices posted bodies, on the calling thread or on a worker. */
export interface PostedBatchConversion {
  /** Rejects with a UnitcostError when the body is refused whole (not JSON, empty, too many records). */
  convert(body: PostedBody, options: { nowMs: number; source: string }): Promise<ConvertedRecords>;
  /** Bodies converted so far, on the worker and on the calling thread (for /metrics). */
  readonly converted: { onWorker: number; onThisThread: number };
  close(): Promise<void>;
}

/** What the worker is started with: the bundled provider data and the config's overrides, to build its own catalog. */
export type PostedBatchWorkerData = WorkerCatalog;

/** One body for the worker to convert. */
export interface PostedBatchRequest {
  body: PostedBody;
  nowMs: number;
  source: string;
}

/** The worker's messages: ready once its catalog is built; then, per request in order, its rows, its refusal, or an unexpected failure. */
export type PostedBatchReply =
  | { ready: true }
  | { ok: true; converted: ConvertedRecords }
  | { ok: false; refused: { code: UnitcostErrorCode; message: string; details: UnitcostError['details'] } }
  | { ok: false; failure: string };

/** Conversion on the calling thread: for small bodies, tests, and stores whose batches take row objects. */
export function localPostedConversion(context: RowContext): PostedBatchConversion {
  const converted = { onWorker: 0, onThisThread: 0 };
  return {
    convert: async (body, options) => {
      const records = convertPostedBody(body, { ...context, ...options });
      converted.onThisThread += 1;
      return records;
    },
    converted,
    close: async () => undefined,
  };
}

/** Whether a posted-batch worker can start here (see module-worker.ts). */
export function postedBatchWorkersAvailable(): boolean {
  return moduleWorkersAvailable(import.meta.url);
}

/** Bodies smaller than this are converted on the calling thread: a round trip to the worker would cost more than it saves. */
export const defaultMinWorkerBytes = 64 * 1024;

export interface WorkerPostedConversionOptions {
  catalog: WorkerCatalog;
  /** Converts small bodies, bodies posted while the worker starts, and every body once it has failed. */
  local: PostedBatchConversion;
  /** Bodies of at least this many bytes go to the worker (default defaultMinWorkerBytes). */
  minWorkerBytes?: number;
  /** Told once when the worker stops unexpectedly and conversion moves to the calling thread. */
  onProblem?: (message: string) => void;
  /** The worker module beside this one to start (default posted-batch-worker); tests start one that fails. */
  workerModule?: string;
}

/** Conversion on a worker, which can also be started ahead of the first large body. */
export interface WorkerPostedConversion extends PostedBatchConversion {
  /** Starts the worker if it has not started; resolves true once it is ready, false if it failed. */
  start(): Promise<boolean>;
}

/**
 * Conversion on a worker thread, for a store whose batches take encoded columns. On the server's one JavaScript
 * thread, reading, validating, hashing and pricing a posted batch cost about half its time; and every commit's
 * answer from DuckDB waited behind whichever 1,000-record conversion the thread was in. On the worker the thread
 * only stages columns, as CLI ingest's does. Started on the first large body, not with the server; bodies that
 * arrive before it is ready are converted here. Nothing depends on the worker to be kept: if it stops, the
 * bodies it held are converted here, in order, and so is every body after.
 */
export function workerPostedConversion(options: WorkerPostedConversionOptions): WorkerPostedConversion {
  const minBytes = options.minWorkerBytes ?? defaultMinWorkerBytes;
  type Waiting = { request: PostedBatchRequest; resolve: (converted: ConvertedRecords) => void; reject: (error: Error) => void };
  const waiting: Waiting[] = [];
  let worker: Worker | undefined;
  let state: 'unstarted' | 'starting' | 'ready' | 'failed' = 'unstarted';
  let onWorker = 0;
  // Told when the worker is ready (true) or has failed (false).
  const settled: Array<(ready: boolean) => void> = [];
  const settle = (ready: boolean): void => {
    for (const resolve of settled.splice(0)) resolve(ready);
  };

  const convertHere = (request: PostedBatchRequest): Promise<ConvertedRecords> => options.local.convert(request.body, { nowMs: request.nowMs, source: request.source });
  const fail = (reason: string): void => {
    if (state === 'failed') return;
    state = 'failed';
    settle(false);
    options.onProblem?.(`the posted-batch conversion worker stopped (${reason}); posted batches are converted on the server's thread from now on`);
    for (const entry of waiting.splice(0)) convertHere(entry.request).then(entry.resolve, entry.reject);
  };
  const start = (): void => {
    state = 'starting';
    const thread = startModuleWorker(import.meta.url, options.workerModule ?? 'posted-batch-worker', options.catalog satisfies PostedBatchWorkerData);
    thread.on('message', (reply: PostedBatchReply) => {
      if ('ready' in reply) {
        if (state === 'starting') state = 'ready';
        settle(state === 'ready');
        return;
      }
      const entry = waiting.shift();
      if (!entry) return;
      if (reply.ok) {
        onWorker += 1;
        entry.resolve(reply.converted);
      }
      else if ('refused' in reply) entry.reject(new UnitcostError(reply.refused.code, reply.refused.message, reply.refused.details));
      // An unexpected failure is retried here: converted here too, the body fails the same way, or it is kept.
      else convertHere(entry.request).then(entry.resolve, entry.reject);
      // An idle worker never keeps the process alive; the server closes it, but a forgotten one must not hang an exit.
      if (waiting.length === 0) thread.unref();
    });
    thread.on('error', (error) => fail(error.message));
    thread.on('exit', (code) => fail(`exit code ${code}`));
    thread.unref();
    worker = thread;
  };

  return {
    start: () => {
      if (state === 'unstarted') start();
      if (state === 'ready' || state === 'failed') return Promise.resolve(state === 'ready');
      return new Promise((resolve) => settled.push(resolve));
    },
    convert: (body, { nowMs, source }) => {
      const request: PostedBatchRequest = { body, nowMs, source };
      if (body.bytes.byteLength < minBytes || state === 'failed') return convertHere(request);
      if (state === 'unstarted') start();
      if (state !== 'ready') return convertHere(request);
      return new Promise<ConvertedRecords>((resolve, reject) => {
        waiting.push({ request, resolve, reject });
        worker!.ref();
        // The body is copied, not transferred: it stays here to be converted if the worker stops.
        worker!.postMessage(request);
      });
    },
    get converted() {
      return { onWorker, onThisThread: options.local.converted.onThisThread };
    },
    close: async () => {
      if (!worker) return;
      // Bodies still on the worker are converted here, so that a request in flight is answered, not dropped.
      state = 'failed';
      const held = waiting.splice(0);
      worker.removeAllListeners('exit');
      worker.removeAllListeners('message');
      await worker.terminate();
      for (const entry of held) convertHere(entry.request).then(entry.resolve, entry.reject);
    },
  };
}
