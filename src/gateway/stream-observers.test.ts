import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { convertAnthropicStreamUsage } from '../core/usage/convert-anthropic-stream-usage.js';
import { convertOpenaiChatStreamUsage, convertOpenaiResponsesStreamUsage } from '../core/usage/convert-openai-stream-usage.js';
import { anthropicAdapter } from './anthropic-adapter.js';
import { openaiAdapter } from './openai-adapter.js';
import type { EndpointAdapter } from './provider-adapter.js';
import type { SseEvent } from './sse-splitter.js';

// Real provider streams, shared with the usage converters' tests: the observers must read what they read.
const fixture = (name: string): Array<Record<string, unknown>> => JSON.parse(readFileSync(new URL(`../core/usage/fixtures/${name}`, import.meta.url), 'utf8')) as Array<Record<string, unknown>>;
const endpoint = (route: string): EndpointAdapter => [...openaiAdapter.endpoints, ...anthropicAdapter.endpoints].find((candidate) => candidate.route === route)!;

// As the wire carries them: OpenAI chat chunks as bare data lines, the others with their event names.
function asEvents(chunks: Array<Record<string, unknown>>, named: boolean): SseEvent[] {
  return chunks.map((chunk) => {
    const data = JSON.stringify(chunk);
    const event = named ? String(chunk.type) : undefined;
    return { event, data, raw: `${event === undefined ? '' : `event: ${event}\n`}data: ${data}\n\n` };
  });
}

describe('the stream observers', () => {
  it('read an OpenAI chat stream\'s usage as the stream converter does, and hold back the chunk the gateway asked for', () => {
    const chunks = fixture('openai-chat-stream.json');
    const observer = endpoint('/v1/chat/completions').observeStream({ usageInjected: true, estimatedInputTokens: 10 });
    const seen = asEvents(chunks, false).map((event) => observer.observe(event));
    expect(observer.usage()).toEqual(convertOpenaiChatStreamUsage(chunks));
    expect(observer.complete).toBe(true);
    expect(observer.upstreamId).toBe('chatcmpl-BzKC4hJ2sLq8Wm3Ny6Rb1Tf9Ux7Gd');
    expect(seen.at(-1)).toEqual({ forward: false, token: false });
    expect(seen.slice(0, -1).every((event) => event.forward)).toBe(true);
  });

  it('pass the usage chunk on when the client asked for it', () => {
    const observer = endpoint('/v1/chat/completions').observeStream({ usageInjected: false, estimatedInputTokens: 10 });
    expect(asEvents(fixture('openai-chat-stream.json'), false).every((event) => observer.observe(event).forward)).toBe(true);
  });

  it('read a Responses API stream\'s usage from its final event', () => {
    const events = fixture('openai-responses-stream.json');
    const observer = endpoint('/v1/responses').observeStream({ usageInjected: false, estimatedInputTokens: 10 });
    for (const event of asEvents(events, true)) observer.observe(event);
    expect(observer.usage()).toEqual(convertOpenaiResponsesStreamUsage(events));
    expect(observer.upstreamId).toMatch(/^resp_/);
  });

  it('read an Anthropic stream\'s usage from message_start and message_delta, server tools included', () => {
    for (const name of ['anthropic-stream.json', 'anthropic-stream-with-server-tool.json']) {
      const events = fixture(name);
      const observer = endpoint('/v1/messages').observeStream({ usageInjected: false, estimatedInputTokens: 10 });
      for (const event of asEvents(events, true)) observer.observe(event);
      expect(observer.usage()).toEqual(convertAnthropicStreamUsage(events));
    }
  });

  it('estimate an Anthropic stream cut before message_delta from message_start\'s input and the deltas seen', () => {
    const events = fixture('anthropic-stream.json');
    const observer = endpoint('/v1/messages').observeStream({ usageInjected: false, estimatedInputTokens: 10 });
    const cut = events.slice(0, events.findIndex((event) => event.type === 'message_delta'));
    for (const event of asEvents(cut, true)) observer.observe(event);
    expect(observer.usage()).toBeNull();
    expect(observer.complete).toBe(false);
    const full = convertAnthropicStreamUsage(events);
    expect(observer.estimate().input).toEqual(full.input);
    expect(observer.estimate().output.total).toBe(Math.max(1, cut.filter((event) => event.type === 'content_block_delta').length));
  });

  it('mark a stream that carried an error event as failed', () => {
    const observer = endpoint('/v1/messages').observeStream({ usageInjected: false, estimatedInputTokens: 10 });
    observer.observe({ event: 'error', data: '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}', raw: '' });
    expect(observer.failed).toBe(true);
  });
});
