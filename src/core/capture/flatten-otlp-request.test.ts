import { describe, expect, it } from 'vitest';
import { flattenTraceRequest, MalformedTraceRequest } from './flatten-otlp-request.js';
import openAiInstrumentation from './span-dialects/fixtures/semconv-openai-instrumentation.json' with { type: 'json' };

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';

function requestWith(spans: unknown[], resourceAttributes: unknown[] = []): unknown {
  return { resourceSpans: [{ resource: { attributes: resourceAttributes }, scopeSpans: [{ scope: { name: 'test', version: '1.0' }, spans }] }] };
}

function spanWith(overrides: Record<string, unknown>): Record<string, unknown> {
  return { traceId, spanId: '00f067aa0ba902b7', name: 'span', kind: 3, startTimeUnixNano: '1764925200000000000', endTimeUnixNano: '1764925201000000000', ...overrides };
}

describe('flattenTraceRequest', () => {
  it('puts the resource and scope beside every span of an exporter request', () => {
    const { spans, unreadable } = flattenTraceRequest(openAiInstrumentation);
    expect(unreadable).toEqual([]);
    expect(spans).toHaveLength(3);
    expect(spans[1]).toMatchObject({
      traceId,
      spanId: '53995c3f42cd8ad8',
      parentSpanId: '00f067aa0ba902b7',
      name: 'embeddings text-embedding-3-small',
      kind: 3,
      resource: { 'service.name': 'support-bot', 'deployment.environment.name': 'production' },
      scope: { name: '@opentelemetry/instrumentation-openai', version: '0.21.0' },
      attributes: { 'gen_ai.usage.input_tokens': 58, 'gen_ai.request.encoding_formats': ['float'] },
    });
  });

  it('reads times as exact nanoseconds and int64 strings as numbers', () => {
    const [span] = flattenTraceRequest(requestWith([spanWith({ attributes: [{ key: 'count', value: { intValue: '9007199254740991' } }] })])).spans;
    expect(span!.startTimeUnixNano).toBe(1_764_925_200_000_000_000n);
    expect(span!.attributes.count).toBe(9_007_199_254_740_991);
  });

  it('keeps an int64 beyond 2^53 as its decimal string rather than lose digits', () => {
    const [span] = flattenTraceRequest(requestWith([spanWith({ attributes: [{ key: 'big', value: { intValue: '9007199254740993' } }] })])).spans;
    expect(span!.attributes.big).toBe('9007199254740993');
  });

  it('accepts intValue as a number, as the OpenTelemetry JS exporter writes it', () => {
    const [span] = flattenTraceRequest(requestWith([spanWith({ attributes: [{ key: 'count', value: { intValue: 42 } }] })])).spans;
    expect(span!.attributes.count).toBe(42);
  });

  it('decodes kvlist and array values', () => {
    const attributes = [
      { key: 'list', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '2' }, { boolValue: true }] } } },
      { key: 'map', value: { kvlistValue: { values: [{ key: 'feature', value: { stringValue: 'search' } }, { key: 'ratio', value: { doubleValue: 0.5 } }] } } },
    ];
    const [span] = flattenTraceRequest(requestWith([spanWith({ attributes })])).spans;
    expect(span!.attributes).toEqual({ list: ['a', 2, true], map: { feature: 'search', ratio: 0.5 } });
  });

  it('reads a null double, as JSON.stringify writes NaN, as no value rather than zero', () => {
    const [span] = flattenTraceRequest(requestWith([spanWith({ attributes: [{ key: 'ai.usage.tokens', value: { doubleValue: null } }] })])).spans;
    expect(span!.attributes['ai.usage.tokens']).toBeNull();
  });

  it('reads span kinds and status codes given as enum names', () => {
    const [span] = flattenTraceRequest(requestWith([spanWith({ kind: 'SPAN_KIND_CLIENT', status: { code: 'STATUS_CODE_ERROR', message: 'rate limited' } })])).spans;
    expect(span).toMatchObject({ kind: 3, status: { code: 2, message: 'rate limited' } });
  });

  it('refuses a span with a bad id on its own, keeping the rest of the request', () => {
    const { spans, unreadable } = flattenTraceRequest(
      requestWith([
        spanWith({ spanId: 'not-hex-at-all!!' }),
        spanWith({ traceId: 'abc' }),
        spanWith({ spanId: '1111111111111111', parentSpanId: 'xyz' }),
        spanWith({ spanId: '0000000000000000' }),
        spanWith({ spanId: '2222222222222222' }),
      ]),
    );
    expect(spans.map((span) => span.spanId)).toEqual(['2222222222222222']);
    expect(unreadable.map((span) => span.message)).toEqual([
      expect.stringContaining('spanId must be 16 hex digits'),
      expect.stringContaining('traceId must be 32 hex digits'),
      expect.stringContaining('parentSpanId must be 16 hex digits'),
      expect.stringContaining('spanId must be 16 hex digits'),
    ]);
    expect(unreadable[2]).toMatchObject({ spanId: '1111111111111111', message: expect.stringContaining('resourceSpans[0].scopeSpans[0].spans[2]') });
  });

  it('refuses a span without a start time, and one whose attributes are not a list', () => {
    const { unreadable } = flattenTraceRequest(requestWith([spanWith({ startTimeUnixNano: undefined }), spanWith({ attributes: { key: 'value' } })]));
    expect(unreadable.map((span) => span.message)).toEqual([expect.stringContaining('startTimeUnixNano'), expect.stringContaining('attributes must be an array')]);
  });

  it('reads a root span whose parent id is all zeros as a root', () => {
    const [span] = flattenTraceRequest(requestWith([spanWith({ parentSpanId: '0000000000000000' })])).spans;
    expect(span!.parentSpanId).toBeUndefined();
  });

  it('reads an empty request as no spans', () => {
    expect(flattenTraceRequest({})).toEqual({ spans: [], unreadable: [] });
  });

  it.each([
    ['a string', 'hello'],
    ['an array', []],
    ['null', null],
    ['resourceSpans that is not an array', { resourceSpans: {} }],
    ['scopeSpans that is not an array', { resourceSpans: [{ scopeSpans: 'x' }] }],
    ['resource attributes that are not a list', { resourceSpans: [{ resource: { attributes: 5 }, scopeSpans: [] }] }],
  ])('throws MalformedTraceRequest for %s', (_case, body) => {
    expect(() => flattenTraceRequest(body)).toThrow(MalformedTraceRequest);
  });
});
