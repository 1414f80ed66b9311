import type { CapturedSpan, SpanAttributes } from '../captured-span.js';
import { mapAiSdkSpan } from './map-ai-sdk-span.js';
import { mapOpenInferenceSpan } from './map-openinference-span.js';
import { mapOpenLlmetrySpan } from './map-openllmetry-span.js';
import { mapSemconvSpan } from './map-semconv-span.js';
import type { SpanDialect, SpanMapping } from './span-mapping.js';

/** The mapping's types, so that callers need import only this module. */
export type { SpanCall, SpanCallCounts, SpanCallTags, SpanDialect, SpanMapping } from './span-mapping.js';

const hasKey = (attributes: SpanAttributes, test: (key: string) => boolean): boolean => Object.keys(attributes).some(test);

// Checked in this order, because the dialects overlap: the AI SDK also writes gen_ai.* attributes on its
// inner spans, and OpenLLMetry writes the GenAI conventions' (deprecated) names beside its own.
const dialects: ReadonlyArray<{ dialect: SpanDialect; matches: (span: CapturedSpan) => boolean; map: (span: CapturedSpan) => SpanMapping }> = [
  {
    dialect: 'ai-sdk',
    matches: ({ name, attributes }) => typeof attributes['ai.operationId'] === 'string' || (name.startsWith('ai.') && hasKey(attributes, (key) => key.startsWith('ai.'))),
    map: mapAiSdkSpan,
  },
  {
    dialect: 'openinference',
    matches: ({ attributes }) => attributes['openinference.span.kind'] !== undefined || hasKey(attributes, (key) => key.startsWith('llm.token_count.')),
    map: mapOpenInferenceSpan,
  },
  {
    dialect: 'openllmetry',
    // Association properties alone do not make a span GenAI: Traceloop's SDK copies them onto every span.
    matches: ({ attributes, scope }) =>
      hasKey(attributes, (key) => key === 'traceloop.span.kind' || key === 'llm.request.type' || key.startsWith('llm.usage.')) ||
      ((scope.name.startsWith('@traceloop/') || hasKey(attributes, (key) => key.startsWith('traceloop.'))) && hasKey(attributes, (key) => key.startsWith('gen_ai.'))),
    map: mapOpenLlmetrySpan,
  },
  {
    dialect: 'semconv',
    matches: ({ attributes }) => hasKey(attributes, (key) => key.startsWith('gen_ai.')),
    map: mapSemconvSpan,
  },
];

/** The dialect a span follows, picked by the attributes it carries, or undefined for a span that is not GenAI. */
export function spanDialectOf(span: CapturedSpan): SpanDialect | undefined {
  return dialects.find(({ matches }) => matches(span))?.dialect;
}

/**
 * Reads what one span says about billing, in the dialect its attributes show: a call with inclusive
 * counts, GenAI work without usage of its own, a count that cannot be read, or not GenAI at all.
 */
export function mapGenAiSpan(span: CapturedSpan): SpanMapping {
  const dialect = dialects.find(({ matches }) => matches(span));
  return dialect === undefined ? { kind: 'not-genai' } : dialect.map(span);
}
