import { Worker } from 'node:worker_threads';
import type { CatalogOverrides } from '../../core/catalog/catalog-overrides.js';
import type { Provider } from '@pydantic/genai-prices';
import type { Deliver, DeliveryOutcome } from './event-recorder.js';
import type { StoreWriterReply, StoreWriterRequest, StoreWriterWorkerData } from './store-writer-worker.js';

/** The gateway's store writes on a thread of their own: the recorder's delivery, and what closing waits for. */
export interface WorkerStoreDelivery {
  deliver: Deliver;
  /** Waits for the deliveries under way, then has the worker release the store file and end. */
  close(): Promise<void>;
}

const fromSources = import.meta.url.endsWith('.ts');

/**
 * Whether the store writer can run on a worker thread: always once built to JavaScript; from TypeScript
 * sources only under tsx, whose module hooks the worker registers itself (vitest transforms modules in its
 * own process, so its tests record on the calling thread, through the same storeDelivery).
 */
export function storeWriterWorkerAvailable(): boolean {
  return !fromSources || process.execArgv.some((argument) => argument.includes('tsx'));
}

// Built, the worker is the .js beside this file; from sources, a small bootstrap registers tsx first.
function startWorker(data: StoreWriterWorkerData): Worker {
  if (!fromSources) return new Worker(new URL('./store-writer-worker.js', import.meta.url), { workerData: data });
  const entry = new URL('./store-writer-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: data });
}

/**
 * Starts the thread that validates, prices and stores the gateway's events in the DuckDB file `db`, and
 * resolves once it holds the file. A batch crosses as one JSON string (one copy, no object graph for the
 * structured clone to walk), and a delivery resolves only once the worker's commit holding it has ended,
 * so the recorder's retries, flush() and close() mean what they meant on one thread. At 1,000 calls/s the
 * store's work (rows, hashes, the appender's flush, statements) was ~13% of the thread that answers calls,
 * in bursts of a whole 200-event batch every 200 ms; here that thread only serializes the batch.
 */
export async function startWorkerStoreDelivery(
  db: string,
  catalog: { providers: Provider[]; overrides: CatalogOverrides },
  options: { now: () => number; onProblem: (message: string) => void },
): Promise<WorkerStoreDelivery> {
  const { now, onProblem } = options;
  const worker = startWorker({ db, providers: catalog.providers, overrides: catalog.overrides });
  const waiting = new Map<number, (outcome: DeliveryOutcome) => void>();
  let nextId = 1;
  let failure: string | undefined;
  let onClosed: (() => void) | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (reply: StoreWriterReply) => {
      if (reply.type === 'ready') resolve();
      else if (reply.type === 'failed') reject(new Error(reply.message));
      else if (reply.type === 'closed') onClosed?.();
      else {
        for (const problem of reply.problems) onProblem(problem);
        const settle = waiting.get(reply.id);
        waiting.delete(reply.id);
        settle?.(reply.outcome);
      }
    });
    // A worker that dies takes its deliveries with it: each is failed, not left hanging, and none after it is tried.
    const fail = (reason: string): void => {
      failure ??= reason;
      reject(new Error(reason));
      for (const settle of waiting.values()) settle({ delivered: false, retryable: false, reason });
      waiting.clear();
      onClosed?.();
    };
    worker.on('error', (error) => fail(`the store writer thread failed: ${error.message}`));
    worker.on('exit', (code) => fail(`the store writer thread exited (${code})`));
  });
  try {
    await ready;
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  return {
    deliver: (events) =>
      new Promise<DeliveryOutcome>((resolve) => {
        if (failure !== undefined) return resolve({ delivered: false, retryable: false, reason: failure });
        const id = nextId;
        nextId += 1;
        waiting.set(id, resolve);
        const request: StoreWriterRequest = { type: 'deliver', id, events: JSON.stringify(events), nowMs: now() };
        worker.postMessage(request);
      }),
    close: async () => {
      if (failure === undefined) {
        const closed = new Promise<void>((resolve) => (onClosed = resolve));
        worker.postMessage({ type: 'close' } satisfies StoreWriterRequest);
        await closed;
      }
      await worker.terminate();
    },
  };
}
