import type { Provider } from '@pydantic/genai-prices';
import type { CatalogOverrides } from '../core/catalog/catalog-overrides.js';
import type { RowContext } from '../core/events/to-stored-row.js';
import type { ConversionRequest, ConversionWorkerData } from './conversion-worker.js';
import { convertLines, type ConvertedLines, type LineConverter } from './convert-lines.js';
import { detectingRecordReader } from './record-reader.js';
import { runsFromSources, startModuleWorker } from './module-worker.js';

/** Converts runs of lines of one input, in order: on this thread, or on a worker thread. */
export interface LineConversion {
  convert(lines: string[], firstLine: number, atEnd: boolean): Promise<ConvertedLines>;
  close(): Promise<void>;
}

/** What a worker needs to build its own catalog: the bundled provider data and the config's overrides. */
export interface WorkerCatalog {
  providers: Provider[];
  overrides: CatalogOverrides;
}

/**
 * Whether a conversion worker can start: always once built to JavaScript; from TypeScript sources only
 * when running under tsx (not under vitest, which transforms modules in-process).
 */
export function conversionWorkersAvailable(): boolean {
  return !runsFromSources(import.meta.url) || process.execArgv.some((argument) => argument.includes('tsx'));
}

// The worker holds one part of lines at a time and a catalog: a small old generation keeps its heap (and
// the process's RSS) from growing lazily to hundreds of MB before V8 bothers to collect.
const resourceLimits = { maxOldGenerationSizeMb: 128 };

function startWorker(data: ConversionWorkerData) {
  return startModuleWorker(import.meta.url, 'conversion-worker', data, resourceLimits);
}

/** Conversion on the calling thread, for small inputs, tests and runtimes without workers. */
export function localConversion(context: RowContext, nowMs: number, file: string): LineConversion {
  const converter: LineConverter = { reader: detectingRecordReader(), context, nowMs, file };
  return {
    convert: async (lines, firstLine, atEnd) => convertLines(converter, lines, firstLine, atEnd),
    close: async () => undefined,
  };
}

/**
 * Conversion on a worker thread: parsing JSON, validating, hashing and pricing (about half of ingest's
 * JavaScript time) run on the second core while this thread stages rows into DuckDB. Requests are
 * answered in the order they were sent. With encodeRows (a store that takes them, OpenBatch.addEncoded)
 * rows come back as columns whose buffers are transferred (encoded-rows.ts) instead of as row objects
 * cloned one by one, which cost ~4 µs a record and most of the worker's gain.
 */
export function workerConversion(catalog: WorkerCatalog, nowMs: number, file: string, encodeRows = false): LineConversion {
  const data: ConversionWorkerData = { providers: catalog.providers, overrides: catalog.overrides, nowMs, file, encodeRows };
  const worker = startWorker(data);
  const waiting: Array<{ resolve: (converted: ConvertedLines) => void; reject: (error: Error) => void }> = [];
  let failure: Error | undefined;
  const failAll = (error: Error): void => {
    failure ??= error;
    for (const request of waiting.splice(0)) request.reject(error);
  };
  worker.on('message', (message: { ok: true; converted: ConvertedLines } | { ok: false; message: string }) => {
    const request = waiting.shift();
    if (!request) return;
    if (message.ok) request.resolve(message.converted);
    else request.reject(new Error(`the conversion worker failed: ${message.message}`));
  });
  worker.on('error', (error) => failAll(error));
  worker.on('exit', (code) => failAll(new Error(`the conversion worker exited (${code})`)));
  return {
    convert: (lines, firstLine, atEnd) =>
      new Promise<ConvertedLines>((resolve, reject) => {
        if (failure) return reject(failure);
        waiting.push({ resolve, reject });
        const request: ConversionRequest = { lines, firstLine, atEnd };
        worker.postMessage(request);
      }),
    close: async () => {
      worker.removeAllListeners('exit');
      await worker.terminate();
    },
  };
}
