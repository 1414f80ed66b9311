import { describe, expect, it } from 'vitest';
import { fixtureSpans, spanWithId, testSpan } from '../test-spans.js';
import embedTrace from './fixtures/ai-sdk-embed.json' with { type: 'json' };
import generateText from './fixtures/ai-sdk-generate-text-anthropic.json' with { type: 'json' };
import streamText from './fixtures/ai-sdk-stream-text-openai.json' with { type: 'json' };
import versionFive from './fixtures/ai-sdk-v5-anthropic.json' with { type: 'json' };
import chainTrace from './fixtures/openinference-chain-llm.json' with { type: 'json' };
import anthropicCache from './fixtures/openllmetry-anthropic-cache.json' with { type: 'json' };
import agentTrace from './fixtures/semconv-agent-cached-reasoning.json' with { type: 'json' };
import deprecatedNames from './fixtures/semconv-deprecated-names.json' with { type: 'json' };
import openAiInstrumentation from './fixtures/semconv-openai-instrumentation.json' with { type: 'json' };
import { mapGenAiSpan, spanDialectOf } from './map-genai-span.js';

const fixtures = { embedTrace, generateText, streamText, versionFive, chainTrace, anthropicCache, agentTrace, deprecatedNames, openAiInstrumentation };
const allSpans = Object.values(fixtures).flatMap((fixture) => fixtureSpans(fixture));

// Every piece of prompt or completion text the fixtures carry, as it appears in some attribute.
const promptText = [
  'What is the weather in Paris?',
  'It is 18°C and sunny in Paris.',
  'Summarize this thread.',
  'The thread agrees on',
  'How do refunds work?',
  'How do I rotate an API key?',
  'Open Settings, then API keys, then Rotate.',
  'My invoice shows the wrong VAT number.',
  'We have corrected the VAT number',
  'You are a billing support agent.',
  'Summarize the Q3 filings of ACME.',
  'careful research assistant',
  "Translate 'invoice' to French.",
  'Check the answer against the policy.',
];

describe('mapGenAiSpan', () => {
  it('picks the dialect by the attributes a span carries', () => {
    expect(spanDialectOf(spanWithId(fixtureSpans(openAiInstrumentation), 'b7ad6b7169203331'))).toBe('semconv');
    expect(spanDialectOf(spanWithId(fixtureSpans(anthropicCache), '2b3c4d5e6f7a8b9c'))).toBe('openllmetry');
    expect(spanDialectOf(spanWithId(fixtureSpans(chainTrace), 'dd44ee55ff667788'))).toBe('openinference');
    expect(spanDialectOf(spanWithId(fixtureSpans(generateText), '1123456789abcdef'))).toBe('ai-sdk');
  });

  it("reads an AI SDK step as the AI SDK's although it also writes gen_ai.* attributes", () => {
    const mapping = mapGenAiSpan(spanWithId(fixtureSpans(generateText), '1123456789abcdef'));
    expect(mapping).toMatchObject({ kind: 'call', call: { dialect: 'ai-sdk', counts: { cache_write_tokens: 2048 } } });
  });

  it('maps a span of anything else (HTTP, database, the app) to not-genai', () => {
    expect(mapGenAiSpan(spanWithId(fixtureSpans(openAiInstrumentation), '00f067aa0ba902b7'))).toEqual({ kind: 'not-genai' });
    expect(mapGenAiSpan(testSpan({ 'db.system.name': 'postgresql', 'db.query.text': 'select 1' }))).toEqual({ kind: 'not-genai' });
    expect(mapGenAiSpan(testSpan({ 'http.request.method': 'GET', 'traceloop.association.properties.user_id': 'u1' }))).toEqual({ kind: 'not-genai' });
  });

  it.each([
    ['semconv', { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': -5, 'gen_ai.usage.output_tokens': 1 }, 'gen_ai.usage.input_tokens', 'chat gpt-4o'],
    ['openllmetry', { 'llm.request.type': 'chat', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.prompt_tokens': 5, 'gen_ai.usage.completion_tokens': 'many' }, 'gen_ai.usage.completion_tokens', 'openai.chat'],
    ['openinference', { 'openinference.span.kind': 'LLM', 'llm.model_name': 'gpt-4o', 'llm.token_count.prompt': 12.5, 'llm.token_count.completion': 1 }, 'llm.token_count.prompt', 'ChatOpenAI'],
    ['ai-sdk', { 'ai.operationId': 'ai.generateText.doGenerate', 'ai.model.id': 'gpt-4o', 'ai.usage.inputTokens': 3, 'ai.usage.outputTokens': true }, 'ai.usage.outputTokens', 'ai.generateText.doGenerate'],
  ])('refuses a negative or non-numeric %s count, naming the attribute exactly', (_dialect, attributes, attribute, name) => {
    const mapping = mapGenAiSpan(testSpan(attributes, { name }));
    expect(mapping).toMatchObject({ kind: 'invalid', attribute, message: expect.stringContaining('must be a non-negative integer') });
  });

  it('accepts a count sent as a string of digits, as some SDKs stringify attributes', () => {
    const mapping = mapGenAiSpan(testSpan({ 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': '120', 'gen_ai.usage.output_tokens': '7' }));
    expect(mapping).toMatchObject({ kind: 'call', call: { counts: { input_tokens: 120, output_tokens: 7 } } });
  });

  it('never keeps prompt or completion text in a call, from any dialect', () => {
    const sent = JSON.stringify(fixtures);
    for (const text of promptText) expect(sent).toContain(text);
    const calls = allSpans.map(mapGenAiSpan).filter((mapping) => mapping.kind === 'call');
    expect(calls.length).toBeGreaterThan(10);
    const kept = JSON.stringify(calls);
    for (const text of promptText) expect(kept).not.toContain(text);
  });

  it('keeps every fixture readable: each span maps to a call, no-usage or not-genai', () => {
    const kinds = new Set(allSpans.map((span) => mapGenAiSpan(span).kind));
    expect([...kinds].sort()).toEqual(['call', 'no-usage', 'not-genai']);
  });
});
