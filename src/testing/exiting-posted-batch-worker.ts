import { parentPort } from 'node:worker_threads';

/*
 * A posted-batch worker that says it is ready and then dies on the first body it is given, as a worker that ran
 * out of memory would: for the test that the server keeps converting, losing nothing, when its worker stops.
 */

parentPort!.postMessage({ ready: true });
parentPort!.on('message', () => process.exit(3));
