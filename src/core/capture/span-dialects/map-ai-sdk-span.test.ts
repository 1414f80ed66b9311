import { describe, expect, it } from 'vitest';
import { fixtureSpans, spanWithId, testSpan } from '../test-spans.js';
import embedTrace from './fixtures/ai-sdk-embed.json' with { type: 'json' };
import generateText from './fixtures/ai-sdk-generate-text-anthropic.json' with { type: 'json' };
import streamText from './fixtures/ai-sdk-stream-text-openai.json' with { type: 'json' };
import versionFive from './fixtures/ai-sdk-v5-anthropic.json' with { type: 'json' };
import { mapAiSdkSpan } from './map-ai-sdk-span.js';

const steps = fixtureSpans(generateText);

describe('mapAiSdkSpan', () => {
  it('maps the outer generateText span to no-usage on its own, since it repeats the sum of its steps', () => {
    expect(mapAiSdkSpan(spanWithId(steps, '0123456789abcdef'))).toMatchObject({ kind: 'no-usage', reason: expect.stringContaining('ai.generateText') });
  });

  it('reads each doGenerate step as a call, with AI SDK 6 input totals and their cache parts', () => {
    expect(mapAiSdkSpan(spanWithId(steps, '1123456789abcdef'))).toEqual({
      kind: 'call',
      call: {
        dialect: 'ai-sdk',
        provider: 'anthropic',
        model: 'claude-sonnet-4-5-20250929',
        operation: 'chat',
        responseId: 'msg_01Aq9w8e7r6t5y4u3i2o1p',
        counts: { input_tokens: 2073, cache_read_tokens: 0, cache_write_tokens: 2048, cache_write_1h_tokens: 2048, output_tokens: 120 },
        tags: { feature: 'weather', user_id: 'u_42' },
        attributes: { experiment: 'b', function_id: 'weather-agent' },
      },
    });
    expect(mapAiSdkSpan(spanWithId(steps, '3123456789abcdef'))).toMatchObject({
      kind: 'call',
      call: { counts: { input_tokens: 2228, cache_read_tokens: 2048, cache_write_tokens: 0, output_tokens: 95 } },
    });
  });

  it("counts the 1-hour writes from Anthropic's usage in the provider metadata within the cache writes", () => {
    const mapping = mapAiSdkSpan(spanWithId(steps, '1123456789abcdef'));
    expect(mapping).toMatchObject({ kind: 'call', call: { counts: { cache_write_tokens: 2048, cache_write_1h_tokens: 2048 } } });
  });

  it('maps a tool call span to no-usage', () => {
    expect(mapAiSdkSpan(spanWithId(steps, '2123456789abcdef'))).toMatchObject({ kind: 'no-usage', tags: { feature: 'weather' } });
  });

  it("counts Anthropic cache writes from the AI SDK's provider metadata into input_tokens", () => {
    // AI SDK 5 passed Anthropic's raw input_tokens (3120, without the cache) and had no cache write count of its own.
    const mapping = mapAiSdkSpan(spanWithId(fixtureSpans(versionFive), '5123456789abcdef'));
    expect(mapping).toMatchObject({
      kind: 'call',
      call: { model: 'claude-opus-4-1-20250805', counts: { input_tokens: 3120 + 2150, cache_read_tokens: 0, cache_write_tokens: 2150, output_tokens: 611 } },
    });
  });

  it('adds AI SDK 5 cache reads to an Anthropic input that excludes them', () => {
    const span = testSpan(
      {
        'ai.operationId': 'ai.generateText.doGenerate',
        'ai.model.provider': 'anthropic.messages',
        'ai.model.id': 'claude-sonnet-4-5',
        'ai.usage.inputTokens': 5000,
        'ai.usage.outputTokens': 10,
        'ai.usage.cachedInputTokens': 1000,
      },
      { name: 'ai.generateText.doGenerate' },
    );
    expect(mapAiSdkSpan(span)).toMatchObject({ kind: 'call', call: { counts: { input_tokens: 6000, cache_read_tokens: 1000 } } });
  });

  it('reads AI SDK 4 promptTokens and completionTokens, with cache counts from the provider metadata', () => {
    const span = testSpan(
      {
        'ai.operationId': 'ai.generateText.doGenerate',
        'ai.model.provider': 'anthropic.messages',
        'ai.model.id': 'claude-3-5-sonnet-20241022',
        'ai.usage.promptTokens': 30,
        'ai.usage.completionTokens': 200,
        'ai.response.providerMetadata': '{"anthropic":{"cacheCreationInputTokens":0,"cacheReadInputTokens":1800}}',
      },
      { name: 'ai.generateText.doGenerate' },
    );
    expect(mapAiSdkSpan(span)).toMatchObject({ kind: 'call', call: { counts: { input_tokens: 1830, cache_read_tokens: 1800, cache_write_tokens: 0, output_tokens: 200 } } });
  });

  it("adds Gemini's thoughts to an AI SDK 5 output, which excludes them, but not to an AI SDK 6 total", () => {
    const step = {
      'ai.operationId': 'ai.generateText.doGenerate',
      'ai.model.provider': 'google.generative-ai',
      'ai.model.id': 'gemini-2.5-pro',
      'ai.usage.inputTokens': 800,
      'ai.usage.outputTokens': 300,
      'ai.usage.reasoningTokens': 120,
    };
    expect(mapAiSdkSpan(testSpan(step, { name: 'ai.generateText.doGenerate' }))).toMatchObject({
      kind: 'call',
      call: { provider: 'google', counts: { output_tokens: 420, reasoning_tokens: 120 } },
    });
    const versionSix = { ...step, 'ai.usage.outputTokens': 420, 'ai.usage.outputTokenDetails.textTokens': 300, 'ai.usage.outputTokenDetails.reasoningTokens': 120 };
    expect(mapAiSdkSpan(testSpan(versionSix, { name: 'ai.generateText.doGenerate' }))).toMatchObject({ kind: 'call', call: { counts: { output_tokens: 420 } } });
  });

  it('reads a doStream step: cache reads and reasoning within the totals, and the time to the first chunk', () => {
    const mapping = mapAiSdkSpan(spanWithId(fixtureSpans(streamText), '7123456789abcdef'));
    expect(mapping).toMatchObject({
      kind: 'call',
      call: {
        provider: 'openai',
        model: 'gpt-5-mini-2025-08-07',
        counts: { input_tokens: 3200, cache_read_tokens: 2048, cache_write_tokens: 0, output_tokens: 900, reasoning_tokens: 640 },
        tags: { feature: 'summaries' },
        timeToFirstTokenMs: 412.5,
      },
    });
  });

  it('maps the outer streamText span to no-usage', () => {
    expect(mapAiSdkSpan(spanWithId(fixtureSpans(streamText), '6123456789abcdef'))).toMatchObject({ kind: 'no-usage' });
  });

  it('counts an embedding step by ai.usage.tokens, and not its outer embed span', () => {
    const spans = fixtureSpans(embedTrace);
    expect(mapAiSdkSpan(spanWithId(spans, '9123456789abcdef'))).toMatchObject({
      kind: 'call',
      call: { provider: 'openai', model: 'text-embedding-3-small', operation: 'embeddings', counts: { input_tokens: 9, output_tokens: 0 } },
    });
    expect(mapAiSdkSpan(spanWithId(spans, '8123456789abcdef'))).toMatchObject({ kind: 'no-usage' });
  });

  it('reads the NaN the SDK writes for an unreported count as no usage rather than a bad count', () => {
    expect(mapAiSdkSpan(spanWithId(fixtureSpans(embedTrace), 'a123456789abcdef'))).toMatchObject({ kind: 'no-usage' });
  });

  it('refuses a bad count inside the provider metadata, naming the attribute and the path within it', () => {
    const span = testSpan(
      {
        'ai.operationId': 'ai.generateText.doGenerate',
        'ai.model.provider': 'anthropic.messages',
        'ai.model.id': 'claude-sonnet-4-5',
        'ai.usage.inputTokens': 5,
        'ai.usage.outputTokens': 1,
        'ai.response.providerMetadata': '{"anthropic":{"cacheCreationInputTokens":-4}}',
      },
      { name: 'ai.generateText.doGenerate' },
    );
    expect(mapAiSdkSpan(span)).toEqual({
      kind: 'invalid',
      attribute: 'ai.response.providerMetadata',
      message: 'anthropic.cacheCreationInputTokens must be a non-negative integer, got -4',
    });
  });
});
