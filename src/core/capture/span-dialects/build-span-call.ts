import { assembleCounts, type RawCounts } from './assemble-counts.js';
import type { SpanCall, SpanCallTags, SpanDialect, SpanMapping } from './span-mapping.js';
import type { SpanCounts } from './read-span-attributes.js';

/** What a dialect mapper found on a span that has counts, before they become a call. */
export interface SpanCallParts {
  dialect: SpanDialect;
  counts: SpanCounts & Pick<RawCounts, 'cacheWrite1h' | 'inputExcludesCache' | 'outputExcludesReasoning'>;
  /** The model, and the attribute a missing one should have been read from (named in the refusal). */
  model: string | undefined;
  modelAttribute: string;
  provider?: string | undefined;
  operation?: string | undefined;
  responseId?: string | undefined;
  tags: SpanCallTags;
  attributes: Record<string, string | number | boolean>;
  timeToFirstTokenMs?: number | undefined;
}

/** True when the span reported an input or an output count: the mark of a span that made a billed call. */
export function hasUsage(counts: SpanCounts): boolean {
  return counts.input !== undefined || counts.output !== undefined;
}

/**
 * Turns what a dialect read into a call: counts made inclusive, absent parts left out. A span with
 * counts but no model is refused rather than stored under an empty name, which no price could match.
 */
export function buildSpanCall(parts: SpanCallParts): SpanMapping {
  if (parts.model === undefined) {
    return { kind: 'invalid', attribute: parts.modelAttribute, message: 'is missing: a span with token counts must name its model' };
  }
  const { counts } = parts;
  const call: SpanCall = {
    dialect: parts.dialect,
    model: parts.model,
    // An embedding reports input only, and an output-only report still billed its output.
    counts: assembleCounts({ ...counts, input: counts.input ?? 0, output: counts.output ?? 0 }),
    tags: parts.tags,
    attributes: parts.attributes,
  };
  if (parts.provider !== undefined) call.provider = parts.provider;
  if (parts.operation !== undefined) call.operation = parts.operation;
  if (parts.responseId !== undefined) call.responseId = parts.responseId;
  if (parts.timeToFirstTokenMs !== undefined) call.timeToFirstTokenMs = parts.timeToFirstTokenMs;
  return { kind: 'call', call };
}

/** The 'no-usage' mapping, carrying the span's tags only when it has some. */
export function withoutUsage(reason: string, tags: SpanCallTags): SpanMapping {
  return Object.keys(tags).length > 0 ? { kind: 'no-usage', reason, tags } : { kind: 'no-usage', reason };
}
