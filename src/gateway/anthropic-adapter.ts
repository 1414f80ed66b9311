import { gatewayErrorBody, type GatewayRefusal } from '../core/gateway/gateway-refusal.js';
import { convertAnthropicStreamUsage } from '../core/usage/convert-anthropic-stream-usage.js';
import { convertAnthropicUsage } from '../core/usage/convert-anthropic-usage.js';
import { convertUsage } from '../core/usage/convert-usage.js';
import { normalizedUsage, type NormalizedUsage } from '../core/usage/normalized-usage.js';
import { fieldOf, parseJson, stringField } from './json-fields.js';
import { streamProgress, type EndpointAdapter, type ObservedEvent, type ProviderAdapter, type StreamObserver } from './provider-adapter.js';
import type { SseEvent } from './sse-splitter.js';

const passed: ObservedEvent = { forward: true, token: false };
const token: ObservedEvent = { forward: true, token: true };

/**
 * Messages streams carry the input side in message_start and the cumulative output in message_delta, so
 * only those two are parsed; content deltas are counted by their event name, for a stream cut short.
 */
function observeMessagesStream(options: { estimatedInputTokens: number }): StreamObserver {
  let start: unknown;
  let lastDelta: unknown;
  let usage: NormalizedUsage | null = null;
  let deltas = 0;
  const state = streamProgress();
  return Object.assign(state, {
    observe(event: SseEvent): ObservedEvent {
      const type = event.event ?? stringField(parseJson(event.data), 'type');
      if (type === 'content_block_delta') {
        deltas += 1;
        return token;
      }
      if (type === 'message_start') {
        start = parseJson(event.data);
        state.upstreamId = stringField(fieldOf(start, 'message'), 'id');
      } else if (type === 'message_delta') {
        lastDelta = parseJson(event.data);
        try {
          usage = convertAnthropicStreamUsage([start, lastDelta]);
        } catch {
          usage = null;
        }
        state.complete = true;
      } else if (type === 'error') {
        state.failed = true;
      }
      return passed;
    },
    usage: () => usage,
    estimate: () => {
      // message_start's input counts are exact; only the output is counted from the deltas seen.
      const startUsage = fieldOf(fieldOf(start, 'message'), 'usage');
      if (startUsage !== undefined) {
        try {
          const output = Math.max(deltas, Number(fieldOf(startUsage, 'output_tokens') ?? 0));
          return convertAnthropicUsage({ ...(startUsage as object), output_tokens: output });
        } catch {
          // Unreadable start usage: fall through to the plain estimate.
        }
      }
      return normalizedUsage({ inputTotal: options.estimatedInputTokens, outputTotal: deltas });
    },
  });
}

const messages: EndpointAdapter = {
  route: '/v1/messages',
  upstreamPath: '/v1/messages',
  // max_tokens is required by the Messages API, so a cap only ever clamps it.
  request: { outputLimitFields: ['max_tokens'], streams: true },
  responseUsage: (body) => convertUsage('anthropic', fieldOf(body, 'usage')),
  observeStream: observeMessagesStream,
};

/** The Anthropic Messages API. */
export const anthropicAdapter: ProviderAdapter = {
  api: 'anthropic',
  endpoints: [messages],
  keyHeaders: ['x-api-key', 'authorization'],
  setKey: (headers, key) => (headers['x-api-key'] = key),
  errorBody: (refusal: GatewayRefusal) => gatewayErrorBody('anthropic', refusal),
  // Anthropic sends errors mid-stream as an `error` event; the official SDK raises an APIError for it.
  streamErrorEvent: (refusal: GatewayRefusal) => `event: error\ndata: ${JSON.stringify(gatewayErrorBody('anthropic', refusal))}\n\n`,
};
