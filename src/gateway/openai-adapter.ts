import { gatewayErrorBody, type GatewayRefusal } from '../core/gateway/gateway-refusal.js';
import { convertUsage } from '../core/usage/convert-usage.js';
import { convertOpenaiChatStreamUsage, convertOpenaiResponsesStreamUsage } from '../core/usage/convert-openai-stream-usage.js';
import { countOpenaiResponsesWebSearches } from '../core/usage/count-openai-web-searches.js';
import { normalizedUsage, type NormalizedUsage } from '../core/usage/normalized-usage.js';
import { fieldOf, parseJson, stringField } from './json-fields.js';
import { streamProgress, type EndpointAdapter, type ObservedEvent, type ProviderAdapter, type StreamObserver } from './provider-adapter.js';
import type { SseEvent } from './sse-splitter.js';

const passed: ObservedEvent = { forward: true, token: false };
const token: ObservedEvent = { forward: true, token: true };
const withheld: ObservedEvent = { forward: false, token: false };
// Spaces allowed: OpenAI sends compact JSON, but compatible servers may not.
const usageOrError = /"usage":\s*\{|"error":\s*\{/;
const contentDelta = /"(?:content|refusal)":\s*"(?!")|"tool_calls":\s*\[|"audio":\s*\{/;

/**
 * Chat Completions streams report usage only when asked (`stream_options.include_usage`), in one last chunk
 * with no choices; every earlier chunk then says `usage: null`, which the official SDK types allow.
 */
function observeChatStream(options: { usageInjected: boolean; estimatedInputTokens: number }): StreamObserver {
  let usage: NormalizedUsage | null = null;
  let contentChunks = 0;
  const state = streamProgress();
  return Object.assign(state, {
    observe(event: SseEvent): ObservedEvent {
      if (event.data === '[DONE]') return passed;
      // Most chunks carry one delta and nothing else the gateway needs: they are scanned, not parsed.
      if (state.upstreamId !== undefined && !usageOrError.test(event.data)) {
        if (!contentDelta.test(event.data)) return passed;
        contentChunks += 1;
        return token;
      }
      const chunk = parseJson(event.data);
      if (chunk === undefined) return passed;
      state.upstreamId ??= stringField(chunk, 'id');
      if (fieldOf(chunk, 'error') != null) state.failed = true;
      const choices = fieldOf(chunk, 'choices');
      if (fieldOf(chunk, 'usage') != null) {
        usage = readUsage(() => convertOpenaiChatStreamUsage([chunk]));
        state.complete = true;
        if (options.usageInjected && (!Array.isArray(choices) || choices.length === 0)) return withheld;
      }
      if (Array.isArray(choices) && choices.some((choice) => hasContent(fieldOf(choice, 'delta')))) {
        contentChunks += 1;
        return token;
      }
      return passed;
    },
    usage: () => usage,
    estimate: () => normalizedUsage({ inputTotal: options.estimatedInputTokens, outputTotal: contentChunks }),
  });
}

// Streams of the Responses API end with one of these, carrying the response and its usage.
const finalResponseEvents = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/** Responses API streams always carry usage, in their final response.* event. */
function observeResponsesStream(options: { estimatedInputTokens: number }): StreamObserver {
  let usage: NormalizedUsage | null = null;
  let deltas = 0;
  const state = streamProgress();
  return Object.assign(state, {
    observe(event: SseEvent): ObservedEvent {
      // The event line names the type, so the many delta events are counted without parsing them.
      const type = event.event ?? stringField(parseJson(event.data), 'type');
      if (type === undefined) return passed;
      if (type.endsWith('.delta')) {
        deltas += 1;
        return token;
      }
      if (type === 'error') state.failed = true;
      if (type === 'response.created' || finalResponseEvents.has(type)) {
        const parsed = parseJson(event.data);
        state.upstreamId ??= stringField(fieldOf(parsed, 'response'), 'id');
        if (finalResponseEvents.has(type)) {
          usage = readUsage(() => convertOpenaiResponsesStreamUsage([parsed]));
          state.complete = true;
          if (type === 'response.failed') state.failed = true;
        }
      }
      return passed;
    },
    usage: () => usage,
    estimate: () => normalizedUsage({ inputTotal: options.estimatedInputTokens, outputTotal: deltas }),
  });
}

function noStream(): StreamObserver {
  throw new Error('embeddings do not stream');
}

const chatCompletions: EndpointAdapter = {
  route: '/v1/chat/completions',
  upstreamPath: '/chat/completions',
  request: {
    // max_tokens is deprecated and refused by reasoning models, but OpenAI-compatible servers may know only it.
    outputLimitFields: ['max_completion_tokens', 'max_tokens'],
    streams: true,
    streamUsage: { field: 'stream_options', value: { include_usage: true }, isSet: (body) => fieldOf(body.stream_options, 'include_usage') === true },
  },
  responseUsage: (body) => convertUsage('openai-chat', fieldOf(body, 'usage')),
  observeStream: observeChatStream,
};

const responses: EndpointAdapter = {
  route: '/v1/responses',
  upstreamPath: '/responses',
  request: { outputLimitFields: ['max_output_tokens'], streams: true },
  // The usage object does not count web searches: they are the response's web_search_call output items.
  responseUsage: (body) => {
    const usage = convertUsage('openai-responses', fieldOf(body, 'usage'));
    const searches = countOpenaiResponsesWebSearches(body);
    return searches === 0 ? usage : { ...usage, webSearchRequests: searches };
  },
  observeStream: observeResponsesStream,
};

const embeddings: EndpointAdapter = {
  route: '/v1/embeddings',
  upstreamPath: '/embeddings',
  request: { outputLimitFields: [], streams: false },
  // Embeddings usage is chat usage without completion tokens: none are generated.
  responseUsage: (body) => {
    const usage = fieldOf(body, 'usage');
    return convertUsage('openai-chat', typeof usage === 'object' && usage !== null ? { completion_tokens: 0, ...usage } : usage);
  },
  observeStream: noStream,
};

/** The OpenAI API: Chat Completions, Responses and Embeddings, for OpenAI and every server compatible with it. */
export const openaiAdapter: ProviderAdapter = {
  api: 'openai',
  endpoints: [chatCompletions, responses, embeddings],
  keyHeaders: ['authorization', 'api-key'],
  setKey: (headers, key) => (headers.authorization = `Bearer ${key}`),
  errorBody: (refusal: GatewayRefusal) => gatewayErrorBody('openai', refusal),
  // The official SDK raises an APIError for a data chunk that carries `error`.
  streamErrorEvent: (refusal: GatewayRefusal) => `data: ${JSON.stringify(gatewayErrorBody('openai', refusal))}\n\n`,
};

function hasContent(delta: unknown): boolean {
  if (typeof delta !== 'object' || delta === null) return false;
  const fields = delta as Record<string, unknown>;
  return (typeof fields.content === 'string' && fields.content !== '') || fields.tool_calls != null || (typeof fields.refusal === 'string' && fields.refusal !== '') || fields.audio != null;
}

// A stream whose usage cannot be read is still relayed; the call is then recorded from what was seen.
function readUsage(read: () => NormalizedUsage): NormalizedUsage | null {
  try {
    return read();
  } catch {
    return null;
  }
}
