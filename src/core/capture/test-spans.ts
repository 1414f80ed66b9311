import type { CapturedSpan, SpanAttributes } from './captured-span.js';
import { flattenTraceRequest } from './flatten-otlp-request.js';

/** The spans of an OTLP/JSON fixture, read the way the receiver reads a request; throws on an unreadable one. */
export function fixtureSpans(body: unknown): CapturedSpan[] {
  const { spans, unreadable } = flattenTraceRequest(body);
  if (unreadable.length > 0) throw new Error(`fixture has unreadable spans: ${unreadable.map((span) => span.message).join('; ')}`);
  return spans;
}

/** The one span of `spans` with this span id. */
export function spanWithId(spans: readonly CapturedSpan[], spanId: string): CapturedSpan {
  const span = spans.find((candidate) => candidate.spanId === spanId);
  if (span === undefined) throw new Error(`no span ${spanId}`);
  return span;
}

let nextSpan = 1;

/** A decoded span with the given attributes, for tests that need one detail rather than a whole fixture. */
export function testSpan(attributes: SpanAttributes, overrides: Partial<CapturedSpan> = {}): CapturedSpan {
  const spanId = (nextSpan++).toString(16).padStart(16, '0');
  return {
    traceId: '0123456789abcdef0123456789abcdef',
    spanId,
    name: 'test span',
    kind: 3,
    startTimeUnixNano: 1_764_925_200_000_000_000n,
    endTimeUnixNano: 1_764_925_201_000_000_000n,
    attributes,
    resource: {},
    scope: { name: 'test' },
    status: { code: 0 },
    ...overrides,
  };
}
