import type { Worker } from 'node:worker_threads';
import { RecentTraces } from '../../core/capture/recent-traces.js';
import { spansToRecords, type TranslatedSpans } from '../../core/capture/spans-to-records.js';
import type { EventTagName } from '../../core/events/event-tags.js';
import type { UnreadableSpan } from '../../core/capture/flatten-otlp-request.js';
import { decodeOtlpTraces, MalformedTraceRequest, type OtlpEncoding } from './decode-otlp-traces.js';
import { moduleWorkersAvailable, startModuleWorker } from '../module-worker.js';

/** What one export body became: records to store, spans refused, and how many of each other kind it held. */
export interface TranslatedExport extends TranslatedSpans {
  /** Spans that could not be read (a malformed id or time). */
  unreadable: UnreadableSpan[];
  /** Every span the body carried, read or not. */
  spans: number;
}

/** What the translation worker is started with. */
export interface TranslationWorkerData {
  attributeTags: Readonly<Record<string, EventTagName>>;
}

/** One export body for the worker to translate. */
export interface TranslationRequest {
  body: Uint8Array;
  encoding: OtlpEncoding;
}

/** The worker's answer: the translation, a body that is not an export (a 400), or an unexpected failure. */
export type TranslationReply = { ok: true; translated: TranslatedExport } | { ok: false; malformed: boolean; message: string };

/** Decodes export bodies and translates their spans, in the order they are given. */
export interface TraceTranslation {
  /** Rejects with MalformedTraceRequest when the body is not an ExportTraceServiceRequest. */
  translate(body: Uint8Array, encoding: OtlpEncoding): Promise<TranslatedExport>;
  close(): Promise<void>;
}

/** Decodes and translates one body; the memory carries trace steps from one export to the next. */
export function translateExport(body: Uint8Array, encoding: OtlpEncoding, attributeTags: Readonly<Record<string, EventTagName>>, memory: RecentTraces): TranslatedExport {
  const decoded = decodeOtlpTraces(body, encoding);
  const translated = spansToRecords(decoded.spans, { attributeTags, memory });
  return { ...translated, unreadable: decoded.unreadable, spans: decoded.spans.length + decoded.unreadable.length };
}

/** Translation on the calling thread: for tests, and where no worker can start. */
export function localTraceTranslation(attributeTags: Readonly<Record<string, EventTagName>>): TraceTranslation {
  const memory = new RecentTraces();
  return {
    translate: async (body, encoding) => translateExport(body, encoding, attributeTags, memory),
    close: async () => undefined,
  };
}

/**
 * Whether a translation worker can start: always once built to JavaScript; from TypeScript sources when tsx
 * can be loaded into the worker (a development checkout), whatever runs the parent (tsx or vitest).
 */
export function translationWorkersAvailable(): boolean {
  return moduleWorkersAvailable(import.meta.url);
}

/**
 * Translation on a worker thread. Decoding protobuf and mapping spans cost about 18 µs a span, on top of the
 * ~32 µs that validating, pricing and staging a record costs everyone: on the server's one JavaScript
 * thread that made OTLP ingest 0.6× the rate of POST /v1/events. On the worker it runs beside the main
 * thread, which then receives plain records, much as it would parse NDJSON. One worker, answering in order,
 * so the trace memory (a trace's steps across exports) stays in one place.
 */
export function workerTraceTranslation(attributeTags: Readonly<Record<string, EventTagName>>): TraceTranslation {
  const data: TranslationWorkerData = { attributeTags };
  // Started on the first export, not with the server: most servers never receive one.
  let worker: Worker | undefined;
  const waiting: Array<{ resolve: (translated: TranslatedExport) => void; reject: (error: Error) => void }> = [];
  let failure: Error | undefined;
  const failAll = (error: Error): void => {
    failure ??= error;
    for (const request of waiting.splice(0)) request.reject(error);
  };
  const started = (): Worker => {
    if (worker) return worker;
    const thread = startWorker(data);
    thread.on('message', (reply: TranslationReply) => {
      const request = waiting.shift();
      if (!request) return;
      if (reply.ok) request.resolve(reply.translated);
      else if (reply.malformed) request.reject(new MalformedTraceRequest(reply.message));
      else request.reject(new Error(`the trace translation worker failed: ${reply.message}`));
      // An idle worker never keeps the process alive; the server closes it, but a forgotten one must not hang an exit.
      if (waiting.length === 0) thread.unref();
    });
    thread.on('error', (error) => failAll(error));
    thread.on('exit', (code) => failAll(new Error(`the trace translation worker exited (${code})`)));
    worker = thread;
    return thread;
  };
  return {
    translate: (body, encoding) =>
      new Promise<TranslatedExport>((resolve, reject) => {
        if (failure) return reject(failure);
        const thread = started();
        waiting.push({ resolve, reject });
        thread.ref();
        const request: TranslationRequest = { body, encoding };
        thread.postMessage(request);
      }),
    close: async () => {
      if (!worker) return;
      worker.removeAllListeners('exit');
      await worker.terminate();
    },
  };
}

function startWorker(data: TranslationWorkerData): Worker {
  return startModuleWorker(import.meta.url, 'trace-translation-worker', data);
}
