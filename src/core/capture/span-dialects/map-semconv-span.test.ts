import { describe, expect, it } from 'vitest';
import { fixtureSpans, spanWithId, testSpan } from '../test-spans.js';
import agentTrace from './fixtures/semconv-agent-cached-reasoning.json' with { type: 'json' };
import deprecatedNames from './fixtures/semconv-deprecated-names.json' with { type: 'json' };
import openAiInstrumentation from './fixtures/semconv-openai-instrumentation.json' with { type: 'json' };
import { mapSemconvSpan } from './map-semconv-span.js';

describe('mapSemconvSpan', () => {
  it('reads what @opentelemetry/instrumentation-openai writes: gen_ai.system, the response model and both counts', () => {
    const mapping = mapSemconvSpan(spanWithId(fixtureSpans(openAiInstrumentation), 'b7ad6b7169203331'));
    expect(mapping).toEqual({
      kind: 'call',
      call: {
        dialect: 'semconv',
        provider: 'openai',
        model: 'gpt-4o-mini-2024-07-18',
        operation: 'chat',
        responseId: 'chatcmpl-BkT1u2Qz7Fh0aXc9d8e7f6g5h4i3j',
        counts: { input_tokens: 1843, output_tokens: 212 },
        tags: {},
        attributes: {},
      },
    });
  });

  it('counts an embeddings span, which reports input only, with zero output', () => {
    const mapping = mapSemconvSpan(spanWithId(fixtureSpans(openAiInstrumentation), '53995c3f42cd8ad8'));
    expect(mapping).toMatchObject({ kind: 'call', call: { model: 'text-embedding-3-small', operation: 'embeddings', counts: { input_tokens: 58, output_tokens: 0 } } });
  });

  it("keeps OpenAI's input as is, since it already includes the cache reads", () => {
    const mapping = mapSemconvSpan(spanWithId(fixtureSpans(agentTrace), 'e457b5a2e4d86bd1'));
    expect(mapping).toMatchObject({ kind: 'call', call: { counts: { input_tokens: 12_450, cache_read_tokens: 11_264 } } });
  });

  it('keeps reasoning within output_tokens rather than adding it again', () => {
    const mapping = mapSemconvSpan(spanWithId(fixtureSpans(agentTrace), 'e457b5a2e4d86bd1'));
    expect(mapping).toMatchObject({ kind: 'call', call: { counts: { output_tokens: 1830, reasoning_tokens: 1408 } } });
  });

  it('takes gen_ai.conversation.id as the session', () => {
    const mapping = mapSemconvSpan(spanWithId(fixtureSpans(agentTrace), 'e457b5a2e4d86bd1'));
    expect(mapping).toMatchObject({ kind: 'call', call: { provider: 'openai', model: 'gpt-5-mini-2025-08-07', tags: { session_id: 'conv_5f1c2a' } } });
  });

  it('maps agent and tool spans without counts to no-usage, keeping the session an agent span states', () => {
    const spans = fixtureSpans(agentTrace);
    expect(mapSemconvSpan(spanWithId(spans, 'c8a1e5f0d2b34a17'))).toEqual({
      kind: 'no-usage',
      reason: 'invoke_agent span without token counts',
      tags: { session_id: 'conv_5f1c2a' },
    });
    expect(mapSemconvSpan(spanWithId(spans, 'f1a2b3c4d5e6f708'))).toMatchObject({ kind: 'no-usage' });
  });

  it('reads the deprecated names: gen_ai.system, prompt_tokens and completion_tokens', () => {
    const mapping = mapSemconvSpan(fixtureSpans(deprecatedNames)[0]!);
    expect(mapping).toMatchObject({ kind: 'call', call: { provider: 'azure', model: 'gpt-4o-2024-11-20', counts: { input_tokens: 900, output_tokens: 150 } } });
  });

  it('prefers the current names when a span carries both spellings of a count', () => {
    const span = testSpan({ 'gen_ai.request.model': 'm', 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.prompt_tokens': 100, 'gen_ai.usage.output_tokens': 5 });
    expect(mapSemconvSpan(span)).toMatchObject({ kind: 'call', call: { counts: { input_tokens: 100, output_tokens: 5 } } });
  });

  it('reads the cache write count and the deprecated underscore cache names', () => {
    const span = testSpan({
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-sonnet-4-5',
      'gen_ai.usage.input_tokens': 5000,
      'gen_ai.usage.output_tokens': 10,
      'gen_ai.usage.cache_read_input_tokens': 1000,
      'gen_ai.usage.cache_creation.input_tokens': 2000,
    });
    expect(mapSemconvSpan(span)).toMatchObject({ kind: 'call', call: { counts: { input_tokens: 5000, cache_read_tokens: 1000, cache_write_tokens: 2000 } } });
  });

  it("adds the cache to an Anthropic input smaller than its own cache, which can only be Anthropic's raw input_tokens", () => {
    const span = testSpan({
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-sonnet-4-5',
      'gen_ai.usage.input_tokens': 42,
      'gen_ai.usage.output_tokens': 611,
      'gen_ai.usage.cache_read.input_tokens': 38_210,
      'gen_ai.usage.cache_creation.input_tokens': 2150,
    });
    expect(mapSemconvSpan(span)).toMatchObject({ kind: 'call', call: { counts: { input_tokens: 42 + 38_210 + 2150 } } });
  });

  it('refuses a span with counts but no model, naming the model attribute', () => {
    expect(mapSemconvSpan(testSpan({ 'gen_ai.usage.input_tokens': 3, 'gen_ai.usage.output_tokens': 1 }))).toMatchObject({ kind: 'invalid', attribute: 'gen_ai.request.model' });
  });
});
