import { describe, expect, it } from 'vitest';
import anthropicMessage from './fixtures/anthropic-message.json' with { type: 'json' };
import geminiResponse from './fixtures/gemini-thinking-cached-response.json' with { type: 'json' };
import openaiChatCompletion from './fixtures/openai-chat-completion.json' with { type: 'json' };
import openaiResponse from './fixtures/openai-responses-response.json' with { type: 'json' };
import { convertUsage, usageFormats, type UsageFormat } from './convert-usage.js';

describe('convertUsage', () => {
  it('converts each wire format with its own rules', () => {
    expect(convertUsage('openai-chat', openaiChatCompletion.usage).input).toMatchObject({ total: 2306, cacheRead: 1920 });
    expect(convertUsage('openai-responses', openaiResponse.usage).output).toMatchObject({ total: 1536, reasoning: 1152 });
    expect(convertUsage('anthropic', anthropicMessage.usage).input).toMatchObject({ total: 20_892, cacheWrite1h: 1536 });
    expect(convertUsage('gemini', geminiResponse.usageMetadata).output).toMatchObject({ total: 1631, reasoning: 1229 });
  });

  it('reads the same counts differently by format: cached tokens are inside OpenAI input but outside Anthropic input', () => {
    const counts = { input_tokens: 1000, output_tokens: 10, input_tokens_details: { cached_tokens: 800 }, cache_read_input_tokens: 800 };
    expect(convertUsage('openai-responses', counts).input.total).toBe(1000);
    expect(convertUsage('anthropic', counts).input.total).toBe(1800);
  });

  it('lists the four formats it dispatches on', () => {
    expect(usageFormats).toEqual(['openai-chat', 'openai-responses', 'anthropic', 'gemini']);
  });

  it('refuses a format it does not know, such as one read from a JSON event', () => {
    expect(() => convertUsage('mistral' as UsageFormat, {})).toThrow(
      expect.objectContaining({
        code: 'invalid_argument',
        message: 'usage format must be one of openai-chat, openai-responses, anthropic, gemini, got "mistral"',
        details: { field: 'usage_format' },
      }),
    );
  });

  it('refuses an inherited property name as a format', () => {
    expect(() => convertUsage('toString' as UsageFormat, {})).toThrow('usage format must be one of');
  });
});
