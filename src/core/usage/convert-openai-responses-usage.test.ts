import { describe, expect, it } from 'vitest';
import response from './fixtures/openai-responses-response.json' with { type: 'json' };
import { convertOpenaiResponsesUsage } from './convert-openai-responses-usage.js';

describe('convertOpenaiResponsesUsage', () => {
  it('does not add cached tokens to the Responses input total', () => {
    const usage = convertOpenaiResponsesUsage(response.usage);
    expect(usage.input).toEqual({ total: 5190, noCache: 326, cacheRead: 4864, cacheWrite5m: 0, cacheWrite1h: 0, audio: 0 });
  });

  it('does not add reasoning tokens to the Responses output total', () => {
    const usage = convertOpenaiResponsesUsage(response.usage);
    expect(usage.output).toEqual({ total: 1536, text: 384, reasoning: 1152, audio: 0 });
  });

  it('reads a usage without details as uncached text', () => {
    const usage = convertOpenaiResponsesUsage({ input_tokens: 36, output_tokens: 87, total_tokens: 123 });
    expect(usage.input).toMatchObject({ total: 36, noCache: 36, cacheRead: 0 });
    expect(usage.output).toMatchObject({ total: 87, text: 87, reasoning: 0 });
  });

  it('refuses cached tokens larger than the input total, naming both fields', () => {
    const convert = () => convertOpenaiResponsesUsage({ input_tokens: 1000, output_tokens: 10, input_tokens_details: { cached_tokens: 1024 } });
    expect(convert).toThrow(
      expect.objectContaining({
        code: 'invalid_argument',
        message: 'openai-responses usage: input_tokens_details.cached_tokens (1024) exceeds input_tokens (1000)',
        details: { field: 'input_tokens_details.cached_tokens' },
      }),
    );
  });

  it('refuses reasoning tokens larger than the output total', () => {
    const convert = () => convertOpenaiResponsesUsage({ input_tokens: 10, output_tokens: 64, output_tokens_details: { reasoning_tokens: 65 } });
    expect(convert).toThrow('openai-responses usage: output_tokens_details.reasoning_tokens (65) exceeds output_tokens (64)');
  });

  it('refuses a negative count with the field path', () => {
    const convert = () => convertOpenaiResponsesUsage({ input_tokens: -3, output_tokens: 10 });
    expect(convert).toThrow(
      expect.objectContaining({
        message: 'openai-responses usage: input_tokens must be a non-negative integer',
        details: { field: 'input_tokens' },
      }),
    );
  });

  it('refuses Chat Completions usage passed as Responses usage', () => {
    const convert = () => convertOpenaiResponsesUsage({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
    expect(convert).toThrow('openai-responses usage: input_tokens is required');
  });
});
