import { parentPort, workerData } from 'node:worker_threads';
import type { Provider } from '@pydantic/genai-prices';
import { PriceCatalog } from '../core/catalog/price-catalog.js';
import type { CatalogOverrides } from '../core/catalog/catalog-overrides.js';
import { transferList } from '../store/encoded-rows.js';
import { encodeStagedRows } from '../store/duckdb/duckdb-staged-columns.js';
import { convertLines, type ConvertedLines, type LineConverter } from './convert-lines.js';
import { hashContent } from './hash-content.js';
import { detectingRecordReader } from './record-reader.js';

/*
 * The worker thread that reads, validates and prices lines for ingest (see line-conversion.ts): the main
 * thread sends runs of lines in order and gets their rows back in the same order. One worker per input,
 * so the CSV reader's state (header, quoted cells across lines) stays in one place.
 */

/** What the worker is started with. */
export interface ConversionWorkerData {
  providers: Provider[];
  overrides: CatalogOverrides;
  nowMs: number;
  file: string;
  /** Send rows as columns (encoded-rows.ts) with their buffers transferred: for a store whose batches take them. */
  encodeRows: boolean;
}

/** One run of lines to convert. */
export interface ConversionRequest {
  lines: string[];
  firstLine: number;
  atEnd: boolean;
}

const data = workerData as ConversionWorkerData;
const converter: LineConverter = {
  reader: detectingRecordReader(),
  context: { catalog: new PriceCatalog(data.providers, data.overrides), hashContent },
  nowMs: data.nowMs,
  file: data.file,
};

parentPort!.on('message', (request: ConversionRequest) => {
  try {
    const converted = convertLines(converter, request.lines, request.firstLine, request.atEnd);
    if (!data.encodeRows) {
      parentPort!.postMessage({ ok: true, converted });
      return;
    }
    const encoded = encodeStagedRows(converted);
    const message: ConvertedLines = { ...converted, usage: [], outcomes: [], revenue: [], encoded };
    parentPort!.postMessage({ ok: true, converted: message }, transferList(encoded));
  } catch (error) {
    parentPort!.postMessage({ ok: false, message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
});
