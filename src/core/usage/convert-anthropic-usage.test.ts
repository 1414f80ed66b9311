import { describe, expect, it } from 'vitest';
import messageBeforeTtlBreakdown from './fixtures/anthropic-message-before-ttl-breakdown.json' with { type: 'json' };
import message from './fixtures/anthropic-message.json' with { type: 'json' };
import { convertAnthropicUsage } from './convert-anthropic-usage.js';

describe('convertAnthropicUsage', () => {
  it('adds cache reads and writes to input_tokens, which excludes them, for the input total', () => {
    const usage = convertAnthropicUsage(message.usage);
    expect(usage.input.total).toBe(412 + 18_432 + 2048);
    expect(usage.input.noCache).toBe(412);
    expect(usage.input.cacheRead).toBe(18_432);
  });

  it('splits cache writes into 5-minute and 1-hour writes from the cache_creation breakdown', () => {
    const usage = convertAnthropicUsage(message.usage);
    expect(usage.input).toEqual({ total: 20_892, noCache: 412, cacheRead: 18_432, cacheWrite5m: 512, cacheWrite1h: 1536, audio: 0 });
  });

  it('counts every cache write as a 5-minute write when the response has no breakdown', () => {
    const usage = convertAnthropicUsage(messageBeforeTtlBreakdown.usage);
    expect(usage.input).toEqual({ total: 1913, noCache: 23, cacheRead: 0, cacheWrite5m: 1890, cacheWrite1h: 0, audio: 0 });
  });

  it('keeps thinking inside output_tokens and leaves reasoning at zero, since Anthropic does not count it apart', () => {
    const usage = convertAnthropicUsage(message.usage);
    expect(usage.output).toEqual({ total: 731, text: 731, reasoning: 0, audio: 0 });
  });

  it('counts the web searches a response ran from server_tool_use, and none when it has no such field', () => {
    // The usage of a Messages response that used the web_search tool, as the API sends it.
    const usage = convertAnthropicUsage({
      input_tokens: 6039,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
      output_tokens: 931,
      server_tool_use: { web_search_requests: 3 },
      service_tier: 'standard',
    });
    expect(usage.webSearchRequests).toBe(3);
    expect(usage.input.total).toBe(6039);
    expect(convertAnthropicUsage(message.usage).webSearchRequests).toBe(0);
    expect(convertAnthropicUsage({ input_tokens: 1, output_tokens: 1, server_tool_use: null }).webSearchRequests).toBe(0);
  });

  it('refuses a web search count that is not a whole number, naming its path', () => {
    expect(() => convertAnthropicUsage({ input_tokens: 1, output_tokens: 1, server_tool_use: { web_search_requests: 1.5 } })).toThrow(
      expect.objectContaining({ code: 'invalid_argument', message: 'anthropic usage: server_tool_use.web_search_requests must be a non-negative integer', details: { field: 'server_tool_use.web_search_requests' } }),
    );
  });

  it('reads null cache counts, as some gateways send them, as zero', () => {
    const usage = convertAnthropicUsage({ input_tokens: 25, output_tokens: 9, cache_read_input_tokens: null, cache_creation_input_tokens: null });
    expect(usage.input).toEqual({ total: 25, noCache: 25, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, audio: 0 });
  });

  it('takes the cache write count from the breakdown when cache_creation_input_tokens is missing', () => {
    const usage = convertAnthropicUsage({ input_tokens: 10, output_tokens: 1, cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 300 } });
    expect(usage.input).toMatchObject({ total: 410, cacheWrite5m: 100, cacheWrite1h: 300 });
  });

  it('refuses a breakdown larger than cache_creation_input_tokens, naming the fields', () => {
    const convert = () =>
      convertAnthropicUsage({
        input_tokens: 10,
        output_tokens: 1,
        cache_creation_input_tokens: 1000,
        cache_creation: { ephemeral_5m_input_tokens: 600, ephemeral_1h_input_tokens: 500 },
      });
    expect(convert).toThrow(
      expect.objectContaining({
        code: 'invalid_argument',
        message:
          'anthropic usage: cache_creation.ephemeral_5m_input_tokens + cache_creation.ephemeral_1h_input_tokens (1100) exceed cache_creation_input_tokens (1000)',
        details: { field: 'cache_creation.ephemeral_5m_input_tokens' },
      }),
    );
  });

  it('refuses a negative cache read count with the field path', () => {
    const convert = () => convertAnthropicUsage({ input_tokens: 10, output_tokens: 1, cache_read_input_tokens: -1 });
    expect(convert).toThrow(
      expect.objectContaining({
        code: 'invalid_argument',
        message: 'anthropic usage: cache_read_input_tokens must be a non-negative integer',
        details: { field: 'cache_read_input_tokens' },
      }),
    );
  });

  it('refuses a count sent as a string', () => {
    const convert = () => convertAnthropicUsage({ input_tokens: '10', output_tokens: 1 });
    expect(convert).toThrow('anthropic usage: input_tokens must be a non-negative integer');
  });
});
