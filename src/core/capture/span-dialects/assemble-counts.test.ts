import { describe, expect, it } from 'vitest';
import { assembleCounts } from './assemble-counts.js';

describe('assembleCounts', () => {
  it("adds cache reads and writes to Anthropic's raw input, which excludes them", () => {
    expect(assembleCounts({ input: 3120, output: 611, cacheRead: 500, cacheWrite: 2150, inputExcludesCache: true })).toEqual({
      input_tokens: 3120 + 500 + 2150,
      output_tokens: 611,
      cache_read_tokens: 500,
      cache_write_tokens: 2150,
    });
  });

  it("keeps OpenAI's input, which already includes its cached tokens, as is", () => {
    expect(assembleCounts({ input: 2006, output: 300, cacheRead: 1920 })).toEqual({ input_tokens: 2006, output_tokens: 300, cache_read_tokens: 1920 });
  });

  it('reads an input smaller than its own cache as exclusive, since no total can be', () => {
    expect(assembleCounts({ input: 42, output: 611, cacheRead: 38_210, cacheWrite: 2150 })).toMatchObject({ input_tokens: 40_402 });
  });

  it('keeps reasoning within output_tokens', () => {
    expect(assembleCounts({ input: 100, output: 1830, reasoning: 1408 })).toEqual({ input_tokens: 100, output_tokens: 1830, reasoning_tokens: 1408 });
  });

  it('adds reasoning to an output known to exclude it, or smaller than it', () => {
    expect(assembleCounts({ input: 100, output: 300, reasoning: 120, outputExcludesReasoning: true })).toMatchObject({ output_tokens: 420 });
    expect(assembleCounts({ input: 100, output: 30, reasoning: 120 })).toMatchObject({ output_tokens: 150 });
  });

  it('keeps 1-hour writes within the cache writes and the writes within the input', () => {
    expect(assembleCounts({ input: 2073, output: 120, cacheRead: 0, cacheWrite: 2048, cacheWrite1h: 1536 })).toEqual({
      input_tokens: 2073,
      output_tokens: 120,
      cache_read_tokens: 0,
      cache_write_tokens: 2048,
      cache_write_1h_tokens: 1536,
    });
  });

  it('raises the cache writes to the 1-hour writes when they are missing or smaller', () => {
    expect(assembleCounts({ input: 10, output: 1, cacheWrite1h: 300, inputExcludesCache: true })).toEqual({
      input_tokens: 310,
      output_tokens: 1,
      cache_write_tokens: 300,
      cache_write_1h_tokens: 300,
    });
  });

  it('leaves out the parts a span did not report', () => {
    expect(assembleCounts({ input: 58, output: 0 })).toEqual({ input_tokens: 58, output_tokens: 0 });
  });
});
