import { readlinkSync } from 'node:fs';
import { constants, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { Provider } from '@pydantic/genai-prices';
import { PriceCatalog } from '../../core/catalog/price-catalog.js';
import type { CatalogOverrides } from '../../core/catalog/catalog-overrides.js';
import { hashContent } from '../../ingest/hash-content.js';
import { DuckdbStore } from '../../store/duckdb/duckdb-store.js';
import { RecordIngester } from '../ingest-records.js';
import { SerialQueue } from '../serial-queue.js';
import type { DeliveryOutcome } from './event-recorder.js';
import { storeDelivery } from './store-delivery.js';

/*
 * The thread that writes the gateway's events into its DuckDB file (see worker-store-delivery.ts): it
 * validates, prices and hashes each event, builds its row, appends it and commits, by the same write path
 * as POST /v1/events. None of that runs on the thread that serves calls, so a batch's row building and
 * DuckDB's appender flush never hold a call's answer back.
 */

/** What the worker is started with: the store file, and what it needs to build its own catalog. */
export interface StoreWriterWorkerData {
  db: string;
  providers: Provider[];
  overrides: CatalogOverrides;
}

/** A message to the worker: a batch to store (the events as one JSON array), or the order to close. */
export type StoreWriterRequest = { type: 'deliver'; id: number; events: string; nowMs: number } | { type: 'close' };

/** A message from the worker. */
export type StoreWriterReply =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'delivered'; id: number; outcome: DeliveryOutcome; problems: string[] }
  | { type: 'closed' };

const data = workerData as StoreWriterWorkerData;
const port = parentPort!;
const send = (reply: StoreWriterReply): void => port.postMessage(reply);

lowerThisThreadsPriority();
try {
  // One DuckDB thread: the gateway's store only appends a batch and commits it a few times a second, work this
  // thread does itself; DuckDB's pool of a thread per core would wake for each commit and take the cores the
  // calls are served on (at 1,000 calls/s the gateway process spent 7–12% less CPU a call with one; BENCHMARKS.md).
  const store = await DuckdbStore.open(data.db, { threads: 1 });
  const writes = new SerialQueue();
  const ingester = new RecordIngester(store, (task) => writes.run(task), { catalog: new PriceCatalog(data.providers, data.overrides), hashContent });
  port.on('message', (request: StoreWriterRequest) => {
    if (request.type === 'close') {
      void writes
        .drain()
        .then(() => store.close())
        .finally(() => send({ type: 'closed' }));
      return;
    }
    // Problems (records the store refused) go back with the answer: the main thread says them where it says the others.
    const problems: string[] = [];
    const deliver = storeDelivery((records, source) => ingester.ingest(records, { nowMs: request.nowMs, source }), (message) => problems.push(message));
    deliver(JSON.parse(request.events))
      .catch((error: unknown): DeliveryOutcome => ({ delivered: false, retryable: true, reason: error instanceof Error ? error.message : String(error) }))
      .then((outcome) => send({ type: 'delivered', id: request.id, outcome, problems }));
  });
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
}

/**
 * Puts this thread (and the threads DuckDB starts from it) below normal priority: its work can wait a few
 * milliseconds, the calls the other thread answers cannot. On Linux a thread's priority is its own, set by
 * its thread id, which /proc/thread-self names. Elsewhere the thread keeps the process's priority. Lowering
 * one's own priority needs no privilege. The thread still gets any core left idle and a share of a busy one;
 * should it fall behind under saturation, events wait in the recorder's bounded queue (a loss is reported).
 */
function lowerThisThreadsPriority(): void {
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(threadId) && threadId > 0) setPriority(threadId, constants.priority.PRIORITY_BELOW_NORMAL);
  } catch {
    // No /proc (not Linux): the priority stays the process's.
  }
}
