import { normalizedUsage, type NormalizedUsage } from './normalized-usage.js';
import { optionalTokenCount, parseProviderUsage, requirePartsWithin, tokenCount, usageObject } from './parse-provider-usage.js';

const source = 'openai-chat usage';

// The details objects are optional and may be null: older models and OpenAI-compatible servers omit them.
const openaiChatUsageSchema = usageObject({
  prompt_tokens: tokenCount,
  completion_tokens: tokenCount,
  prompt_tokens_details: usageObject({
    cached_tokens: optionalTokenCount,
    audio_tokens: optionalTokenCount,
  }).nullish(),
  completion_tokens_details: usageObject({
    reasoning_tokens: optionalTokenCount,
    audio_tokens: optionalTokenCount,
  }).nullish(),
});

/**
 * Maps an OpenAI Chat Completions `usage` object to NormalizedUsage.
 * `prompt_tokens` already includes the cached and audio prompt tokens, and `completion_tokens` already
 * includes reasoning, audio and predicted-output tokens, so the details are split out, never added.
 */
export function convertOpenaiChatUsage(usage: unknown): NormalizedUsage {
  const parsed = commonUsage(usage) ?? parseProviderUsage(source, openaiChatUsageSchema, usage);
  const cached = parsed.prompt_tokens_details?.cached_tokens ?? 0;
  const promptAudio = parsed.prompt_tokens_details?.audio_tokens ?? 0;
  const reasoning = parsed.completion_tokens_details?.reasoning_tokens ?? 0;
  const completionAudio = parsed.completion_tokens_details?.audio_tokens ?? 0;

  requirePartsWithin(source, 'prompt_tokens', parsed.prompt_tokens, { 'prompt_tokens_details.cached_tokens': cached });
  requirePartsWithin(source, 'prompt_tokens', parsed.prompt_tokens, { 'prompt_tokens_details.audio_tokens': promptAudio });
  requirePartsWithin(source, 'completion_tokens', parsed.completion_tokens, {
    'completion_tokens_details.reasoning_tokens': reasoning,
    'completion_tokens_details.audio_tokens': completionAudio,
  });

  // OpenAI does not say which cached tokens were audio. Counting as uncached audio at most what is
  // uncached assumes the least overlap the numbers allow, and keeps input.audio within noCache.
  const uncached = parsed.prompt_tokens - cached;
  return normalizedUsage({
    inputTotal: parsed.prompt_tokens,
    cacheRead: cached,
    inputAudio: Math.min(promptAudio, uncached),
    outputTotal: parsed.completion_tokens,
    reasoning,
    outputAudio: completionAudio,
  });
}

type OpenaiChatUsage = {
  prompt_tokens: number;
  completion_tokens: number;
  prompt_tokens_details?: { cached_tokens: number; audio_tokens: number } | null | undefined;
  completion_tokens_details?: { reasoning_tokens: number; audio_tokens: number } | null | undefined;
};

/**
 * The common valid usage read without zod, which was ~1.6% of the gateway's serving thread at 1,000
 * calls/s for the four numbers it reads from each answer. It accepts only what the schema accepts and
 * returns what the schema would; anything else (a missing or bad count, a details value that is not a
 * plain object) is left to the schema, which has the last word and writes the message.
 */
function commonUsage(usage: unknown): OpenaiChatUsage | undefined {
  if (!isPlainObject(usage)) return undefined;
  const { prompt_tokens: prompt, completion_tokens: completion, prompt_tokens_details: promptDetails, completion_tokens_details: completionDetails } = usage;
  if (!isCount(prompt) || !isCount(completion)) return undefined;
  let promptCounts: OpenaiChatUsage['prompt_tokens_details'] = promptDetails as null | undefined;
  if (promptDetails != null) {
    if (!isPlainObject(promptDetails)) return undefined;
    const cached = optionalCount(promptDetails.cached_tokens);
    const audio = optionalCount(promptDetails.audio_tokens);
    if (cached === undefined || audio === undefined) return undefined;
    promptCounts = { cached_tokens: cached, audio_tokens: audio };
  }
  let completionCounts: OpenaiChatUsage['completion_tokens_details'] = completionDetails as null | undefined;
  if (completionDetails != null) {
    if (!isPlainObject(completionDetails)) return undefined;
    const reasoning = optionalCount(completionDetails.reasoning_tokens);
    const audio = optionalCount(completionDetails.audio_tokens);
    if (reasoning === undefined || audio === undefined) return undefined;
    completionCounts = { reasoning_tokens: reasoning, audio_tokens: audio };
  }
  return { prompt_tokens: prompt, completion_tokens: completion, prompt_tokens_details: promptCounts, completion_tokens_details: completionCounts };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

// A count left out or null is zero, as optionalTokenCount reads it; undefined means "not a count".
function optionalCount(value: unknown): number | undefined {
  if (value == null) return 0;
  return isCount(value) ? value : undefined;
}
