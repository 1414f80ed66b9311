import type { Anthropic } from '@anthropic-ai/sdk';
import {
  applyTags,
  CaptureError,
  deliver,
  elapsedMs,
  failedEvent,
  isoTimestamp,
  report,
  statusOfError,
  tagsForCall,
  type CaptureOptions,
  type CapturedEvent,
} from './capture-options.js';
import { observeStream, wrapApiMethod, type CallObserver, type OptionsHolder } from './wrap-api-method.js';

export { withUnitcostTags, type CaptureOptions, type CaptureTags, type CapturedEvent, type UsageSink } from './capture-options.js';
export { serverSink, type ServerSinkOptions } from './sinks/server-sink.js';
export { jsonlFileSink, type JsonlFileSinkOptions } from './sinks/jsonl-file-sink.js';

type Json = Record<string, unknown>;

const holders = new WeakMap<object, OptionsHolder>();

/**
 * Instruments an `@anthropic-ai/sdk` client in place and returns it, same type: every messages.create
 * (with `stream: true` too) records one usage event, and so does messages.stream(), which is built on it.
 * The event carries Anthropic's raw usage (`usage_format: 'anthropic'`); for a stream, message_start's
 * usage with message_delta's cumulative counts laid over it. Results and errors are the SDK's own.
 */
export function wrapAnthropic<Client extends Anthropic>(client: Client, options: CaptureOptions): Client {
  const existing = holders.get(client);
  if (existing) {
    existing.options = options;
    return client;
  }
  const holder: OptionsHolder = { options };
  holders.set(client, holder);
  const begin = (body: unknown, current: CaptureOptions): CallObserver => observeMessage(body, current, current.provider ?? 'anthropic', client);
  wrapApiMethod(client.messages, 'create', holder, begin);
  const beta = (client as { beta?: { messages?: object } }).beta?.messages;
  if (beta) wrapApiMethod(beta, 'create', holder, begin);
  return client;
}

function observeMessage(body: unknown, options: CaptureOptions, provider: string, client: unknown): CallObserver {
  const startedAt = performance.now();
  const timestampMs = Date.now();
  const tags = tagsForCall(options.tags);
  const request = (typeof body === 'object' && body !== null ? body : {}) as Json;
  const requestModel = typeof request.model === 'string' ? request.model : '';
  let settled = false;
  const emit = (event: CapturedEvent): void => {
    if (settled) return;
    settled = true;
    deliver(options, applyTags(event, tags));
  };
  const timestamp = (): string => isoTimestamp(timestampMs);
  // A result is parsed only when the caller awaits it, which may be long after it arrived: time the headers.
  let respondedAt: number | undefined;
  return {
    body,
    onResponse() {
      respondedAt = performance.now();
    },
    onError(error) {
      emit({ ...failedEvent(timestamp(), provider, requestModel, statusOfError(error)), latency_ms: elapsedMs(startedAt) });
    },
    onData(data) {
      if (request.stream !== true) {
        const message = data as Json;
        const model = typeof message?.model === 'string' && message.model !== '' ? message.model : requestModel;
        const event: CapturedEvent = { timestamp: timestamp(), provider, model: model || 'unknown', status: 'ok', latency_ms: elapsedMs(startedAt, respondedAt) };
        if (typeof message?.id === 'string' && message.id !== '') event.id = message.id;
        emit(withUsage(event, message?.usage as Json | undefined, options));
        return data;
      }
      let model = requestModel;
      let id: string | undefined;
      let usage: Json | undefined;
      let firstTokenMs: number | undefined;
      return observeStream(
        data,
        client,
        options,
        (item) => {
          const event = item as Json;
          if (event.type === 'message_start') {
            const message = event.message as Json | undefined;
            if (typeof message?.id === 'string') id = message.id;
            if (typeof message?.model === 'string' && message.model !== '') model = message.model;
            if (message?.usage !== null && typeof message?.usage === 'object') usage = { ...(message.usage as Json) };
          } else if (event.type === 'message_delta') {
            // message_delta's counts are cumulative for the message; the ones it gives replace message_start's.
            const delta = event.usage as Json | undefined;
            if (delta !== null && typeof delta === 'object') usage = mergeUsage(usage, delta);
          } else if (firstTokenMs === undefined && event.type === 'content_block_delta') {
            firstTokenMs = elapsedMs(startedAt);
          }
          return true;
        },
        (how) => {
          const event: CapturedEvent = { timestamp: timestamp(), provider, model: model || 'unknown', status: how, latency_ms: elapsedMs(startedAt) };
          if (id !== undefined) event.id = id;
          if (firstTokenMs !== undefined) event.time_to_first_token_ms = firstTokenMs;
          if (usage === undefined && how !== 'ok') emit({ ...event, input_tokens: 0, output_tokens: 0 });
          else emit(withUsage(event, usage, options));
        },
      );
    },
  };
}

function mergeUsage(start: Json | undefined, delta: Json): Json {
  const merged: Json = { ...start };
  for (const [key, value] of Object.entries(delta)) if (value !== null && value !== undefined) merged[key] = value;
  return merged;
}

function withUsage(event: CapturedEvent, usage: Json | undefined | null, options: CaptureOptions): CapturedEvent {
  if (usage === undefined || usage === null || typeof usage !== 'object') {
    report(options, new CaptureError(`anthropic response for ${event.model} carried no usage; recorded at zero tokens`));
    return { ...event, input_tokens: 0, output_tokens: 0 };
  }
  event.usage = usage;
  event.usage_format = 'anthropic';
  return event;
}
