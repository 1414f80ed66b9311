import { parentPort, workerData } from 'node:worker_threads';
import { RecentTraces } from '../../core/capture/recent-traces.js';
import { MalformedTraceRequest } from './decode-otlp-traces.js';
import { translateExport, type TranslationReply, type TranslationRequest, type TranslationWorkerData } from './trace-translation.js';

/*
 * The worker thread that decodes OTLP export bodies and maps their spans to records (trace-translation.ts):
 * the server sends bodies in the order they arrived and gets their records back in the same order.
 */

const data = workerData as TranslationWorkerData;
const memory = new RecentTraces();

parentPort!.on('message', (request: TranslationRequest) => {
  let reply: TranslationReply;
  try {
    reply = { ok: true, translated: translateExport(request.body, request.encoding, data.attributeTags, memory) };
  } catch (error) {
    const malformed = error instanceof MalformedTraceRequest;
    reply = { ok: false, malformed, message: malformed ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  parentPort!.postMessage(reply);
});
