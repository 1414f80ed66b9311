import { parentPort, workerData } from 'node:worker_threads';
import { PriceCatalog } from '../core/catalog/price-catalog.js';
import { UnitcostError } from '../core/unitcost-error.js';
import { encodeStagedRows } from '../store/duckdb/duckdb-staged-columns.js';
import { transferList } from '../store/encoded-rows.js';
import { hashContent } from './hash-content.js';
import type { PostedBatchReply, PostedBatchRequest, PostedBatchWorkerData } from './posted-batch-conversion.js';
import { convertPostedBody } from './posted-records.js';

/*
 * The worker thread that reads, validates and prices the bodies posted to POST /v1/events
 * (posted-batch-conversion.ts), and hands their rows back as columns for the store to stage: the server sends
 * bodies in the order they arrived and gets them back in the same order.
 */

const data = workerData as PostedBatchWorkerData;
const context = { catalog: new PriceCatalog(data.providers, data.overrides), hashContent };
const port = parentPort!;

port.postMessage({ ready: true } satisfies PostedBatchReply);

port.on('message', (request: PostedBatchRequest) => {
  try {
    const converted = convertPostedBody(request.body, { ...context, nowMs: request.nowMs, source: request.source });
    const { batch } = converted.rows;
    const encoded = encodeStagedRows(batch);
    const reply: PostedBatchReply = { ok: true, converted: { ...converted, rows: { form: 'columns', encoded, prices: batch.prices } } };
    port.postMessage(reply, transferList(encoded));
  } catch (error) {
    const reply: PostedBatchReply = UnitcostError.isInstance(error)
      ? { ok: false, refused: { code: error.code, message: error.message, details: error.details } }
      : { ok: false, failure: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    port.postMessage(reply);
  }
});
