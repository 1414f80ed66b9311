import { describe, expect, it } from 'vitest';
import type { CapturedSpan } from './captured-span.js';
import generateText from './span-dialects/fixtures/ai-sdk-generate-text-anthropic.json' with { type: 'json' };
import streamText from './span-dialects/fixtures/ai-sdk-stream-text-openai.json' with { type: 'json' };
import chainTrace from './span-dialects/fixtures/openinference-chain-llm.json' with { type: 'json' };
import agentTrace from './span-dialects/fixtures/semconv-agent-cached-reasoning.json' with { type: 'json' };
import openAiInstrumentation from './span-dialects/fixtures/semconv-openai-instrumentation.json' with { type: 'json' };
import { spansToRecords, type SpanTranslation, type TraceMemory } from './spans-to-records.js';
import { fixtureSpans, testSpan } from './test-spans.js';

function memory(): TraceMemory {
  const traces = new Map<string, { steps: Map<string, number> }>();
  return { get: (traceId) => traces.get(traceId), set: (traceId, state) => void traces.set(traceId, state) };
}

function translation(overrides: Partial<SpanTranslation> = {}): SpanTranslation {
  return { attributeTags: {}, memory: memory(), ...overrides };
}

const records = (spans: readonly CapturedSpan[], using = translation()) => spansToRecords(spans, using).records.map(({ record }) => record);
const usageEvents = (spans: readonly CapturedSpan[], using = translation()) => records(spans, using).filter((record) => record.type === undefined);
const outcomes = (spans: readonly CapturedSpan[], using = translation()) => records(spans, using).filter((record) => record.type === 'outcome');

