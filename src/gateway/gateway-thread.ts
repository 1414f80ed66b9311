import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { UnitcostError } from '../core/unitcost-error.js';
import type { GatewayRunIo, GatewayRunSettings } from './serve-gateway.js';

/*
 * `unitcost gateway` serves its calls from a worker thread of its own, for one reason: that thread's V8 heap
 * can be given a larger young generation than the main thread's, which is sized when the process starts and
 * cannot be changed from inside it. V8 reads its semi-space flags when it creates a heap, so flags set here,
 * before the worker starts, size the worker's heap.
 *
 * Why the size matters: at 1,000 calls/s the gateway allocates ~33 KB a call, mostly short-lived (node:http,
 * undici, the call's objects). With the default 16 MB semi-space a scavenge runs every ~0.4 s and holds
 * every call that arrives during it; a larger one runs the same scavenges (their cost is what survives, not
 * the space's size) several times less often, so fewer calls meet one (BENCHMARKS.md, "Gateway (issue 12)").
 *
 * The main thread keeps the process's signals and output: it starts the thread, writes what the thread says,
 * and on stop asks it to finish the calls in flight and write their events, as the gateway on one thread does.
 */

/** The young generation of the serving thread's heap: V8's semi-space, in MB (two of them, plus a third for large objects). */
export const servingSemiSpaceMb = 64;

/** What the serving thread starts from: how to build the app, and the checked settings. */
export interface GatewayThreadData {
  app: { configPath?: string | undefined; directory: string; environment?: NodeJS.ProcessEnv | undefined };
  settings: GatewayRunSettings;
}

/** Messages the thread sends: its output, its end, or why it failed. */
export type GatewayThreadMessage =
  | { type: 'stdout' | 'stderr'; text: string }
  | { type: 'heap'; heapSizeLimitBytes: number }
  | { type: 'stopped' }
  | { type: 'failed'; error: { message: string; code?: string | undefined; details?: UnitcostError['details'] | undefined; stack?: string | undefined } };

/** The one message the main thread sends. */
export type GatewayThreadRequest = { type: 'stop' };

const fromSources = import.meta.url.endsWith('.ts');

/**
 * Whether the gateway can serve from a thread: always once built to JavaScript; from TypeScript sources only
 * under tsx, whose hooks the thread registers itself (vitest's tests serve on their own thread).
 */
export function gatewayThreadAvailable(): boolean {
  return !fromSources || process.execArgv.some((argument) => argument.includes('tsx'));
}

function startWorker(data: GatewayThreadData): Worker {
  if (!fromSources) return new Worker(new URL('./gateway-thread-worker.js', import.meta.url), { workerData: data });
  const entry = new URL('./gateway-thread-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: data });
}

/**
 * Runs the gateway on its serving thread until `until` resolves, then stops it and resolves once its events
 * are written. A failure on the thread (a port in use, a store another process holds) is thrown here as the
 * same UnitcostError, so the CLI reports it as it would from one thread.
 */
export async function runGatewayThread(
  data: GatewayThreadData,
  io: GatewayRunIo,
  until: Promise<void>,
  /** Told the serving thread's heap limit (V8's old generation plus three semi-spaces), for a test of its size. */
  onHeap?: (heapSizeLimitBytes: number) => void,
): Promise<void> {
  setFlagsFromString(`--max-semi-space-size=${servingSemiSpaceMb}`);
  const worker = startWorker(data);
  let stopping = false;
  try {
    await new Promise<void>((resolve, reject) => {
      worker.on('message', (message: GatewayThreadMessage) => {
        if (message.type === 'stdout') io.stdout(message.text);
        else if (message.type === 'stderr') io.stderr(message.text);
        else if (message.type === 'heap') onHeap?.(message.heapSizeLimitBytes);
        else if (message.type === 'stopped') resolve();
        else if (message.type === 'failed') reject(threadError(message.error));
      });
      worker.on('error', reject);
      worker.on('exit', (code) => reject(new Error(`the gateway's serving thread exited (${code}) ${stopping ? 'while stopping' : 'unexpectedly'}`)));
      void until.then(() => {
        stopping = true;
        worker.postMessage({ type: 'stop' } satisfies GatewayThreadRequest);
      });
    });
  } finally {
    await worker.terminate();
  }
}

/** The thread's error as the main thread throws it: a UnitcostError stays one, with its code and field. */
function threadError(error: Extract<GatewayThreadMessage, { type: 'failed' }>['error']): Error {
  if (error.code !== undefined) return new UnitcostError(error.code as UnitcostError['code'], error.message, error.details ?? {});
  const rebuilt = new Error(error.message);
  if (error.stack !== undefined) rebuilt.stack = error.stack;
  return rebuilt;
}
