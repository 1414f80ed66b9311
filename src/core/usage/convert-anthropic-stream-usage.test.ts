import { describe, expect, it } from 'vitest';
import streamWithServerTool from './fixtures/anthropic-stream-with-server-tool.json' with { type: 'json' };
import stream from './fixtures/anthropic-stream.json' with { type: 'json' };
import { convertAnthropicStreamUsage } from './convert-anthropic-stream-usage.js';

const withoutType = (events: unknown[], type: string) => events.filter((event) => (event as { type: string }).type !== type);

describe('convertAnthropicStreamUsage', () => {
  it('takes the input side from message_start', () => {
    const usage = convertAnthropicStreamUsage(stream);
    expect(usage.input).toEqual({ total: 2520, noCache: 472, cacheRead: 2048, cacheWrite5m: 0, cacheWrite1h: 0, audio: 0 });
  });

  it('takes output from the last message_delta without adding message_start output_tokens', () => {
    const usage = convertAnthropicStreamUsage(stream);
    expect(usage.output).toEqual({ total: 389, text: 389, reasoning: 0, audio: 0 });
  });

  it('uses the cumulative counts of the last message_delta instead of summing every delta', () => {
    const delta = stream.find((event) => event.type === 'message_delta')!;
    const earlierDelta = { ...delta, usage: { output_tokens: 120 } };
    const usage = convertAnthropicStreamUsage([...stream.slice(0, 3), earlierDelta, ...stream.slice(3)]);
    expect(usage.output.total).toBe(389);
  });

  it('replaces, not adds, the input counts that a newer message_delta repeats', () => {
    const usage = convertAnthropicStreamUsage(streamWithServerTool);
    expect(usage.input).toEqual({ total: 10_682, noCache: 10_682, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, audio: 0 });
    expect(usage.output.total).toBe(510);
  });

  it('counts the web searches of the last message_delta\'s server_tool_use, and none for a stream without them', () => {
    expect(convertAnthropicStreamUsage(streamWithServerTool).webSearchRequests).toBe(1);
    expect(convertAnthropicStreamUsage(stream).webSearchRequests).toBe(0);
    // Cumulative like every count of message_delta: the last one has them all, an earlier one is not added.
    const delta = streamWithServerTool.find((event) => event.type === 'message_delta')!;
    const earlier = { ...delta, usage: { output_tokens: 100, server_tool_use: { web_search_requests: 1 } } };
    const last = { ...delta, usage: { ...delta.usage, server_tool_use: { web_search_requests: 2 } } };
    expect(convertAnthropicStreamUsage([streamWithServerTool[0], earlier, last]).webSearchRequests).toBe(2);
  });

  it('keeps message_start 1-hour writes and counts extra writes reported by message_delta as 5-minute writes', () => {
    const start = {
      type: 'message_start',
      message: {
        usage: {
          input_tokens: 50,
          cache_read_input_tokens: 0,
          cache_creation_input_tokens: 1000,
          cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 1000 },
          output_tokens: 1,
        },
      },
    };
    const delta = { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 80, cache_creation_input_tokens: 1300 } };
    const usage = convertAnthropicStreamUsage([start, delta]);
    expect(usage.input).toEqual({ total: 1350, noCache: 50, cacheRead: 0, cacheWrite5m: 300, cacheWrite1h: 1000, audio: 0 });
  });

  it('refuses a stream without message_start', () => {
    expect(() => convertAnthropicStreamUsage(withoutType(stream, 'message_start'))).toThrow(
      expect.objectContaining({
        code: 'invalid_argument',
        message: 'anthropic stream: no message_start event; pass every parsed event of the stream',
        details: { field: 'message_start' },
      }),
    );
  });

  it('refuses a stream that ended before message_delta rather than under-counting output', () => {
    expect(() => convertAnthropicStreamUsage(withoutType(stream, 'message_delta'))).toThrow(
      'anthropic stream: no message_delta event, so the output count is unknown; the stream ended before its final event',
    );
  });

  it('names the event and field path of a bad count', () => {
    const start = { type: 'message_start', message: { usage: { input_tokens: 1.5, output_tokens: 1 } } };
    expect(() => convertAnthropicStreamUsage([start, ...withoutType(stream, 'message_start')])).toThrow(
      expect.objectContaining({
        message: 'anthropic stream message_start: message.usage.input_tokens must be a non-negative integer',
        details: { field: 'message.usage.input_tokens' },
      }),
    );
  });

  it('refuses a message_delta without output_tokens', () => {
    const delta = { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: {} };
    expect(() => convertAnthropicStreamUsage([...withoutType(stream, 'message_delta'), delta])).toThrow(
      'anthropic stream message_delta: usage.output_tokens is required',
    );
  });
});
