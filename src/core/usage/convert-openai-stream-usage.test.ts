import { describe, expect, it } from 'vitest';
import chatStream from './fixtures/openai-chat-stream.json' with { type: 'json' };
import responsesStream from './fixtures/openai-responses-stream.json' with { type: 'json' };
import { convertOpenaiChatStreamUsage, convertOpenaiResponsesStreamUsage } from './convert-openai-stream-usage.js';

describe('convertOpenaiChatStreamUsage', () => {
  it('reads usage from the last chunk, the one with no choices', () => {
    const usage = convertOpenaiChatStreamUsage(chatStream);
    expect(usage.input).toEqual({ total: 1536, noCache: 256, cacheRead: 1280, cacheWrite5m: 0, cacheWrite1h: 0, audio: 0 });
    expect(usage.output).toEqual({ total: 7, text: 7, reasoning: 0, audio: 0 });
  });

  it('skips the [DONE] sentinel and chunks with no usage field after the usage chunk', () => {
    const usage = convertOpenaiChatStreamUsage([...chatStream, { id: 'chatcmpl-x', object: 'chat.completion.chunk', choices: [] }, '[DONE]']);
    expect(usage.input.total).toBe(1536);
    expect(usage.output.total).toBe(7);
  });

  it('takes the last usage when a proxy repeats usage on more than one chunk, rather than summing them', () => {
    const early = { ...chatStream[0], usage: { prompt_tokens: 1536, completion_tokens: 0 } };
    const usage = convertOpenaiChatStreamUsage([early, ...chatStream]);
    expect(usage.input.total).toBe(1536);
    expect(usage.output.total).toBe(7);
  });

  it('refuses a stream requested without include_usage, saying how to fix it', () => {
    const withoutUsage = chatStream.filter((chunk) => chunk.usage === null);
    expect(withoutUsage).toHaveLength(8);
    expect(() => convertOpenaiChatStreamUsage(withoutUsage)).toThrow(
      expect.objectContaining({
        code: 'invalid_argument',
        message:
          'openai-chat stream: no chunk carries usage; request the stream with stream_options: { include_usage: true } and pass every parsed chunk',
        details: { field: 'usage' },
      }),
    );
  });

  it('reports a bad count in the final chunk as an openai-chat usage error', () => {
    const last = { ...chatStream[chatStream.length - 1], usage: { prompt_tokens: '1536', completion_tokens: 7 } };
    expect(() => convertOpenaiChatStreamUsage([last])).toThrow('openai-chat usage: prompt_tokens must be a non-negative integer');
  });
});

describe('convertOpenaiResponsesStreamUsage', () => {
  it('reads usage from the response.completed event and ignores the null usage of response.created', () => {
    const usage = convertOpenaiResponsesStreamUsage(responsesStream);
    expect(usage.input).toEqual({ total: 812, noCache: 812, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, audio: 0 });
    expect(usage.output).toEqual({ total: 403, text: 83, reasoning: 320, audio: 0 });
  });

  it('reads usage from response.incomplete when the output limit cut the response short', () => {
    const completed = responsesStream[responsesStream.length - 1]!;
    const incomplete = { ...completed, type: 'response.incomplete' };
    const usage = convertOpenaiResponsesStreamUsage([...responsesStream.slice(0, -1), incomplete]);
    expect(usage.output.total).toBe(403);
  });

  it('refuses a stream that ended before response.completed', () => {
    expect(() => convertOpenaiResponsesStreamUsage(responsesStream.slice(0, -1))).toThrow(
      expect.objectContaining({
        code: 'invalid_argument',
        message: 'openai-responses stream: no response.completed event carries response.usage; pass every parsed event of the stream',
        details: { field: 'response.usage' },
      }),
    );
  });
});
