import type { CapturedSpan } from '../captured-span.js';
import { buildSpanCall, hasUsage, withoutUsage } from './build-span-call.js';
import { normalizeProvider } from './normalize-provider.js';
import { isProblem, readCounts, readJsonObject, readString, sortMetadata, type CountAttributeNames } from './read-span-attributes.js';
import type { SpanCallTags, SpanMapping } from './span-mapping.js';

const countNames: CountAttributeNames = {
  input: ['llm.token_count.prompt'],
  output: ['llm.token_count.completion'],
  cacheRead: ['llm.token_count.prompt_details.cache_read'],
  cacheWrite: ['llm.token_count.prompt_details.cache_write'],
  reasoning: ['llm.token_count.completion_details.reasoning'],
};

// Only these span kinds are calls to a model; CHAIN, AGENT, TOOL, RETRIEVER, RERANKER, GUARDRAIL and
// EVALUATOR spans are the app's structure around them.
const callKinds: Record<string, string> = { LLM: 'chat', EMBEDDING: 'embeddings' };

/**
 * Maps an OpenInference (Arize) span. `llm.token_count.prompt` is a total: the Anthropic and Bedrock
 * instrumentations add cache reads and writes into it since Arize-ai/openinference#1429, and
 * assembleCounts still corrects an older span whose prompt count is smaller than its cache. Tags come from
 * `session.id`, `user.id` and the `metadata` JSON object, which instrumentations copy onto every span of
 * the context, LLM spans included.
 */
export function mapOpenInferenceSpan(span: CapturedSpan): SpanMapping {
  const { attributes } = span;
  const metadata = sortMetadata(Object.entries(readJsonObject(attributes.metadata) ?? {}));
  const tags = metadata.tags as SpanCallTags;
  const session = readString(attributes, ['session.id']);
  if (session !== undefined) tags.session_id = session;
  const user = readString(attributes, ['user.id']);
  if (user !== undefined) tags.user_id = user;
  const kind = readString(attributes, ['openinference.span.kind'])?.toUpperCase() ?? 'LLM';
  const operation = callKinds[kind];
  if (operation === undefined) return withoutUsage(`OpenInference ${kind} span: its model calls are spans of their own`, tags);
  const counts = readCounts(attributes, countNames);
  if (isProblem(counts)) return counts;
  if (!hasUsage(counts)) return withoutUsage(`OpenInference ${kind} span without token counts`, tags);
  return buildSpanCall({
    dialect: 'openinference',
    counts,
    model: readString(attributes, ['llm.model_name', 'embedding.model_name']),
    modelAttribute: kind === 'EMBEDDING' ? 'embedding.model_name' : 'llm.model_name',
    provider: normalizeProvider(readString(attributes, ['llm.provider', 'llm.system'])),
    operation,
    tags,
    attributes: metadata.attributes,
  });
}
