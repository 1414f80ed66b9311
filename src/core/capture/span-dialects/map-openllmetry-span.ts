import type { CapturedSpan } from '../captured-span.js';
import { buildSpanCall, hasUsage, withoutUsage } from './build-span-call.js';
import { semconvCountNames } from './map-semconv-span.js';
import { isGoogleFamily, normalizeProvider } from './normalize-provider.js';
import { isProblem, prefixedEntries, readCounts, readString, sortMetadata, type CountAttributeNames } from './read-span-attributes.js';
import type { SpanCallTags, SpanMapping } from './span-mapping.js';

// OpenLLMetry (Traceloop) writes the GenAI conventions' deprecated names (gen_ai.usage.prompt_tokens,
// gen_ai.usage.cache_read_input_tokens…) and, in its newer Python packages, the current ones; its own
// reasoning count is also spelled llm.usage.reasoning_tokens.
const countNames: CountAttributeNames = {
  ...semconvCountNames,
  reasoning: [...(semconvCountNames.reasoning ?? []), 'llm.usage.reasoning_tokens'],
};

const associationPrefix = 'traceloop.association.properties.';

// llm.request.type in the vocabulary of gen_ai.operation.name.
const operations: Record<string, string> = { chat: 'chat', completion: 'text_completion', embedding: 'embeddings', rerank: 'rerank' };

/**
 * Maps an OpenLLMetry span. Its Anthropic instrumentation adds cache reads and writes into the prompt
 * count since traceloop/openllmetry#2175 (older releases copied Anthropic's raw input_tokens and sent no
 * cache counts at all), so the prompt count is read as a total, as assembleCounts' rule does for a count
 * at least as large as its cache. Its Gemini instrumentations copy candidatesTokenCount, which excludes
 * thoughts, so reasoning is added to output there. Workflow, task, agent and tool spans
 * (`traceloop.span.kind`) are the app's own structure: their calls are spans of their own.
 */
export function mapOpenLlmetrySpan(span: CapturedSpan): SpanMapping {
  const { attributes } = span;
  const metadata = sortMetadata(prefixedEntries(attributes, associationPrefix));
  const tags = metadata.tags as SpanCallTags;
  const conversation = readString(attributes, ['gen_ai.conversation.id']);
  if (tags.session_id === undefined && conversation !== undefined) tags.session_id = conversation;
  const entityKind = readString(attributes, ['traceloop.span.kind']);
  if (entityKind !== undefined) return withoutUsage(`OpenLLMetry ${entityKind} span: its LLM calls are spans of their own`, tags);
  const counts = readCounts(attributes, countNames);
  if (isProblem(counts)) return counts;
  const requestType = readString(attributes, ['llm.request.type']);
  if (!hasUsage(counts)) return withoutUsage(`OpenLLMetry ${requestType ?? 'LLM'} span without token counts`, tags);
  const system = readString(attributes, ['gen_ai.provider.name', 'gen_ai.system']);
  return buildSpanCall({
    dialect: 'openllmetry',
    counts: { ...counts, outputExcludesReasoning: isGoogleFamily(system) },
    model: readString(attributes, ['gen_ai.response.model', 'gen_ai.request.model']),
    modelAttribute: 'gen_ai.request.model',
    provider: normalizeProvider(system),
    operation: requestType === undefined ? readString(attributes, ['gen_ai.operation.name']) : (operations[requestType] ?? requestType),
    responseId: readString(attributes, ['gen_ai.response.id']),
    tags,
    attributes: metadata.attributes,
  });
}
