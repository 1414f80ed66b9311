import type { OpenAI } from 'openai';
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
import { countOpenaiResponsesWebSearches } from '../core/usage/count-openai-web-searches.js';
import { observeStream, wrapApiMethod, type CallObserver, type OptionsHolder, type StreamEnd } from './wrap-api-method.js';

export { withUnitcostTags, type CaptureOptions, type CaptureTags, type CapturedEvent, type UsageSink } from './capture-options.js';
export { serverSink, type ServerSinkOptions } from './sinks/server-sink.js';
export { jsonlFileSink, type JsonlFileSinkOptions } from './sinks/jsonl-file-sink.js';

type Json = Record<string, unknown>;
type Kind = 'chat' | 'responses' | 'embeddings';

const holders = new WeakMap<object, OptionsHolder>();

/**
 * Instruments an `openai` client in place and returns it, same type: every chat.completions.create,
 * responses.create and embeddings.create (streamed or not, and the SDK helpers built on them, such as
 * `.stream()` and `.parse()`) records one usage event in `options.sink`. Results and errors are the SDK's own.
 * Wrapping the same client again replaces its options instead of recording twice.
 */
export function wrapOpenAI<Client extends OpenAI>(client: Client, options: CaptureOptions): Client {
  const existing = holders.get(client);
  if (existing) {
    existing.options = options;
    return client;
  }
  const holder: OptionsHolder = { options };
  holders.set(client, holder);
  const provider = (): string => holder.options.provider ?? 'openai';
  wrapApiMethod(client.chat.completions, 'create', holder, (body, current) => observeCall('chat', body, current, provider(), client));
  wrapApiMethod(client.responses, 'create', holder, (body, current) => observeCall('responses', body, current, provider(), client));
  wrapApiMethod(client.embeddings, 'create', holder, (body, current) => observeCall('embeddings', body, current, provider(), client));
  return client;
}

function observeCall(kind: Kind, body: unknown, options: CaptureOptions, provider: string, client: unknown): CallObserver {
  const startedAt = performance.now();
  const timestampMs = Date.now();
  const tags = tagsForCall(options.tags);
  const request = (typeof body === 'object' && body !== null ? body : {}) as Json;
  const requestModel = typeof request.model === 'string' ? request.model : '';
  const streamed = request.stream === true && kind !== 'embeddings';
  // A chat stream carries usage only when asked for; we ask, and hide the extra chunk from the caller.
  const injectUsage = streamed && kind === 'chat' && (request.stream_options as Json | undefined)?.include_usage !== true;
  const sentBody = injectUsage ? { ...request, stream_options: { ...(request.stream_options as Json | undefined), include_usage: true } } : body;
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
    body: sentBody,
    onResponse() {
      respondedAt = performance.now();
    },
    onError(error) {
      emit({ ...failedEvent(timestamp(), provider, requestModel, statusOfError(error)), latency_ms: elapsedMs(startedAt) });
    },
    onData(data) {
      if (!streamed) {
        emit(responseEvent(kind, data as Json, { timestamp: timestamp(), provider, requestModel, latencyMs: elapsedMs(startedAt, respondedAt), options }));
        return data;
      }
      const state: StreamState = { model: requestModel, id: undefined, usage: undefined, firstTokenMs: undefined, failed: false };
      const observe = kind === 'chat' ? observeChatChunk(state, injectUsage, startedAt) : observeResponsesEvent(state, startedAt);
      return observeStream(data, client, options, observe, (how, _error) => {
        emit(streamEvent(kind, state, how, { timestamp: timestamp(), provider, requestModel, latencyMs: elapsedMs(startedAt), options }));
      });
    },
  };
}

interface EventContext {
  timestamp: string;
  provider: string;
  requestModel: string;
  latencyMs: number;
  options: CaptureOptions;
}

function responseEvent(kind: Kind, data: Json, context: EventContext): CapturedEvent {
  const model = typeof data?.model === 'string' && data.model !== '' ? data.model : context.requestModel;
  const event: CapturedEvent = { timestamp: context.timestamp, provider: context.provider, model: model || 'unknown', latency_ms: context.latencyMs };
  if (kind !== 'embeddings' && typeof data?.id === 'string' && data.id !== '') event.id = data.id;
  const usage = data?.usage as Json | undefined | null;
  if (kind === 'responses' && data?.status === 'failed') event.status = 'error';
  else if (kind === 'responses' && data?.status === 'cancelled') event.status = 'cancelled';
  else event.status = 'ok';
  // The Responses usage object does not count web searches; the response's output items do.
  const searches = kind === 'responses' ? countOpenaiResponsesWebSearches(data) : 0;
  if (searches > 0) event.web_search_requests = searches;
  return withUsage(event, kind, usage, context.options);
}

