import { describe, expect, it } from 'vitest';
import audioCompletion from './fixtures/openai-chat-audio-completion.json' with { type: 'json' };
import completion from './fixtures/openai-chat-completion.json' with { type: 'json' };
import predictedCompletion from './fixtures/openai-chat-predicted-completion.json' with { type: 'json' };
import { convertOpenaiChatUsage } from './convert-openai-chat-usage.js';

describe('convertOpenaiChatUsage', () => {
  it('does not add cached tokens to the OpenAI prompt total', () => {
    const usage = convertOpenaiChatUsage(completion.usage);
    expect(usage.input).toEqual({ total: 2306, noCache: 386, cacheRead: 1920, cacheWrite5m: 0, cacheWrite1h: 0, audio: 0 });
  });

  it('does not add reasoning tokens to the OpenAI completion total', () => {
    const usage = convertOpenaiChatUsage(completion.usage);
    expect(usage.output).toEqual({ total: 1148, text: 252, reasoning: 896, audio: 0 });
  });

  it('splits prompt and completion audio out of their totals instead of adding them', () => {
    const usage = convertOpenaiChatUsage(audioCompletion.usage);
    expect(usage.input).toEqual({ total: 1412, noCache: 388, cacheRead: 1024, cacheWrite5m: 0, cacheWrite1h: 0, audio: 296 });
    expect(usage.output).toEqual({ total: 318, text: 56, reasoning: 0, audio: 262 });
  });

  it('keeps accepted and rejected prediction tokens inside the completion total as text', () => {
    const usage = convertOpenaiChatUsage(predictedCompletion.usage);
    expect(usage.output).toEqual({ total: 94, text: 94, reasoning: 0, audio: 0 });
  });

  it('counts no more uncached audio than the prompt has uncached tokens', () => {
    const usage = convertOpenaiChatUsage({ prompt_tokens: 1200, completion_tokens: 0, prompt_tokens_details: { cached_tokens: 1024, audio_tokens: 600 } });
    expect(usage.input).toMatchObject({ total: 1200, noCache: 176, cacheRead: 1024, audio: 176 });
  });

  it('reads a usage without details, or with null details, as uncached text', () => {
    for (const details of [{}, { prompt_tokens_details: null, completion_tokens_details: null }]) {
      const usage = convertOpenaiChatUsage({ prompt_tokens: 57, completion_tokens: 12, total_tokens: 69, ...details });
      expect(usage.input).toMatchObject({ total: 57, noCache: 57, cacheRead: 0 });
      expect(usage.output).toMatchObject({ total: 12, text: 12, reasoning: 0 });
    }
  });

  it('refuses cached tokens larger than the prompt total, naming both fields', () => {
    const convert = () => convertOpenaiChatUsage({ prompt_tokens: 100, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 128 } });
    expect(convert).toThrow(
      expect.objectContaining({
        code: 'invalid_argument',
        message: 'openai-chat usage: prompt_tokens_details.cached_tokens (128) exceeds prompt_tokens (100)',
        details: { field: 'prompt_tokens_details.cached_tokens' },
      }),
    );
  });

  it('refuses reasoning and audio tokens that together exceed the completion total', () => {
    const convert = () =>
      convertOpenaiChatUsage({ prompt_tokens: 10, completion_tokens: 50, completion_tokens_details: { reasoning_tokens: 40, audio_tokens: 20 } });
    expect(convert).toThrow(
      'openai-chat usage: completion_tokens_details.reasoning_tokens + completion_tokens_details.audio_tokens (60) exceed completion_tokens (50)',
    );
  });

  it('reads what the schema reads on its own short path: null counts in the details as zero, unknown fields ignored', () => {
    const usage = convertOpenaiChatUsage({
      prompt_tokens: 40,
      completion_tokens: 9,
      prompt_tokens_details: { cached_tokens: null, audio_tokens: 8 },
      completion_tokens_details: { reasoning_tokens: 3, accepted_prediction_tokens: 2 },
      extra: { nested: true },
    });
    expect(usage.input).toEqual({ total: 40, noCache: 40, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, audio: 8 });
    expect(usage.output).toEqual({ total: 9, text: 6, reasoning: 3, audio: 0 });
  });

  it('refuses counts the short path does not take, with the schema message: a string, a negative, details that are not an object', () => {
    expect(() => convertOpenaiChatUsage({ prompt_tokens: '12', completion_tokens: 5 })).toThrow('openai-chat usage: prompt_tokens must be a non-negative integer');
    expect(() => convertOpenaiChatUsage({ prompt_tokens: 12, completion_tokens: -1 })).toThrow('openai-chat usage: completion_tokens must be a non-negative integer');
    expect(() => convertOpenaiChatUsage({ prompt_tokens: 12, completion_tokens: 5, prompt_tokens_details: 3 })).toThrow('openai-chat usage: prompt_tokens_details must be an object');
  });

  it('refuses a fractional count with the field path', () => {
    const convert = () => convertOpenaiChatUsage({ prompt_tokens: 10, completion_tokens: 5, completion_tokens_details: { reasoning_tokens: 2.5 } });
    expect(convert).toThrow(
      expect.objectContaining({
        code: 'invalid_argument',
        message: 'openai-chat usage: completion_tokens_details.reasoning_tokens must be a non-negative integer',
        details: { field: 'completion_tokens_details.reasoning_tokens' },
      }),
    );
  });

  it('refuses a usage without prompt_tokens', () => {
    expect(() => convertOpenaiChatUsage({ completion_tokens: 5 })).toThrow('openai-chat usage: prompt_tokens is required');
  });

  it('refuses a usage that is not an object', () => {
    expect(() => convertOpenaiChatUsage(null)).toThrow(
      expect.objectContaining({ message: 'openai-chat usage must be an object', details: { field: 'usage' } }),
    );
  });
});
