import type { CapturedSpan, SpanAttributes } from '../captured-span.js';
import { buildSpanCall, hasUsage, withoutUsage } from './build-span-call.js';
import { isAnthropicFamily, isGoogleFamily, normalizeProvider } from './normalize-provider.js';
import {
  isProblem,
  prefixedEntries,
  readCount,
  readCounts,
  readJsonObject,
  readMilliseconds,
  readString,
  sortMetadata,
  type CountAttributeNames,
} from './read-span-attributes.js';
import type { AttributeProblem, SpanCallTags, SpanMapping } from './span-mapping.js';

// AI SDK 6 names first (ai.usage.inputTokenDetails.*), then 5's (cachedInputTokens, reasoningTokens), then 4's
// (promptTokens, completionTokens); embedding spans count their input as ai.usage.tokens.
const countNames: CountAttributeNames = {
  input: ['ai.usage.inputTokens', 'ai.usage.promptTokens', 'ai.usage.tokens'],
  output: ['ai.usage.outputTokens', 'ai.usage.completionTokens'],
  cacheRead: ['ai.usage.inputTokenDetails.cacheReadTokens', 'ai.usage.cachedInputTokens'],
  cacheWrite: ['ai.usage.inputTokenDetails.cacheWriteTokens'],
  reasoning: ['ai.usage.outputTokenDetails.reasoningTokens', 'ai.usage.reasoningTokens'],
};

const providerMetadataAttribute = 'ai.response.providerMetadata';

// The inner spans, one per request to the provider: ai.generateText.doGenerate, ai.streamText.doStream,
// ai.generateObject.doGenerate, ai.streamObject.doStream, ai.embed.doEmbed, ai.embedMany.doEmbed.
const innerOperation = /\.do[A-Z][A-Za-z]*$/;

/**
 * Maps a Vercel AI SDK telemetry span. Only the inner `….do*` spans are calls: the outer span
 * (`ai.generateText`, `ai.streamText`, `ai.embed`…) repeats the sum of its steps' usage, so it maps to
 * 'no-usage' on its own, whichever export request carries it.
 *
 * AI SDK 6 reports input as a total with its cache reads and writes beside it (`ai.usage.inputTokenDetails.*`).
 * AI SDK 4 and 5 passed Anthropic's raw `input_tokens` through as the input, without the cache, and gave the
 * cache writes only in the provider metadata (`anthropic.cacheCreationInputTokens`); for those, the cache
 * is added. Likewise 4 and 5 passed Gemini's candidatesTokenCount, without the thoughts, as the output,
 * where AI SDK 6 reports their sum. Anthropic's raw usage in the provider metadata also carries the 1-hour writes.
 */
