import type { GatewayApi } from '../core/gateway/gateway-config.js';
import type { GatewayRefusal } from '../core/gateway/gateway-refusal.js';
import type { NormalizedUsage } from '../core/usage/normalized-usage.js';
import type { SseEvent } from './sse-splitter.js';

/** What the gateway does with one event of a stream. */
export interface ObservedEvent {
  /** False holds the event back from the client: the usage chunk the gateway asked for and the client did not. */
  forward: boolean;
  /** True when the event carries generated content, which times the first token. */
  token: boolean;
}

/** Watches one response stream pass by, to learn what the call billed without buffering it. */
export interface StreamObserver {
  observe(event: SseEvent): ObservedEvent;
  /** True once the event with the final usage has passed: a stream the client left need not be read further. */
  readonly complete: boolean;
  /** True when the stream carried an error event instead of finishing. */
  readonly failed: boolean;
  /** The upstream's id of the response, once an event has said it. */
  readonly upstreamId: string | undefined;
  /** The upstream's own usage, once the stream has given it; null before. */
  usage(): NormalizedUsage | null;
  /** The usage of what has been seen so far, for a stream cut before its usage: one token per content event. */
  estimate(): NormalizedUsage;
}

/** What a stream observer has seen so far. The observer is this object itself, so the relay reads each change as it happens. */
export function streamProgress(): { complete: boolean; failed: boolean; upstreamId: string | undefined } {
  return { complete: false, failed: false, upstreamId: undefined };
}

/**
 * One route of an API, declared as data where it can be: the request fields the gateway may set, and
 * functions only where a wire format must be read (usage in a response, events in a stream).
 */
export interface EndpointAdapter {
  /** The gateway's route, which is the path the official SDK calls: /v1/chat/completions. */
  route: string;
  /** Appended to the provider's base_url, which is what that provider's SDK takes as baseURL. */
  upstreamPath: string;
  request: {
    /** The request's output limit fields for an output cap; the first is the one set when none is present. */
    outputLimitFields: readonly string[];
    /** Whether the call can stream at all (embeddings cannot). */
    streams: boolean;
    /**
     * A field to set on a streamed request so that the upstream reports usage in the stream, when the
     * client did not set it; the chunk it adds is then held back from the client.
     */
    streamUsage?: { field: string; value: Record<string, unknown>; isSet(body: Record<string, unknown>): boolean };
  };
  /** Reads the usage of a whole response body; throws a UnitcostError when it is missing or malformed. */
  responseUsage(body: unknown): NormalizedUsage;
  /** Starts watching a stream; `usageInjected` says the gateway asked for usage the client did not. */
  observeStream(options: { usageInjected: boolean; estimatedInputTokens: number }): StreamObserver;
}

/** Everything the gateway needs to know of one API; every provider of that API shares it. */
export interface ProviderAdapter {
  api: GatewayApi;
  endpoints: readonly EndpointAdapter[];
  /** The request headers that carry a key in this API, stripped when the gateway sends its own. */
  keyHeaders: readonly string[];
  /** Puts the configured key on an upstream request, the way this API expects it. */
  setKey(headers: Record<string, string>, key: string): void;
  /** The refusal as this API's error JSON. */
  errorBody(refusal: GatewayRefusal): unknown;
  /** The refusal as a stream event, for an error after the stream has begun: the official SDK raises it. */
  streamErrorEvent(refusal: GatewayRefusal): string;
}
