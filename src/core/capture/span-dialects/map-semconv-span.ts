import type { CapturedSpan } from '../captured-span.js';
import { buildSpanCall, hasUsage, withoutUsage } from './build-span-call.js';
import { normalizeProvider } from './normalize-provider.js';
import { isProblem, readCounts, readString, type CountAttributeNames } from './read-span-attributes.js';
import type { SpanCallTags, SpanMapping } from './span-mapping.js';

/**
 * The OpenTelemetry GenAI conventions' counts, current names first. The deprecated names
 * (`prompt_tokens`, `completion_tokens`, the underscore cache names) are still what many exporters send:
 * @opentelemetry/instrumentation-openai 0.21 writes `gen_ai.system`, and older conventions' SDKs the rest.
 */
export const semconvCountNames: CountAttributeNames = {
  input: ['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens'],
  output: ['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens'],
  cacheRead: ['gen_ai.usage.cache_read.input_tokens', 'gen_ai.usage.cache_read_input_tokens'],
  cacheWrite: ['gen_ai.usage.cache_creation.input_tokens', 'gen_ai.usage.cache_creation_input_tokens'],
  reasoning: ['gen_ai.usage.reasoning.output_tokens', 'gen_ai.usage.reasoning_tokens'],
};

/**
 * Maps a span that follows the OpenTelemetry GenAI semantic conventions. The conventions say
 * `gen_ai.usage.input_tokens` includes the cache reads and writes and `output_tokens` the reasoning (as
 * OpenAI's counts do); assembleCounts catches an Anthropic-style input smaller than its own cache.
 * Agent and tool spans (`invoke_agent`, `execute_tool`) without counts are GenAI work without usage.
 */
export function mapSemconvSpan(span: CapturedSpan): SpanMapping {
  const { attributes } = span;
  const tags: SpanCallTags = {};
  const conversation = readString(attributes, ['gen_ai.conversation.id']);
  if (conversation !== undefined) tags.session_id = conversation;
  const operation = readString(attributes, ['gen_ai.operation.name']);
  const counts = readCounts(attributes, semconvCountNames);
  if (isProblem(counts)) return counts;
  if (!hasUsage(counts)) return withoutUsage(`${operation ?? 'GenAI'} span without token counts`, tags);
  return buildSpanCall({
    dialect: 'semconv',
    counts,
    model: readString(attributes, ['gen_ai.response.model', 'gen_ai.request.model']),
    modelAttribute: 'gen_ai.request.model',
    provider: normalizeProvider(readString(attributes, ['gen_ai.provider.name', 'gen_ai.system'])),
    operation,
    responseId: readString(attributes, ['gen_ai.response.id']),
    tags,
    attributes: {},
  });
}