interface StreamState {
  model: string;
  id: string | undefined;
  usage: Json | undefined;
  /** Web searches of the final response (Responses API), which its usage does not count. */
  webSearches?: number;
  firstTokenMs: number | undefined;
  failed: boolean;
}

function streamEvent(kind: Kind, state: StreamState, how: StreamEnd, context: EventContext): CapturedEvent {
  const event: CapturedEvent = { timestamp: context.timestamp, provider: context.provider, model: state.model || 'unknown', latency_ms: context.latencyMs };
  if (state.id !== undefined) event.id = state.id;
  if (state.firstTokenMs !== undefined) event.time_to_first_token_ms = state.firstTokenMs;
  event.status = how === 'ok' && state.failed ? 'error' : how;
  // A cancelled or failed stream usually has no usage: it is still recorded, at zero tokens, without complaint.
  if (state.usage === undefined && how !== 'ok') return { ...event, input_tokens: 0, output_tokens: 0 };
  if (state.webSearches !== undefined && state.webSearches > 0) event.web_search_requests = state.webSearches;
  return withUsage(event, kind, state.usage, context.options);
}

function withUsage(event: CapturedEvent, kind: Kind, usage: Json | undefined | null, options: CaptureOptions): CapturedEvent {
  if (usage === undefined || usage === null || typeof usage !== 'object') {
    report(options, new CaptureError(`openai ${kind} response for ${event.model} carried no usage; recorded at zero tokens`));
    event.input_tokens = 0;
    event.output_tokens = 0;
    return event;
  }
  if (kind === 'embeddings') {
    event.input_tokens = typeof usage.prompt_tokens === 'number' ? usage.prompt_tokens : 0;
    event.output_tokens = 0;
    return event;
  }
  event.usage = usage;
  event.usage_format = kind === 'chat' ? 'openai-chat' : 'openai-responses';
  return event;
}

function observeChatChunk(state: StreamState, injectedUsage: boolean, startedAt: number): (item: unknown) => boolean {
  return (item) => {
    const chunk = item as Json;
    if (state.id === undefined && typeof chunk.id === 'string') state.id = chunk.id;
    if (typeof chunk.model === 'string' && chunk.model !== '') state.model = chunk.model;
    const choices = chunk.choices as Json[] | undefined;
    if (chunk.usage !== null && typeof chunk.usage === 'object') state.usage = chunk.usage as Json;
    if (state.firstTokenMs === undefined && Array.isArray(choices) && choices.some(carriesToken)) state.firstTokenMs = elapsedMs(startedAt);
    if (!injectedUsage) return true;
    // The usage-only chunk exists only because we asked for it; so does the `usage: null` of every other chunk.
    if (Array.isArray(choices) && choices.length === 0 && state.usage !== undefined && chunk.usage === state.usage) return false;
    if (chunk.usage === null) delete chunk.usage;
    return true;
  };
}

function carriesToken(choice: Json): boolean {
  const delta = choice.delta as Json | undefined;
  if (delta === undefined || delta === null) return false;
  return (
    (typeof delta.content === 'string' && delta.content !== '') ||
    (typeof delta.refusal === 'string' && delta.refusal !== '') ||
    (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0) ||
    typeof delta.reasoning_content === 'string'
  );
}

// Events whose `response` is the final one; response.failed still bills what its usage says.
const finalEvents = new Set(['response.completed', 'response.incomplete', 'response.failed']);

function observeResponsesEvent(state: StreamState, startedAt: number): (item: unknown) => boolean {
  return (item) => {
    const event = item as Json;
    const type = typeof event.type === 'string' ? event.type : '';
    const response = event.response as Json | undefined;
    if (response !== undefined && response !== null) {
      if (typeof response.id === 'string') state.id = response.id;
      if (typeof response.model === 'string' && response.model !== '') state.model = response.model;
      if (finalEvents.has(type) && response.usage !== null && typeof response.usage === 'object') state.usage = response.usage as Json;
      if (finalEvents.has(type)) state.webSearches = countOpenaiResponsesWebSearches(response);
    }
    if (type === 'response.failed' || type === 'error') state.failed = true;
    if (state.firstTokenMs === undefined && type.endsWith('.delta')) state.firstTokenMs = elapsedMs(startedAt);
    return true;
  };
}