export function mapAiSdkSpan(span: CapturedSpan): SpanMapping {
  const attributes = withoutUnknownCounts(span.attributes);
  const metadata = sortMetadata(prefixedEntries(attributes, 'ai.telemetry.metadata.'));
  const tags = metadata.tags as SpanCallTags;
  const functionId = readString(attributes, ['ai.telemetry.functionId']);
  if (functionId !== undefined) metadata.attributes.function_id = functionId;
  const operationId = readString(attributes, ['ai.operationId']) ?? span.name;
  if (!innerOperation.test(operationId)) return withoutUsage(`AI SDK ${operationId} span: its ….do* steps are the calls`, tags);
  const counts = readCounts(attributes, countNames);
  if (isProblem(counts)) return counts;
  if (!hasUsage(counts)) return withoutUsage(`AI SDK ${operationId} span without token counts`, tags);
  const providerName = readString(attributes, ['ai.model.provider', 'gen_ai.system']);
  const anthropic = isAnthropicFamily(providerName) ? readAnthropicMetadata(attributes) : {};
  if (isProblem(anthropic)) return anthropic;
  const versionSix = Object.keys(attributes).some((key) => key.startsWith('ai.usage.inputTokenDetails.') || key.startsWith('ai.usage.outputTokenDetails.'));
  return buildSpanCall({
    dialect: 'ai-sdk',
    counts: {
      ...counts,
      cacheRead: counts.cacheRead ?? anthropic.cacheRead,
      cacheWrite: counts.cacheWrite ?? anthropic.cacheWrite,
      cacheWrite1h: anthropic.cacheWrite1h,
      inputExcludesCache: isAnthropicFamily(providerName) && !versionSix,
      outputExcludesReasoning: isGoogleFamily(providerName) && !versionSix,
    },
    model: readString(attributes, ['ai.response.model', 'gen_ai.response.model', 'ai.model.id']),
    modelAttribute: 'ai.model.id',
    provider: normalizeProvider(providerName),
    operation: operationId.endsWith('.doEmbed') ? 'embeddings' : operationId.endsWith('.doRerank') ? 'rerank' : 'chat',
    responseId: readString(attributes, ['ai.response.id', 'gen_ai.response.id']),
    tags,
    attributes: metadata.attributes,
    timeToFirstTokenMs: readMilliseconds(attributes, 'ai.response.msToFirstChunk') ?? readMilliseconds(attributes, 'ai.stream.msToFirstChunk'),
  });
}

// The SDK writes NaN when a provider reported no usage (an embedding model without token counts): that is
// an absent count, not a malformed one.
function withoutUnknownCounts(attributes: SpanAttributes): SpanAttributes {
  const kept: SpanAttributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (key.startsWith('ai.usage.') && typeof value === 'number' && Number.isNaN(value)) continue;
    kept[key] = value;
  }
  return kept;
}

interface AnthropicCacheCounts {
  cacheRead?: number | undefined;
  cacheWrite?: number | undefined;
  cacheWrite1h?: number | undefined;
}

/** The cache counts in `ai.response.providerMetadata.anthropic`: AI SDK 4's and 5's only record of cache writes. */
function readAnthropicMetadata(attributes: SpanAttributes): AnthropicCacheCounts | AttributeProblem {
  const anthropic = readJsonObject(readJsonObject(attributes[providerMetadataAttribute])?.anthropic);
  if (anthropic === undefined) return {};
  const usage = readJsonObject(anthropic.usage) ?? {};
  const breakdown = readJsonObject(usage.cache_creation) ?? {};
  // Named by their path, so a refusal says which value inside the JSON attribute is wrong.
  const flat = {
    'anthropic.cacheCreationInputTokens': anthropic.cacheCreationInputTokens,
    'anthropic.usage.cache_creation_input_tokens': usage.cache_creation_input_tokens,
    'anthropic.cacheReadInputTokens': anthropic.cacheReadInputTokens,
    'anthropic.usage.cache_read_input_tokens': usage.cache_read_input_tokens,
    'anthropic.usage.cache_creation.ephemeral_1h_input_tokens': breakdown.ephemeral_1h_input_tokens,
  } as SpanAttributes;
  const read = (names: string[]) => readCount(flat, names);
  const cacheWrite = read(['anthropic.cacheCreationInputTokens', 'anthropic.usage.cache_creation_input_tokens']);
  const cacheRead = read(['anthropic.cacheReadInputTokens', 'anthropic.usage.cache_read_input_tokens']);
  const cacheWrite1h = read(['anthropic.usage.cache_creation.ephemeral_1h_input_tokens']);
  for (const reading of [cacheWrite, cacheRead, cacheWrite1h]) {
    if (!reading.ok) return { kind: 'invalid', attribute: providerMetadataAttribute, message: `${reading.attribute} ${reading.message}` };
  }
  const value = (reading: typeof cacheWrite) => (reading.ok ? reading.value : undefined);
  return { cacheWrite: value(cacheWrite), cacheRead: value(cacheRead), cacheWrite1h: value(cacheWrite1h) };
}
