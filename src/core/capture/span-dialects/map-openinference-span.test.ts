import { describe, expect, it } from 'vitest';
import { fixtureSpans, spanWithId, testSpan } from '../test-spans.js';
import chainTrace from './fixtures/openinference-chain-llm.json' with { type: 'json' };
import { mapOpenInferenceSpan } from './map-openinference-span.js';

const spans = fixtureSpans(chainTrace);

describe('mapOpenInferenceSpan', () => {
  it('reads an LLM span: model, provider, counts with cache reads, session and user', () => {
    expect(mapOpenInferenceSpan(spanWithId(spans, 'dd44ee55ff667788'))).toEqual({
      kind: 'call',
      call: {
        dialect: 'openinference',
        provider: 'openai',
        model: 'gpt-4o-2024-08-06',
        operation: 'chat',
        counts: { input_tokens: 5210, output_tokens: 340, cache_read_tokens: 4096 },
        tags: { session_id: 'sess_77', user_id: 'user_12' },
        attributes: {},
      },
    });
  });

  it('reads the Anthropic prompt count as the total, since OpenInference adds the cache reads and writes in', () => {
    expect(mapOpenInferenceSpan(spanWithId(spans, 'ee55ff6677889900'))).toMatchObject({
      kind: 'call',
      call: { provider: 'anthropic', counts: { input_tokens: 4215, cache_read_tokens: 3000, cache_write_tokens: 1200, output_tokens: 180 } },
    });
  });

  it('counts an EMBEDDING span by its embedding model', () => {
    expect(mapOpenInferenceSpan(spanWithId(spans, 'bb22cc33dd44ee55'))).toMatchObject({
      kind: 'call',
      call: { model: 'text-embedding-3-small', operation: 'embeddings', counts: { input_tokens: 12, output_tokens: 0 } },
    });
  });

  it('maps a CHAIN span to no-usage, with the tags of its metadata JSON', () => {
    expect(mapOpenInferenceSpan(spanWithId(spans, 'aa11bb22cc33dd44'))).toEqual({
      kind: 'no-usage',
      reason: 'OpenInference CHAIN span: its model calls are spans of their own',
      tags: { feature: 'doc-search', team: 'search', session_id: 'sess_77', user_id: 'user_12' },
    });
  });

  it('maps a RETRIEVER span to no-usage', () => {
    expect(mapOpenInferenceSpan(spanWithId(spans, 'cc33dd44ee55ff66'))).toMatchObject({ kind: 'no-usage' });
  });

  it('does not count a CHAIN span that carries token counts, since its calls are counted on their own spans', () => {
    const span = testSpan({ 'openinference.span.kind': 'CHAIN', 'llm.token_count.prompt': 100, 'llm.token_count.completion': 10 });
    expect(mapOpenInferenceSpan(span)).toMatchObject({ kind: 'no-usage' });
  });

  it('keeps metadata that is not a tag as attributes, and ignores metadata that is not JSON', () => {
    const base = { 'openinference.span.kind': 'LLM', 'llm.model_name': 'gpt-4o', 'llm.token_count.prompt': 10, 'llm.token_count.completion': 2 };
    expect(mapOpenInferenceSpan(testSpan({ ...base, metadata: '{"prompt_version":"v7","nested":{"a":1}}' }))).toMatchObject({
      kind: 'call',
      call: { attributes: { prompt_version: 'v7' } },
    });
    expect(mapOpenInferenceSpan(testSpan({ ...base, metadata: '{not json' }))).toMatchObject({ kind: 'call', call: { attributes: {} } });
  });

  it('reads reasoning within the completion count', () => {
    const span = testSpan({
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'o3',
      'llm.token_count.prompt': 100,
      'llm.token_count.completion': 500,
      'llm.token_count.completion_details.reasoning': 448,
    });
    expect(mapOpenInferenceSpan(span)).toMatchObject({ kind: 'call', call: { counts: { output_tokens: 500, reasoning_tokens: 448 } } });
  });
});