describe('spansToRecords', () => {
  it('makes one usage event per call span, with id otel:<trace>:<span> and latency from the span times', () => {
    const [embedding, chat] = usageEvents(fixtureSpans(openAiInstrumentation));
    expect(chat).toMatchObject({
      id: 'otel:4bf92f3577b34da6a3ce929d0e0e4736:b7ad6b7169203331',
      timestamp: '2025-12-05T09:00:00.200Z',
      provider: 'openai',
      model: 'gpt-4o-mini-2024-07-18',
      input_tokens: 1843,
      output_tokens: 212,
      latency_ms: 2150,
    });
    expect(embedding).toMatchObject({ id: 'otel:4bf92f3577b34da6a3ce929d0e0e4736:53995c3f42cd8ad8', latency_ms: 160 });
  });

  it('takes tags from unitcost.* attributes of an ancestor span and of the resource', () => {
    const [, chat] = usageEvents(fixtureSpans(openAiInstrumentation));
    expect(chat).toMatchObject({ feature: 'support-answer', environment: 'production' });
    const [agentCall] = usageEvents(fixtureSpans(agentTrace));
    expect(agentCall).toMatchObject({ team: 'research', environment: 'staging' });
  });

  it("takes tags from the configured attributes, e.g. the server span's enduser.id as user_id", () => {
    const [, chat] = usageEvents(fixtureSpans(openAiInstrumentation), translation({ attributeTags: { 'enduser.id': 'user_id' } }));
    expect(chat).toMatchObject({ user_id: 'user_981' });
  });

  it('lets the tag a span states win over those of its ancestors and resource', () => {
    const spans = fixtureSpans(openAiInstrumentation).map((span) =>
      span.spanId === 'b7ad6b7169203331' ? { ...span, attributes: { ...span.attributes, 'unitcost.feature': 'triage' } } : span,
    );
    const [embedding, chat] = usageEvents(spans);
    expect([embedding!.feature, chat!.feature]).toEqual(['support-answer', 'triage']);
  });

  it("inherits the tags a dialect states on an ancestor: an OpenInference chain's metadata", () => {
    const events = usageEvents(fixtureSpans(chainTrace));
    expect(events).toHaveLength(3);
    for (const event of events) expect(event).toMatchObject({ feature: 'doc-search', team: 'search', session_id: 'sess_77', user_id: 'user_12' });
  });

  it('makes the trace the task when no span names one, its calls the steps in start order', () => {
    const events = usageEvents(fixtureSpans(chainTrace));
    expect(events.map((event) => [event.model, event.task_id, event.step])).toEqual([
      ['text-embedding-3-small', '3c9e1f7a5b2d4e6f8a0b1c2d3e4f5a6b', 1],
      ['gpt-4o-2024-08-06', '3c9e1f7a5b2d4e6f8a0b1c2d3e4f5a6b', 2],
      ['claude-haiku-4-5-20251001', '3c9e1f7a5b2d4e6f8a0b1c2d3e4f5a6b', 3],
    ]);
  });

  it('keeps counting steps when a trace arrives over two requests', () => {
    const spans = fixtureSpans(generateText);
    const using = translation();
    const first = usageEvents(spans.filter((span) => span.spanId === '1123456789abcdef'), using);
    const second = usageEvents(spans.filter((span) => span.spanId !== '1123456789abcdef'), using);
    expect([...first, ...second].map((event) => event.step)).toEqual([1, 2]);
  });

  it('gives a span sent again the step it had', () => {
    const spans = fixtureSpans(generateText);
    const using = translation();
    usageEvents(spans, using);
    expect(usageEvents(spans.filter((span) => span.spanId === '3123456789abcdef'), using).map((event) => event.step)).toEqual([2]);
  });

  it('leaves task and step alone when the spans name them', () => {
    const span = testSpan({ 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 1, 'gen_ai.usage.output_tokens': 1, 'unitcost.task_id': 'ticket-9', 'unitcost.step': '3' });
    expect(usageEvents([span])).toEqual([expect.objectContaining({ task_id: 'ticket-9', step: 3 })]);
  });

  it("counts an AI SDK generateText's steps once, not its outer span too", () => {
    const events = usageEvents(fixtureSpans(generateText));
    expect(events.map((event) => event.input_tokens)).toEqual([2073, 2228]);
  });

  it('counts the AI SDK steps once even when the outer span arrives in a request of its own', () => {
    const spans = fixtureSpans(generateText);
    const using = translation();
    const inner = spansToRecords(spans.filter((span) => span.name !== 'ai.generateText'), using);
    const outer = spansToRecords(spans.filter((span) => span.name === 'ai.generateText'), using);
    const events = [...inner.records, ...outer.records].map(({ record }) => record).filter((record) => record.type === undefined);
    expect(events.map((event) => event.input_tokens)).toEqual([2073, 2228]);
    expect(outer.withoutUsage).toBe(1);
  });

  it('counts the innermost of two call spans that cover one call', () => {
    const outer = testSpan({ 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 10 });
    const inner = testSpan({ 'openinference.span.kind': 'LLM', 'llm.model_name': 'gpt-4o', 'llm.token_count.prompt': 100, 'llm.token_count.completion': 10 }, { parentSpanId: outer.spanId });
    const result = spansToRecords([outer, inner], translation());
    expect(result.records.filter(({ record }) => record.type === undefined).map(({ spanId }) => spanId)).toEqual([inner.spanId]);
    expect(result.withoutUsage).toBe(1);
  });

  it("makes the root span's status the task's outcome", () => {
    expect(outcomes(fixtureSpans(agentTrace))).toEqual([{ type: 'outcome', task_id: '0af7651916cd43dd8448eb211c80319c', outcome: 'success', timestamp: '2025-12-05T09:00:09.000Z' }]);
    const failed = fixtureSpans(agentTrace).map((span) => (span.parentSpanId === undefined ? { ...span, status: { code: 2 as const } } : span));
    expect(outcomes(failed)).toEqual([expect.objectContaining({ outcome: 'failure' })]);
  });

  it('lets unitcost.outcome on the root span say how the task ended', () => {
    const spans = fixtureSpans(agentTrace).map((span) =>
      span.parentSpanId === undefined ? { ...span, attributes: { ...span.attributes, 'unitcost.outcome': 'failure', 'unitcost.feature': 'research' } } : span,
    );
    expect(outcomes(spans)).toEqual([expect.objectContaining({ outcome: 'failure', feature: 'research' })]);
  });

  it('makes an outcome of a span that names its task and outcome, wherever it is', () => {
    const span = testSpan({ 'unitcost.task_id': 'ticket-9', 'unitcost.outcome': 'success' }, { parentSpanId: 'aaaaaaaaaaaaaaaa' });
    expect(outcomes([span])).toEqual([expect.objectContaining({ task_id: 'ticket-9', outcome: 'success' })]);
  });

  it('gives a trace its outcome when the root span arrives after its calls, in a later request', () => {
    const spans = fixtureSpans(agentTrace);
    const using = translation();
    expect(outcomes(spans.filter((span) => span.parentSpanId !== undefined), using)).toEqual([]);
    expect(outcomes(spans.filter((span) => span.parentSpanId === undefined), using)).toEqual([expect.objectContaining({ outcome: 'success' })]);
  });

  it('makes no outcome of a trace that made no calls', () => {
    expect(outcomes([testSpan({ 'http.request.method': 'GET' })])).toEqual([]);
  });

  it('counts spans of other work and GenAI spans without usage', () => {
    const result = spansToRecords([...fixtureSpans(openAiInstrumentation), ...fixtureSpans(agentTrace)], translation());
    expect(result).toMatchObject({ notGenAi: 1, withoutUsage: 2, rejected: [] });
  });

  it('rejects a span with a bad count, naming the span and the attribute', () => {
    const span = testSpan({ 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': -1, 'gen_ai.usage.output_tokens': 1 });
    expect(spansToRecords([span], translation()).rejected).toEqual([
      { spanId: span.spanId, message: `span ${span.spanId}: attribute gen_ai.usage.input_tokens must be a non-negative integer, got -1` },
    ]);
  });

  it('marks a call whose span ended in error', () => {
    const span = testSpan({ 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 5, 'gen_ai.usage.output_tokens': 0 }, { status: { code: 2, message: 'overloaded' } });
    expect(usageEvents([span])).toEqual([expect.objectContaining({ status: 'error' })]);
  });

  it('keeps the time to the first streamed chunk and the metadata that is not a tag', () => {
    const [event] = usageEvents(fixtureSpans(streamText));
    expect(event).toMatchObject({ time_to_first_token_ms: 412.5, feature: 'summaries', attributes: { function_id: 'summarize' } });
  });
});
