import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { createApp } from '../app/create-app.js';
import { UnitcostError } from '../core/unitcost-error.js';
import type { GatewayThreadData, GatewayThreadMessage, GatewayThreadRequest } from './gateway-thread.js';
import { serveGateway } from './serve-gateway.js';

/*
 * The thread `unitcost gateway` serves calls from (see gateway-thread.ts): it builds the app from the same
 * config, serves until the main thread says stop, and sends its output as messages, so that the main thread
 * writes it in order and before the thread's end.
 */

const data = workerData as GatewayThreadData;
const port = parentPort!;
const send = (message: GatewayThreadMessage): void => port.postMessage(message);
const stop = new Promise<void>((resolve) => port.on('message', (request: GatewayThreadRequest) => request.type === 'stop' && resolve()));

send({ type: 'heap', heapSizeLimitBytes: getHeapStatistics().heap_size_limit });
try {
  const { configPath, directory, environment } = data.app;
  const app = createApp({ directory, ...(configPath === undefined ? {} : { configPath }), ...(environment === undefined ? {} : { environment }) });
  await serveGateway(app, data.settings, { stdout: (text) => send({ type: 'stdout', text }), stderr: (text) => send({ type: 'stderr', text }) }, stop);
  send({ type: 'stopped' });
} catch (error) {
  send({
    type: 'failed',
    error: UnitcostError.isInstance(error)
      ? { message: error.message, code: error.code, details: error.details }
      : { message: error instanceof Error ? error.message : String(error), stack: error instanceof Error ? error.stack : undefined },
  });
}
// The store and the listener are closed; the stop listener alone must not keep the thread alive.
port.unref();
