import { describe, expect, it } from 'vitest';
import { fixtureSpans, spanWithId, testSpan } from '../test-spans.js';
import anthropicCache from './fixtures/openllmetry-anthropic-cache.json' with { type: 'json' };
import { mapOpenLlmetrySpan } from './map-openllmetry-span.js';

const llmSpan = () => spanWithId(fixtureSpans(anthropicCache), '2b3c4d5e6f7a8b9c');

describe('mapOpenLlmetrySpan', () => {
  it("reads the Anthropic instrumentation's prompt count as the total, since it already adds the cache in", () => {
    expect(mapOpenLlmetrySpan(llmSpan())).toMatchObject({
      kind: 'call',
      call: {
        dialect: 'openllmetry',
        provider: 'anthropic',
        model: 'claude-sonnet-4-5-20250929',
        responseId: 'msg_01XFDUDYJgAACzvnptvVoYEL',
        counts: { input_tokens: 40_402, cache_read_tokens: 38_210, cache_write_tokens: 2150, output_tokens: 611 },
      },
    });
  });

  it("adds the cache to a prompt count smaller than the cache, as Anthropic's raw input_tokens is", () => {
    const span = testSpan({
      'gen_ai.system': 'Anthropic',
      'llm.request.type': 'chat',
      'gen_ai.request.model': 'claude-sonnet-4-5',
      'gen_ai.usage.prompt_tokens': 42,
      'gen_ai.usage.completion_tokens': 611,
      'gen_ai.usage.cache_read_input_tokens': 38_210,
      'gen_ai.usage.cache_creation_input_tokens': 2150,
    });
    expect(mapOpenLlmetrySpan(span)).toMatchObject({ kind: 'call', call: { counts: { input_tokens: 40_402 } } });
  });

  it('turns traceloop association properties into tags, and the rest into attributes', () => {
    expect(mapOpenLlmetrySpan(llmSpan())).toMatchObject({
      kind: 'call',
      call: { tags: { feature: 'support-answer', user_id: 'cus_123' }, attributes: { ticket_priority: 'high' } },
    });
  });

  it('names the operation in the vocabulary of gen_ai.operation.name', () => {
    expect(mapOpenLlmetrySpan(llmSpan())).toMatchObject({ kind: 'call', call: { operation: 'text_completion' } });
  });

  it('maps a workflow span to no-usage, with the tags its association properties state', () => {
    const workflow = spanWithId(fixtureSpans(anthropicCache), '1a2b3c4d5e6f7a8b');
    expect(mapOpenLlmetrySpan(workflow)).toMatchObject({ kind: 'no-usage', tags: { feature: 'support-answer', user_id: 'cus_123' } });
  });

  it("adds Gemini's thoughts to its candidates count, which excludes them", () => {
    const span = testSpan({
      'gen_ai.system': 'gemini',
      'llm.request.type': 'chat',
      'gen_ai.request.model': 'gemini-2.5-pro',
      'gen_ai.usage.prompt_tokens': 800,
      'gen_ai.usage.completion_tokens': 300,
      'gen_ai.usage.reasoning_tokens': 120,
    });
    expect(mapOpenLlmetrySpan(span)).toMatchObject({ kind: 'call', call: { provider: 'google', counts: { output_tokens: 420, reasoning_tokens: 120 } } });
  });

  it("keeps OpenAI's completion count, which includes reasoning, as is", () => {
    const span = testSpan({
      'gen_ai.system': 'openai',
      'llm.request.type': 'chat',
      'gen_ai.request.model': 'o4-mini',
      'gen_ai.usage.prompt_tokens': 800,
      'gen_ai.usage.completion_tokens': 300,
      'llm.usage.reasoning_tokens': 120,
    });
    expect(mapOpenLlmetrySpan(span)).toMatchObject({ kind: 'call', call: { counts: { output_tokens: 300, reasoning_tokens: 120 } } });
  });
});
