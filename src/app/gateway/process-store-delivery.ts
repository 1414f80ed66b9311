import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Provider } from '@pydantic/genai-prices';
import type { CatalogOverrides } from '../../core/catalog/catalog-overrides.js';
import type { Deliver, DeliveryOutcome } from './event-recorder.js';
import type { StoreWriterReply, StoreWriterRequest, WriterPriority } from './store-writer-process.js';

/** The gateway's store writes in a process of their own: the recorder's delivery, and what closing waits for. */
export interface ProcessStoreDelivery {
  deliver: Deliver;
  /**
   * Waits for the deliveries under way, then has the writer release the store file and end; one that has not
   * ended within graceMs (default 30 s) is killed: what it committed is in the store's log either way.
   */
  close(options?: { graceMs?: number }): Promise<void>;
  /** The writer process's id, for what watches it. */
  readonly pid: number;
  /** How the system schedules the writer's threads (store-writer-process.ts). */
  readonly scheduled: 'idle' | 'lowest' | 'normal';
}

const fromSources = import.meta.url.endsWith('.ts');
/** How long close() waits by default for the writer to commit what it holds and exit before it is killed. */
const defaultCloseGraceMs = 30_000;

/**
 * Whether the store writer can run in a process of its own: always once built to JavaScript; from TypeScript
 * sources under tsx, whose loader the process is started with. (Under vitest it could be started the same way,
 * but the gateway's tests record on the calling thread by default, through the same storeDelivery, and start
 * the process only where they test it: each start costs a Node process and tsx's loader.)
 */
export function storeWriterProcessAvailable(): boolean {
  return !fromSources || process.execArgv.some((argument) => argument.includes('tsx'));
}

// Built, the writer is the .js beside this file; from sources, the .ts under tsx's loader.
function startProcess(priority: WriterPriority): ChildProcess {
  const entry = new URL(fromSources ? './store-writer-process.ts' : './store-writer-process.js', import.meta.url);
  return fork(fileURLToPath(entry), [priority], {
    // Structured clone, so the batch's JSON text crosses as it is, not escaped into a second JSON document.
    serialization: 'advanced',
    execArgv: fromSources ? ['--import', 'tsx'] : [],
    // The writer says its own failures on the gateway's stderr; it reads nothing and prints nothing else.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
}

/**
 * Starts the process that validates, prices and stores the gateway's events in the DuckDB file `db`, and
 * resolves once it holds the file. A batch crosses as one JSON string (one copy, no object graph for the
 * structured clone to walk), and a delivery resolves only once the writer's commit holding it has ended,
 * so the recorder's retries, flush() and close() mean what they meant on one thread. At 1,000 calls/s the
 * store's work (rows, hashes, the appender's flush, statements) was ~13% of the thread that answers calls,
 * in bursts of a whole 200-event batch every 200 ms; here that thread only serializes the batch, and the
 * writer's threads run at `priority` (store-writer-process.ts says why a process).
 */
export async function startProcessStoreDelivery(
  db: string,
  catalog: { providers: Provider[]; overrides: CatalogOverrides },
  options: { now: () => number; onProblem: (message: string) => void; priority?: WriterPriority },
): Promise<ProcessStoreDelivery> {
  const { now, onProblem } = options;
  const child = startProcess(options.priority ?? 'idle');
  let scheduled: ProcessStoreDelivery['scheduled'] = 'normal';
  const post = (request: StoreWriterRequest): void => {
    if (child.connected) child.send(request);
  };
  const waiting = new Map<number, (outcome: DeliveryOutcome) => void>();
  let nextId = 1;
  let failure: string | undefined;
  let onClosed: (() => void) | undefined;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (reply: StoreWriterReply) => {
      if (reply.type === 'ready') {
        scheduled = reply.scheduled;
        resolve();
      }
      else if (reply.type === 'failed') reject(new Error(reply.message));
      else if (reply.type === 'closed') onClosed?.();
      else {
        for (const problem of reply.problems) onProblem(problem);
        const settle = waiting.get(reply.id);
        waiting.delete(reply.id);
        settle?.(reply.outcome);
      }
    });
    // A writer that dies takes its deliveries with it: each is failed, not left hanging, and none after it is tried.
    const fail = (reason: string): void => {
      failure ??= reason;
      reject(new Error(reason));
      for (const settle of waiting.values()) settle({ delivered: false, retryable: false, reason });
      waiting.clear();
      onClosed?.();
    };
    child.on('error', (error) => fail(`the store writer process failed: ${error.message}`));
    child.on('exit', (code, signal) => fail(`the store writer process exited (${signal ?? code})`));
  });
  post({ type: 'open', db, providers: catalog.providers, overrides: catalog.overrides });
  try {
    await ready;
  } catch (error) {
    // It holds no store; it ignores the polite signals (store-writer-process.ts).
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
  return {
    pid: child.pid!,
    scheduled,
    deliver: (events) =>
      new Promise<DeliveryOutcome>((resolve) => {
        if (failure !== undefined) return resolve({ delivered: false, retryable: false, reason: failure });
        const id = nextId;
        nextId += 1;
        waiting.set(id, resolve);
        post({ type: 'deliver', id, events: JSON.stringify(events), nowMs: now() });
      }),
    close: async ({ graceMs = defaultCloseGraceMs } = {}) => {
      // The writer exits once it has released the file; one that hangs is not allowed to keep the gateway from ending.
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      if (failure === undefined) {
        const closed = new Promise<void>((resolve) => (onClosed = resolve));
        post({ type: 'close' });
        await closed;
      }
      await exited;
      clearTimeout(timer);
    },
  };
}
